"""One engine step: one DB transaction, then what it decided to send.

Messages (actions for the executors, wake-ups for other engines,
notifications) are queued on the step and sent only after the commit, so a
crash can lose a message but never announce a state that was not stored.
"""

import collections
import concurrent.futures
import contextlib
import logging
import threading
import time
from typing import Callable, Optional

import sqlalchemy as sa

from mistral_clone import work_counts
from mistral_clone.db import retry
from mistral_clone.db import session as db_session
from mistral_clone.expressions import limits
from mistral_clone.expressions.provider import DATA_PROVIDER_KEY
from mistral_clone.engine.provider import DbDataProvider
from mistral_clone.metrics import engine as engine_metrics

LOG = logging.getLogger(__name__)


# Most inline actions (see ``actions.inline_action_names``) one step runs
# itself; the rest go to an executor, so that a loop of trivial tasks
# cannot hold the transaction for ever.
MAX_INLINE_PER_STEP = 1000


class Step:
    def __init__(self, session, ctx, inline: bool = False):
        self.session = session
        self.ctx = ctx
        self._after_commit = []
        # Jobs ``fn(run_here: bool)`` of actions run in this step before the
        # commit (None: this step cannot, its owner does not drain them).
        self._inline = collections.deque() if inline else None
        # Inline actions past MAX_INLINE_PER_STEP, by workflow execution.
        self.inline_overflow = {}
        # Task executions created in this step (held here: the session
        # keeps only weak references to unchanged rows).
        self.new_tasks = []
        # key -> (send, [items]): see ``after_commit_grouped``.
        self._grouped = {}
        # key -> [items]: see ``after_commit_batched``.
        self._batched = {}
        # (kind, from_state, to_state) of the state changes made in this
        # step: counted once it has committed.
        self.transitions = []

    def after_commit(self, fn: Callable, *args, **kwargs) -> None:
        self._after_commit.append((fn, args, kwargs))

    def after_commit_batched(self, key, fn: Callable[[list], None],
                             item) -> bool:
        """Queue ``item``; after the commit ``fn([items of key])`` runs once,
        in order, where the first item of ``key`` was queued. False (not
        queued) once ``key`` has MAX_GROUP items: a step starting 10,000
        actions hands the rest over one by one, past the first
        MAX_SYNC_AFTER_COMMIT operations in the background."""
        items = self._batched.get(key)
        if items is None:
            items = self._batched[key] = []
            self.after_commit(fn, items)
        elif len(items) >= MAX_GROUP:
            return False
        items.append(item)
        return True

    def after_commit_grouped(self, key, send: Callable[[list], None],
                             item) -> None:
        """Queue ``item``; after the commit the items of one ``key`` go out
        as ``send(chunk)`` calls of at most MAX_GROUP items (one message
        carrying many actions instead of one message each), unordered."""
        group = self._grouped.get(key)
        if group is None:
            group = self._grouped[key] = (send, [])
        group[1].append(item)

    @property
    def runs_inline(self) -> bool:
        return self._inline is not None

    def run_inline(self, job: Callable[[bool], None]) -> None:
        """Queue an inline action; it runs before this step commits."""
        self._inline.append(job)

    def drain_inline(self) -> None:
        """Run the queued inline actions (and those their results start),
        oldest first, iteratively: a chain of trivial tasks needs no
        recursion. Past MAX_INLINE_PER_STEP they run after the commit and
        their results come back in later steps (``actions._overflow``)."""
        done = 0
        while self._inline:
            job = self._inline.popleft()
            job(done < MAX_INLINE_PER_STEP)
            done += 1

    def run_after_commit(self) -> None:
        """The first MAX_SYNC_AFTER_COMMIT ordered operations run here, in
        order; the rest (a with-items task starting 10,000 actions) follow
        in one background thread, still in order, so that the caller --
        maybe the API waiting to answer a POST -- does not wait for every
        message. The grouped messages (casts to a broker, each waiting for
        its confirm, in no particular order) all go to the parallel
        senders: the step's thread, the engine's drainer or an RPC call
        someone waits for, goes on at once."""
        if self.transitions:
            engine_metrics.count_transitions(self.transitions)
            self.transitions = []
        ops, self._after_commit = self._after_commit, []
        self._batched = {}
        unordered = []
        for send, items in self._grouped.values():
            for i in range(0, len(items), MAX_GROUP):
                unordered.append((send, (items[i:i + MAX_GROUP],), {}))
        self._grouped = {}
        _run_ops(ops[:MAX_SYNC_AFTER_COMMIT])
        if len(ops) > MAX_SYNC_AFTER_COMMIT:
            _track(_background_sender().submit(
                _run_ops, ops[MAX_SYNC_AFTER_COMMIT:]))
        if unordered:
            pool = _parallel_sender()
            for i in range(PARALLEL_SENDERS):
                chunk = unordered[i::PARALLEL_SENDERS]
                if chunk:
                    _track(pool.submit(_run_ops, chunk))


