"""Action heartbeats, the executor's half: which action executions this
process is running, and one message per ``[action_heartbeat]
check_interval`` that tells the engines they are still alive.

An action counts as running from the moment its request reaches this
process (it may wait for a free worker) until its result is sent. The ids
go out together in one cast (``process_action_heartbeats``); an engine
stores them in one UPDATE. When the process dies the heartbeats stop and
the engines' checker (``engine.heartbeats``) takes over.

The tracking is process-wide: the executor service and an engine running
actions itself (inline actions past a step's limit) share it, and the
sender runs while at least one of them is started.
"""

import collections
import contextlib
import logging
import threading
from typing import Iterator, Optional

from mistral_clone import config

LOG = logging.getLogger(__name__)

_lock = threading.Lock()
# action execution id -> how many times this process is running it (the
# same id may be received again, re-sent after a missed heartbeat).
_running: collections.Counter = collections.Counter()


def enabled(conf=None) -> bool:
    """Heartbeats are on unless ``check_interval`` or
    ``max_missed_heartbeats`` is 0 (Mistral's switch)."""
    conf = (conf or config.CONF).action_heartbeat
    return bool(conf.check_interval and conf.max_missed_heartbeats)


def add(action_ex_id: Optional[str]) -> None:
    if action_ex_id:
        with _lock:
            _running[action_ex_id] += 1


def remove(action_ex_id: Optional[str]) -> None:
    if action_ex_id:
        with _lock:
            count = _running[action_ex_id] - 1
            if count > 0:
                _running[action_ex_id] = count
            else:
                del _running[action_ex_id]


@contextlib.contextmanager
def running(action_ex_id: Optional[str]) -> Iterator[None]:
    add(action_ex_id)
    try:
        yield
    finally:
        remove(action_ex_id)


def running_ids() -> list:
    with _lock:
        return sorted(_running)


def send_once() -> int:
    """Send the heartbeats of every action running here; how many."""
    ids = running_ids()
    if ids:
        from mistral_clone import context as mc_context
        from mistral_clone.rpc import clients
        clients.get_engine_client().process_action_heartbeats(
            mc_context.admin_context(), ids)
    return len(ids)


class _Sender:
    def __init__(self, interval: float):
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._loop, name="action-heartbeat-sender", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                send_once()
            except Exception:  # noqa: BLE001 - the next beat may pass
                LOG.exception("Sending action heartbeats failed")


_sender: Optional[_Sender] = None
_users = 0


def start() -> None:
    """The services of this process that run actions call this on start
    (and ``stop`` on stop): one sender thread serves them all."""
    global _sender, _users
    with _lock:
        _users += 1
        if _sender is None and enabled():
            _sender = _Sender(float(config.CONF.action_heartbeat
                                    .check_interval))
            _sender.start()


def stop() -> None:
    global _sender, _users
    with _lock:
        _users = max(0, _users - 1)
        sender = _sender if _users == 0 else None
        if sender is not None:
            _sender = None
    if sender is not None:
        sender.stop()
