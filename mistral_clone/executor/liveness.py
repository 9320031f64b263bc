"""Executors' liveness, the half of a process that runs actions: this
process is a member (a new id at each start) that beats every ``[executor]
liveness_interval`` seconds until it stops.

A beat is one cast on the engines' liveness topic carrying the member's id
and the action executions it accepted since its previous beat. The actions
of one message from an engine are announced in a beat of their own sent
before any of them starts (``accepted_now``: one beat per message, never
one per action, no answer awaited), so a process killed while they run has
named them; one that could not go out is carried by the next beat, sent
at once after a pause of ``GATHER`` seconds. An action an engine sent
again because no member had named it (its message lost with an engine, or
with an executor killed before its beat) is **claimed** first (``claim``,
a call): it starts only where an engine named this member on it, so the
copy and a first message that was only late run once between them. A
member silent for ``liveness_timeout`` seconds is dead, and all its
running actions go to recovery together. A stop says goodbye: what it
could not finish or hand back is recovered at once.

On ``fake:/`` every action runs in the process that created it: the
engine names this member on the action execution when it creates it, so
``accepted`` has nothing to send (no write per action), and no goodbye is
said (the engine stops with the executor; the next start of the process
recovers what was left RUNNING).

Like the action heartbeats, the member is process-wide: the executor
service and an engine running actions itself share it.
"""

import logging
import os
import socket
import threading
import time
import uuid
from typing import Callable, Iterable, Optional

from mistral_clone import config
from mistral_clone import context as mc_context
from mistral_clone.executor import heartbeats as executor_heartbeats
from mistral_clone.rpc import clients
from mistral_clone.rpc import transport

LOG = logging.getLogger(__name__)

# Seconds a beat for new actions waits for more accepted at the same time.
GATHER = 0.05

# exec_ctx key of an action an engine sent again because no member had
# named it (``engine.members.resend_unnamed``): claimed before it starts.
CLAIM_FIRST = "claim_first"


def enabled(conf=None) -> bool:
    return bool((conf or config.CONF).executor.liveness_interval)


def _send_beat(member: "Member", accepted: list, first: bool) -> None:
    clients.get_liveness_client().beat(
        mc_context.admin_context(), member.id, member.host, member.pid,
        accepted, first)


def _send_claim(member: "Member", action_ex_ids: list) -> list:
    return clients.get_liveness_client().claim(
        mc_context.admin_context(), member.id, member.host, member.pid,
        action_ex_ids, timeout=CLAIM_TIMEOUT_S)


# Seconds a claim waits for an engine's answer before it is sent again.
CLAIM_TIMEOUT_S = 10


def _send_goodbye(member: "Member", accepted: list,
                  abandoned: list) -> None:
    clients.get_liveness_client().goodbye(
        mc_context.admin_context(), member.id, accepted, abandoned)


