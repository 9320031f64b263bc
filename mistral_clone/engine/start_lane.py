"""The engine's lane for starting accepted executions, apart from the work
of the executions that run.

Hints of accepted executions (``accepting``) arrive as RPC casts. Handled
in the RPC server's threads, a burst of a thousand POSTs would fill every
one of them with start steps, and on SQLite (one writer) those steps would
take the writer lock again and again while the results of executions
already running wait for it: a burst slowed running chains about 3-fold.
Here the RPC handler only queues the hint and returns; at most
``[engine] start_workers`` threads run start steps, so the rest of the
engine (its RPC threads, its result drainers) keeps its share.

The queue is memory only, which loses nothing: the database is the truth.
A hint dropped here (the queue is full, or the engine stops with hints
queued) leaves the execution's ``workflow_starts`` row, which the engines'
sweep finds (``accepting.Sweeper``); a start run twice starts once (the
row is deleted under the execution's lock).

The lane of this process's engine is also reachable without a message
(``local`` / ``set_local``): with the in-process transport the API's hints
would otherwise wait on the fake driver, which looks for messages every
50 ms (half of that, on average, added to every start).
"""

import collections
import logging
import threading
import time
from typing import Callable, Iterable, Optional

LOG = logging.getLogger(__name__)

# Most hints queued in one engine; past it they are left to the sweep.
QUEUE_LIMIT = 20000

# Longest a batch of starts waits for the results of running executions
# to be absorbed first (``yield_to``), and how often it looks again.
YIELD_MAX_S = 0.1
YIELD_PAUSE_S = 0.002

# The lane of the engine running in this process, if any.
_local: "Optional[StartLane]" = None


def local() -> "Optional[StartLane]":
    """The start lane of this process's engine, or None."""
    return _local


def set_local(lane: "Optional[StartLane]") -> None:
    global _local
    _local = lane


class StartLane:
    """``offer`` queues ``(ctx, execution id)`` pairs; ``workers`` threads
    call ``start([(ctx, execution id), ...])`` with up to ``batch`` of
    them, oldest first, each id once while it is queued."""

    def __init__(self, start: Callable, workers: int = 1,
                 limit: int = QUEUE_LIMIT, batch: int = 1,
                 yield_to: Optional[Callable[[], bool]] = None):
        self._start = start
        self._yield_to = yield_to
        self._workers = max(1, workers)
        self._batch = max(1, batch)
        self._limit = limit
        self._cond = threading.Condition()
        self._queue = collections.deque()
        self._queued = set()
        self._busy = 0
        self._threads = []
        self._stopping = False

    def offer(self, pairs: Iterable[tuple]) -> None:
        dropped = 0
        with self._cond:
            if self._stopping:
                return
            for ctx, wf_ex_id in pairs:
                if wf_ex_id in self._queued:
                    continue
                if len(self._queue) >= self._limit:
                    dropped += 1
                    continue
                self._queue.append((ctx, wf_ex_id))
                self._queued.add(wf_ex_id)
            self._spawn()
            self._cond.notify(len(self._queue))
        if dropped:
            LOG.warning("%d start hint(s) over the queue's limit of %d are "
                        "left to the sweep", dropped, self._limit)

    def _spawn(self) -> None:
        while len(self._threads) < self._workers:
            thread = threading.Thread(
                target=self._run, daemon=True,
                name="engine-starts-%d" % len(self._threads))
            self._threads.append(thread)
            thread.start()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._stopping:
                    self._cond.wait()
                if self._stopping:
                    return
            self._give_way()
            with self._cond:
                if self._stopping:
                    return
                if not self._queue:
                    continue
                taken = [self._queue.popleft() for _ in range(
                    min(self._batch, len(self._queue)))]
                self._queued.difference_update(i for _, i in taken)
                self._busy += len(taken)
            try:
                self._start(taken)
            except Exception:  # noqa: BLE001 - the sweep tries them again
                LOG.exception("Starting %d execution(s) failed", len(taken))
            finally:
                with self._cond:
                    self._busy -= len(taken)
                    self._cond.notify_all()

    def _give_way(self) -> None:
        """While ``yield_to()`` says that executions already running have
        work waiting (results to absorb), that work goes first: a burst of
        new executions must not slow those that run. Bounded by
        ``YIELD_MAX_S`` a batch, so starts go on under any load (and their
        batches grow meanwhile)."""
        if self._yield_to is None:
            return
        deadline = time.monotonic() + YIELD_MAX_S
        while not self._stopping and time.monotonic() < deadline and \
                self._yield_to():
            time.sleep(YIELD_PAUSE_S)

    def pending(self) -> int:
        with self._cond:
            return len(self._queue) + self._busy

    def wait_idle(self, timeout: float = None) -> bool:
        """Until nothing is queued or running (tests); False on timeout."""
        with self._cond:
            return self._cond.wait_for(
                lambda: not self._queue and not self._busy, timeout)

    def stop(self, timeout: float = None) -> None:
        """Start nothing more (what is queued is left to the sweep) and let
        the starts running finish."""
        with self._cond:
            self._stopping = True
            left = len(self._queue)
            self._queue.clear()
            self._queued.clear()
            self._cond.notify_all()
            threads = list(self._threads)
        if left:
            LOG.info("Stopping with %d start hint(s) queued; the sweep "
                     "starts them", left)
        for thread in threads:
            thread.join(timeout)