MAX_SYNC_AFTER_COMMIT = 200
# Most items of one ``after_commit_grouped`` message: big enough that the
# per-message cost (a broker round trip and its confirm) is shared widely,
# small enough that 10,000 actions still spread over several executors.
MAX_GROUP = 50
_sender = None
_sender_lock = threading.Lock()


def _background_sender() -> concurrent.futures.ThreadPoolExecutor:
    global _sender
    with _sender_lock:
        if _sender is None:
            _sender = concurrent.futures.ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="engine-after-commit")
        return _sender


PARALLEL_SENDERS = 6
_parallel = None


def _parallel_sender() -> concurrent.futures.ThreadPoolExecutor:
    global _parallel
    with _sender_lock:
        if _parallel is None:
            _parallel = concurrent.futures.ThreadPoolExecutor(
                max_workers=PARALLEL_SENDERS,
                thread_name_prefix="engine-after-commit-unordered")
        return _parallel


# Messages of committed steps still being sent in the background.
_sending = set()


def _track(future: concurrent.futures.Future) -> None:
    with _sender_lock:
        _sending.add(future)
    future.add_done_callback(_untrack)


def _untrack(future: concurrent.futures.Future) -> None:
    with _sender_lock:
        _sending.discard(future)


def sending() -> int:
    """Background sends of committed steps not done yet."""
    with _sender_lock:
        return len(_sending)


def wait_sent(timeout=None) -> bool:
    """Wait until the messages of the steps committed so far have left (a
    stopping engine sends what it committed before it goes); False if
    ``timeout`` seconds passed first."""
    with _sender_lock:
        sending = list(_sending)
    _done, left = concurrent.futures.wait(sending, timeout)
    return not left


def _run_ops(ops) -> None:
    for fn, args, kwargs in ops:
        try:
            fn(*args, **kwargs)
        except Exception:  # noqa: BLE001 - the state is committed
            LOG.exception("Post-commit operation %s failed", fn)


@contextlib.contextmanager
def step(ctx):
    """A step in one transaction; the post-commit queue runs after it.
    Expressions evaluated in it get the time a transaction allows them
    (see ``call``)."""
    started = time.perf_counter()
    with db_session.transaction() as session, limits.in_transaction():
        current = Step(session, ctx, inline=True)
        yield current
        current.drain_inline()
    work_counts.add("steps")
    work_counts.add("tasks", len(current.new_tasks))
    engine_metrics.observe_step(time.perf_counter() - started)
    current.run_after_commit()


# Most times one call moves slow evaluations out of its transaction before
# it evaluates in the transaction whatever it takes.
MAX_MOVES_OUT = 5


def call(ctx, fn: Callable, *args, **kwargs):
    """``fn(*args, **kwargs)``, a function running engine steps for the
    caller ``ctx``, again after a transient database error
    (``retry.call``) and after an expression too slow for a transaction:
    that one is evaluated with no lock held (``limits.evaluate_outside``)
    and ``fn`` runs again, finding its value at once."""
    for _attempt in range(MAX_MOVES_OUT):
        try:
            return retry.call(fn, *args, **kwargs)
        except limits.OutOfTime as slow:
            move_out(ctx, slow)
    with limits.outside_transaction():
        return retry.call(fn, *args, **kwargs)


def move_out(ctx, slow: limits.OutOfTime) -> None:
    """Evaluate what a step of ``ctx`` found too slow for its transaction
    with no lock held, for the step's next run to find."""
    LOG.info("An expression took too long for a transaction; "
             "evaluating it outside: %s", limits.shown(slow.data))
    retry.call(evaluate_outside, slow, readers_project(slow, ctx))


def readers_project(slow: limits.OutOfTime, ctx) -> Optional[str]:
    """The project whose rows the slow expression may read: that of the
    step's data provider (the evaluating execution's), which need not be
    the caller's (an admin resuming another project's execution, the
    scheduler's own context)."""
    provider = slow.context.get(DATA_PROVIDER_KEY) \
        if isinstance(slow.context, dict) else None
    if isinstance(provider, DbDataProvider):
        return provider.project_id
    return getattr(ctx, "project_id", None)


def evaluate_outside(slow, project_id=None) -> None:
    with db_session.read_only() as session:
        limits.evaluate_outside(slow, DbDataProvider(session, project_id))


def step_in(session, ctx) -> Step:
    """A step over a transaction that its owner commits (the scheduler's
    claiming transaction): its messages are sent once that has
    committed."""
    current = Step(session, ctx)
    sa.event.listen(session, "after_commit",
                    lambda _session: current.run_after_commit(), once=True)
    return current
