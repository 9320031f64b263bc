"""Wait for a blocking call no longer than a deadline.

oslo.messaging bounds the wait for a reply (``timeout``) and, with
``retry``, the attempts to publish; but not every step of a call: the
first call of a process creates its reply queue on a connection that
retries the broker for ever. A request of the API must not hang on that
while the broker is away, so bounded calls run in a pool thread and the
caller stops waiting at the deadline. The thread carries on until
oslo.messaging gives up or the broker is back; the pool is small and
fixed, and a call still queued at its deadline is dropped, so an outage
costs at most that many threads.
"""

import concurrent.futures
import threading
from typing import Callable, TypeVar

T = TypeVar("T")

# At least as many as the calls an API process makes at once (its waitress
# threads, 16 per [api] api_workers): a call queued behind others would
# lose its time waiting for a thread.
MAX_THREADS = 64

_lock = threading.Lock()
_pool = None


class DeadlineExceeded(Exception):
    """The call had not returned at its deadline (it may still run)."""


def _threads() -> concurrent.futures.ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = concurrent.futures.ThreadPoolExecutor(
                max_workers=MAX_THREADS, thread_name_prefix="rpc-deadline")
        return _pool


def call_within(seconds: float, fn: Callable[..., T], *args, **kwargs) -> T:
    """``fn(*args, **kwargs)``, or ``DeadlineExceeded`` after ``seconds``;
    its exception, if it raises in time."""
    future = _threads().submit(fn, *args, **kwargs)
    try:
        return future.result(timeout=seconds)
    except concurrent.futures.TimeoutError:
        future.cancel()  # not started yet: never sent
        raise DeadlineExceeded() from None
