"""Work taken off the engine's result drainers: batches of results whose
step needs an expression evaluated outside its transaction
(``expressions.limits.OutOfTime``).

Such an evaluation may take up to ``[expressions] evaluation_timeout``. On
a drainer it would hold up the results of every other execution (on
SQLite there is one drainer); here it holds up only its own batch, and
the drainers go on.
"""

import concurrent.futures
import logging
import threading
from typing import Callable, Optional

LOG = logging.getLogger(__name__)


class Aside:
    """At most ``workers`` threads running what is handed over, and a way
    to wait until all of it has run (a stopping engine finishes the
    results it took)."""

    def __init__(self, workers: int):
        self._workers = workers
        self._pool = None
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._running = 0

    def submit(self, fn: Callable, *args) -> None:
        with self._lock:
            if self._pool is None:
                self._pool = concurrent.futures.ThreadPoolExecutor(
                    self._workers, thread_name_prefix="engine-aside")
            self._running += 1
            pool = self._pool
        pool.submit(self._run, fn, args)

    def _run(self, fn: Callable, args: tuple) -> None:
        try:
            fn(*args)
        except Exception:  # noqa: BLE001 - one batch, never the thread
            LOG.exception("Handling results set aside failed")
        finally:
            with self._lock:
                self._running -= 1
                if not self._running:
                    self._idle.notify_all()

    def running(self) -> int:
        with self._lock:
            return self._running

    def wait_idle(self, timeout: Optional[float] = None) -> bool:
        """False if ``timeout`` seconds passed with work still running."""
        with self._lock:
            return self._idle.wait_for(lambda: not self._running, timeout)