class Member:
    """This process as a member, and the thread that beats for it."""

    def __init__(self, interval: float, tracks_accepted: bool,
                 send_beat: Callable = _send_beat,
                 send_goodbye: Callable = _send_goodbye,
                 send_claim: Callable = None):
        self.id = str(uuid.uuid4())
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self.tracks_accepted = tracks_accepted
        self._interval = interval
        self._send_beat = send_beat
        self._send_goodbye = send_goodbye
        self._send_claim = send_claim or _send_claim
        self._accepted: list = []
        self._first = True
        self._stopping = False
        self._cond = threading.Condition()
        self._thread = threading.Thread(
            target=self._loop, name="executor-liveness", daemon=True)

    def start(self) -> "Member":
        self._thread.start()
        return self

    def accepted(self, action_ex_id: str) -> None:
        """This process took ``action_ex_id``: the next beat, soon, says
        so."""
        if not self.tracks_accepted:
            return
        with self._cond:
            self._accepted.append(action_ex_id)
            self._cond.notify()

    def accepted_now(self, action_ex_ids: list) -> None:
        """This process took these action executions and is about to start
        them: say so before they start, in a beat sent from the calling
        thread (no answer awaited), so that a process killed once they run
        has named them. When the beat cannot go out, the next regular beat
        carries them."""
        if not self.tracks_accepted or not action_ex_ids:
            return
        try:
            self._send_beat(self, list(action_ex_ids), self._first)
            self._first = False
        except Exception as e:  # noqa: BLE001 - the loop's beat retries
            LOG.warning("Cannot announce %d accepted action(s) now: %s",
                        len(action_ex_ids), e)
            with self._cond:
                self._accepted.extend(action_ex_ids)
                self._cond.notify()

    def claim(self, action_ex_ids: list) -> list:
        """This process received these action executions: which of them it
        may start. Each is claimed in the database before it starts (an
        engine names this member on it, unless another member has it: a
        copy sent again), so a process killed once they run has named them
        (its death hands them over) and one killed before never ran them
        (they are sent again). Waits, trying again, while no engine
        answers; on ``fake:/`` (the engine named this process when it
        made them) all of them."""
        if not self.tracks_accepted or not action_ex_ids:
            return list(action_ex_ids)
        pause = 0.5
        while True:
            try:
                won = self._send_claim(self, list(action_ex_ids))
                self._first = False
                return won
            except Exception as e:  # noqa: BLE001 - tried again
                if self._stopping:
                    return []
                LOG.warning("Cannot claim %d action(s) yet: %s",
                            len(action_ex_ids), e)
            time.sleep(pause)
            pause = min(pause * 2, 10.0)

    def beat_once(self) -> int:
        """Send one beat; how many accepted actions it carried. On a
        failure they wait for the next one."""
        with self._cond:
            accepted, self._accepted = self._accepted, []
        # Every action running here, named again: a beat that announced it
        # may have been lost on its way or in an engine that could not
        # store it.
        named = list(dict.fromkeys(accepted + (
            executor_heartbeats.running_ids() if self.tracks_accepted
            else [])))
        try:
            self._send_beat(self, named, self._first)
        except Exception:
            with self._cond:
                self._accepted[:0] = accepted
            raise
        self._first = False
        return len(accepted)

    def stop(self, abandoned: Iterable[str] = (),
             goodbye: bool = True) -> None:
        """Stop beating; with ``goodbye``, tell the engines that this member
        is gone and will never report ``abandoned``."""
        with self._cond:
            self._stopping = True
            self._cond.notify()
        self._thread.join(10)
        if not goodbye:
            return
        with self._cond:
            accepted, self._accepted = self._accepted, []
        try:
            self._send_goodbye(self, accepted, sorted(set(abandoned)))
        except Exception:  # noqa: BLE001 - the engines' timeout remains
            LOG.exception("Cannot say goodbye; the engines will take member "
                          "%s for dead after its timeout", self.id)

    def _loop(self) -> None:
        while True:
            try:
                self.beat_once()
            except Exception:  # noqa: BLE001 - the next beat may pass
                LOG.exception("Sending a liveness beat failed")
            with self._cond:
                self._cond.wait_for(
                    lambda: self._stopping or self._accepted,
                    self._interval)
                if self._stopping:
                    return
                if self._accepted and self._cond.wait_for(
                        lambda: self._stopping, GATHER):
                    return


_lock = threading.Lock()
_member: Optional[Member] = None
_users = 0
_abandoned: set = set()


def member() -> Optional[Member]:
    """This process's member while a service that runs actions is
    started."""
    return _member


def member_id() -> Optional[str]:
    current = _member
    return current.id if current is not None else None


def accepted(action_ex_id: Optional[str]) -> None:
    current = _member
    if current is not None and action_ex_id:
        current.accepted(action_ex_id)


def accepted_now(action_ex_ids: list) -> None:
    current = _member
    ids = [i for i in action_ex_ids if i]
    if current is not None and ids:
        current.accepted_now(ids)


def claim(action_ex_ids: list) -> list:
    """Which of these this process may start (all of them when liveness
    is off)."""
    current = _member
    ids = [i for i in action_ex_ids if i]
    if current is None:
        return ids
    return current.claim(ids)


def start() -> Optional[Member]:
    """The services of this process that run actions call this on start
    (and ``stop`` on stop): one member serves them all."""
    global _member, _users
    with _lock:
        _users += 1
        if _member is None and enabled():
            _member = Member(float(config.CONF.executor.liveness_interval),
                             tracks_accepted=not transport.is_in_process())
            _member.start()
            LOG.info("Executor liveness: member %s (pid %s)", _member.id,
                     _member.pid)
        return _member


def stop(abandoned: Iterable[str] = ()) -> None:
    """``abandoned``: action executions this process will never report
    (still running at the end of a graceful stop, or not handed back)."""
    global _member, _users
    with _lock:
        _abandoned.update(abandoned)
        _users = max(0, _users - 1)
        current = _member if _users == 0 else None
        if current is None:
            return
        _member = None
        leftover = sorted(_abandoned)
        _abandoned.clear()
    current.stop(leftover, goodbye=current.tracks_accepted)
