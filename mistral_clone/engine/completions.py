"""Action results waiting for their workflow execution, absorbed in batches.

Every result of one workflow execution needs that execution's row lock, so
handling them in parallel only makes RPC threads (and their database
connections) queue on the lock. Instead, the first thread to deliver a
result for an execution becomes its drainer: it handles that result and
then, batch after batch, whatever arrived for the same execution in the
meantime, each batch in one transaction. The other threads only append and
return at once. So an engine process works on one execution with one
thread, and a burst of N results costs far fewer than N transactions.

A result is held only in memory between its arrival and its batch, as it is
between a message's delivery and its handling anyway; a batch that fails is
handled again result by result (see ``EngineEndpoint``).
"""

import collections
import concurrent.futures
import logging
import threading
from typing import Callable, Hashable

LOG = logging.getLogger(__name__)

DEFAULT_MAX_BATCH = 200

# The queue of the engine endpoint of this process, if it runs one.
_local = None


def local_queue():
    """The engine's queue in this process, or None (no engine here)."""
    return _local


def set_local_queue(queue) -> None:
    global _local
    _local = queue


class CompletionQueue:
    """Per-key FIFO queues drained by one thread at a time.

    ``handle(key, items)`` is called with at most ``max_batch`` items of one
    key, in arrival order; it must not raise for a single item's sake (an
    exception is logged and the items are not handled again).
    """

    def __init__(self, handle: Callable[[Hashable, list], None],
                 max_batch: int = DEFAULT_MAX_BATCH, workers: int = 8):
        self._handle = handle
        self._max_batch = max(1, max_batch)
        self._lock = threading.Lock()
        self._pending: dict = {}
        self._background = None
        self._workers = max(1, workers)
        self._drainers = None

    def submit(self, key: Hashable, item) -> None:
        """Queue ``item``; drain ``key`` in this thread unless another
        thread is already doing it."""
        self.submit_many(key, [item])

    def submit_many(self, key: Hashable, items: list) -> None:
        """``submit`` for several items of one key at once (they may share
        a batch)."""
        if not items:
            return
        with self._lock:
            queue = self._pending.get(key)
            if queue is not None:
                queue.extend(items)
                return
            queue = collections.deque(items)
            self._pending[key] = queue
        self._drain(key, queue)

    def submit_async(self, key: Hashable, item) -> None:
        """``submit`` from a thread that must not do the engine's work (an
        in-process executor): when ``key`` has no drainer yet, one of the
        queue's own ``workers`` threads becomes it, so the engine still runs
        at most that many steps at a time, as its RPC server would."""
        with self._lock:
            queue = self._pending.get(key)
            if queue is not None:
                queue.append(item)
                return
            queue = collections.deque((item,))
            self._pending[key] = queue
            if self._drainers is None:
                self._drainers = concurrent.futures.ThreadPoolExecutor(
                    max_workers=self._workers,
                    thread_name_prefix="engine-results")
            drainers = self._drainers
        drainers.submit(self._drain, key, queue)

    def submit_later(self, key: Hashable, make_items: Callable[[], list]
                     ) -> None:
        """``submit_many(key, make_items())`` in a background thread: the
        caller (an RPC handler, maybe the API's start call) returns now."""
        with self._lock:
            if self._background is None:
                self._background = concurrent.futures.ThreadPoolExecutor(
                    max_workers=2, thread_name_prefix="engine-inline")
            background = self._background
        background.submit(self._submit_made, key, make_items)

    def _submit_made(self, key, make_items) -> None:
        try:
            items = make_items()
        except Exception:  # noqa: BLE001 - logged; heartbeats time out
            LOG.exception("Running inline actions of %s failed", key)
            return
        self.submit_many(key, items)

    def pending(self) -> int:
        """Items waiting (for tests and diagnostics)."""
        with self._lock:
            return sum(len(q) for q in self._pending.values())

    def _drain(self, key, queue) -> None:
        done = False
        try:
            while True:
                with self._lock:
                    if not queue:
                        del self._pending[key]
                        done = True
                        return
                    batch = [queue.popleft()
                             for _ in range(min(len(queue),
                                                self._max_batch))]
                try:
                    self._handle(key, batch)
                except Exception:  # noqa: BLE001 - keep draining the rest
                    LOG.exception("Handling %d result(s) of %s failed",
                                  len(batch), key)
        finally:
            if not done:
                # Interrupted (interpreter shutdown): let a later result
                # start a new drainer instead of queueing behind a dead one.
                with self._lock:
                    if self._pending.get(key) is queue:
                        del self._pending[key]
