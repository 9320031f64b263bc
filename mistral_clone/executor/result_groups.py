"""The results of one message of actions, sent on together.

An engine sends the actions of a step in one message. Quick ones end on
this executor's pool within a millisecond or two of each other, yet the
first result used to leave at once, alone, and the others in one or two
messages after it: each message is an engine step of its own, and the
next tasks of those executions started in two or three waves (20
sub-workflows of 5 tasks: results of each round in batches of about 13, 6
and 1). Here the results of one message wait for each other: they leave
together when the last one is in, or ``LINGER_S`` after the first (a slow
action holds the quick ones back no longer than that; what ends later
leaves on its own).
"""

import threading
from typing import Callable, Optional

LINGER_S = 0.005


class ResultGroup:
    """``size`` results expected; ``send(items)`` gets them, together or in
    two parts (those in at ``LINGER_S`` after the first, then each later
    one alone)."""

    def __init__(self, size: int, send: Callable[[list], None],
                 linger: Optional[float] = None):
        self._size = size
        self._send = send
        self._linger = LINGER_S if linger is None else linger
        self._lock = threading.Lock()
        self._items = []
        self._accounted = 0
        self._open = True
        self._timer: Optional[threading.Timer] = None

    def add(self, item) -> None:
        """One result is in."""
        self._account([item])

    def skip(self) -> None:
        """One action of the group will send no result (handed back)."""
        self._account([])

    def _account(self, items: list) -> None:
        with self._lock:
            self._accounted += 1
            if not self._open:
                ready, timer = items, None
            else:
                self._items.extend(items)
                if self._accounted < self._size:
                    if self._timer is None and self._items:
                        self._timer = threading.Timer(self._linger,
                                                      self._expire)
                        self._timer.daemon = True
                        self._timer.start()
                    return
                ready, self._items, self._open = self._items, [], False
                timer = self._timer
        if timer is not None:
            timer.cancel()
        if ready:
            self._send(ready)

    def _expire(self) -> None:
        with self._lock:
            if not self._open:
                return
            ready, self._items, self._open = self._items, [], False
        if ready:
            self._send(ready)
