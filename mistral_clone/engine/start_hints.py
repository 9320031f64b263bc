"""The API's hints to the engines that executions wait for their start,
many executions per message.

Each accepted execution (``accepting``) needs one hint; sent one cast per
POST, a burst costs the API and the broker a message per start. Here the
request's thread only queues the hint; one sender thread per process takes
whatever has queued meanwhile (up to ``MAX_HINTS``) and casts it as one
``start_accepted_many``. Alone, a hint leaves at once; under load, the
hints that arrive while a cast is on its way share the next one.

Each hint carries its caller's context (the one stored with the start
row): the executions of one message may belong to different callers.
A hint that cannot be sent (the broker is away), or that is still queued
when the process ends, is not needed: the engines' sweep finds the start
row (``accepting.Sweeper``).
"""

import collections
import logging
import threading
from typing import Callable, Optional

LOG = logging.getLogger(__name__)

# Most executions named in one message.
MAX_HINTS = 100


class HintSender:
    """Queues ``(ctx, execution id, caller on the wire)`` and sends them
    with ``send(ctx, [[execution id, caller], ...])`` in one thread, the
    context of the oldest hint of each message as the message's."""

    def __init__(self, send: Callable[[object, list], None],
                 max_hints: int = MAX_HINTS):
        self._send = send
        self._max_hints = max_hints
        self._cond = threading.Condition()
        self._queue = collections.deque()
        self._sending = 0
        self._thread: Optional[threading.Thread] = None

    def offer(self, ctx, wf_ex_id: str, caller: dict) -> None:
        with self._cond:
            self._queue.append((ctx, wf_ex_id, caller))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, daemon=True, name="api-start-hints")
                self._thread.start()
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue:
                    self._cond.wait()
                taken = [self._queue.popleft() for _ in range(
                    min(self._max_hints, len(self._queue)))]
                self._sending += 1
            try:
                self._send(taken[0][0], [[wf_ex_id, caller]
                                         for _, wf_ex_id, caller in taken])
            except Exception as e:  # noqa: BLE001 - the sweep starts them
                LOG.warning("Could not tell an engine to start %d "
                            "execution(s) (%s); an engine's sweep will",
                            len(taken), e)
            finally:
                with self._cond:
                    self._sending -= 1
                    self._cond.notify_all()

    def wait_sent(self, timeout: float = None) -> bool:
        """Until every queued hint was sent (tests); False on timeout."""
        with self._cond:
            return self._cond.wait_for(
                lambda: not self._queue and not self._sending, timeout)
