"""Action results on their way from executors to the engine, queued per
workflow execution and absorbed in batches that span executions.

The queue sits below both the engine (which drains it) and the executor
(which fills it in one process, and batches its outgoing messages with the
same class), so neither imports the other.

Every result of one workflow execution needs that execution's row lock, so
handling one execution's results in parallel only makes threads (and their
database connections) queue on the lock; and every transaction has a fixed
cost (begin, the locking read, the commit, on SQLite the process's single
writer lock) that a linear workflow would pay once per task. So results
are queued per workflow execution, and a drainer thread takes the results
of *several* executions at once (up to ``max_keys`` executions and
``max_batch`` results) and hands them to ``handle`` together: the engine
absorbs them in one transaction. An execution is held by at most one
drainer at a time, so its results are handled in arrival order; results
arriving meanwhile wait for the next batch.

A result is held only in memory between its arrival and its batch, as it is
between a message's delivery and its handling anyway; a batch that fails is
handled again execution by execution, then result by result (see
``EngineEndpoint``).
"""

import collections
import concurrent.futures
import logging
import threading
import time
from typing import Callable, Hashable, Optional

LOG = logging.getLogger(__name__)

DEFAULT_MAX_BATCH = 200
DEFAULT_MAX_KEYS = 50

# The queue of the engine endpoint of this process, if it runs one.
_local = None


def local_engine_queue():
    """The engine's result queue in this process, or None (no engine
    here): an executor of the same process hands its results straight to
    it when messages would not leave the process anyway."""
    return _local


def set_local_engine_queue(queue) -> None:
    global _local
    _local = queue


class CompletionQueue:
    """Per-key FIFO queues, drained together by at most ``workers`` threads.

    ``handle(batches)`` is called with an insertion-ordered dict
    ``{key: [items in arrival order]}`` of at most ``max_keys`` keys and
    ``max_batch`` items; no other drainer holds any of those keys
    meanwhile. An exception is logged and the items are not handled again.
    """

    def __init__(self, handle: Callable[[dict], None],
                 max_batch: int = DEFAULT_MAX_BATCH, workers: int = 8,
                 max_keys: int = DEFAULT_MAX_KEYS):
        self._handle = handle
        self._max_batch = max(1, max_batch)
        self._max_keys = max(1, max_keys)
        self._workers = max(1, workers)
        self._lock = threading.Lock()
        # key -> deque of items not yet taken (claimed keys included).
        self._pending: dict = {}
        # Keys with items and no drainer, oldest first (dict as ordered set).
        self._ready: dict = {}
        self._claimed: set = set()
        self._active = 0
        # ``submit_later`` calls whose items are still being made.
        self._making = 0
        self._background = None
        self._drainers = None

    def submit(self, key: Hashable, item) -> None:
        """Queue ``item``; drain in this thread unless enough threads are
        draining already."""
        self.submit_many(key, [item])

    def submit_many(self, key: Hashable, items: list) -> None:
        """``submit`` for several items of one key at once (they may share
        a batch)."""
        if items and self._queue(key, items):
            self._drain()

    def submit_async(self, key: Hashable, item) -> None:
        """``submit`` from a thread that must not do the engine's work (an
        in-process executor): drainers are the queue's own threads, at most
        ``workers`` of them, as the engine's RPC server would have."""
        self.submit_many_async(key, [item])

    def submit_many_async(self, key: Hashable, items: list) -> None:
        """``submit_async`` for several items of one key at once."""
        self.submit_groups_async({key: items})

    def submit_groups_async(self, groups: dict) -> None:
        """``submit_many_async`` for several keys (``{key: items}``): all
        of them are queued before a drainer looks, so they can share a
        batch (a message of results of twenty executions is one batch, not
        one for the first execution and another for the rest)."""
        starts = sum(1 for key, items in groups.items()
                     if items and self._queue(key, items))
        if not starts:
            return
        with self._lock:
            if self._drainers is None:
                self._drainers = concurrent.futures.ThreadPoolExecutor(
                    max_workers=self._workers,
                    thread_name_prefix="engine-results")
            drainers = self._drainers
        for _ in range(starts):
            drainers.submit(self._drain)

    def submit_later(self, key: Hashable, make_items: Callable[[], list]
                     ) -> None:
        """``submit_many(key, make_items())`` in a background thread: the
        caller (an RPC handler, maybe the API's start call) returns now."""
        with self._lock:
            if self._background is None:
                self._background = concurrent.futures.ThreadPoolExecutor(
                    max_workers=2, thread_name_prefix="engine-inline")
            background = self._background
            self._making += 1
        background.submit(self._submit_made, key, make_items)

    def _submit_made(self, key, make_items) -> None:
        try:
            items = make_items()
        except Exception:  # noqa: BLE001 - logged; heartbeats time out
            LOG.exception("Running inline actions of %s failed", key)
            items = []
        try:
            self.submit_many(key, items)
        finally:
            with self._lock:
                self._making -= 1

    def has_pending(self) -> bool:
        """Whether any item waits (taken by no drainer yet)."""
        return bool(self._ready)

    def pending(self) -> int:
        """Items waiting (for tests and diagnostics)."""
        with self._lock:
            return sum(len(q) for q in self._pending.values())

    def wait_idle(self, timeout: Optional[float] = None) -> bool:
        """Wait until every item queued so far was handled (a stopping
        engine handles the results it took before it goes: their senders
        count them as delivered); False if ``timeout`` seconds passed
        first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                if not (self._pending or self._active or self._making):
                    return True
            if deadline is not None and time.monotonic() >= deadline:
                return False
            time.sleep(0.02)

    def _queue(self, key, items) -> bool:
        """Append; True when the caller must start a drainer (one more is
        allowed and there is work no drainer holds)."""
        with self._lock:
            queue = self._pending.get(key)
            if queue is None:
                queue = self._pending[key] = collections.deque()
            queue.extend(items)
            if key not in self._claimed:
                self._ready[key] = None
            if self._active >= self._workers:
                return False
            self._active += 1
            return True

    def _take(self) -> dict:
        """Claim a batch (under the lock); empty when nothing is ready."""
        batch = {}
        room = self._max_batch
        while self._ready and room and len(batch) < self._max_keys:
            key = next(iter(self._ready))
            del self._ready[key]
            queue = self._pending[key]
            take = min(len(queue), room)
            batch[key] = [queue.popleft() for _ in range(take)]
            room -= take
            self._claimed.add(key)
        return batch

    def _release(self, batch: dict) -> None:
        """Give the batch's keys back (under the lock)."""
        for key in batch:
            self._claimed.discard(key)
            queue = self._pending.get(key)
            if queue:
                self._ready[key] = None
            elif queue is not None:
                del self._pending[key]

    def _drain(self) -> None:
        batch = {}
        try:
            while True:
                with self._lock:
                    self._release(batch)
                    batch = self._take()
                    if not batch:
                        self._active -= 1
                        return
                try:
                    self._handle(batch)
                except Exception:  # noqa: BLE001 - keep draining the rest
                    LOG.exception("Handling results of %d execution(s) "
                                  "failed", len(batch))
        except BaseException:
            # Interrupted (interpreter shutdown): let a later result start
            # a new drainer instead of queueing behind a dead one.
            with self._lock:
                self._release(batch)
                self._active -= 1
            raise
