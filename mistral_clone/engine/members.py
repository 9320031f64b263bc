"""Executors' liveness, the engines' half: the processes that run actions
(members, see ``executor.liveness``) and what becomes of their actions
when one of them dies.

* ``store_beat``: a member's beat, one UPDATE of its ``last_beat`` (an
  INSERT the first time), and, when it accepted actions since its previous
  beat, one UPDATE that names it on those action executions (skipping the
  rows an engine step holds: no wait, no deadlock with steps). Beats that
  arrive while others are being stored go together in the next
  transaction (``BeatCombiner``).
* ``check_once``: a member silent for ``[executor] liveness_timeout``
  seconds is dead. The engine that deletes its row (a conditional DELETE:
  one engine wins) hands all its RUNNING synchronous action executions to
  the heartbeat rules at once (``heartbeats.take_over``): run again where
  the task says ``safe-rerun: true``, failed with "Heartbeat wasn't
  received." otherwise.
* ``say_goodbye``: a member that stops handles at once what it will never
  report; its other actions (reported, or handed back to the topic) lose
  its name and keep Mistral's per-action heartbeat rules.

Actions no member ever named (a process killed before the beat that
carried them) keep Mistral's ``first_heartbeat_timeout``: the message may
still be queued for a busy executor, and must not run twice.
"""

import dataclasses
import datetime
import functools
import logging
import threading
from typing import Callable, Iterable, Optional

import sqlalchemy as sa

from mistral_clone import config
from mistral_clone.db import models
from mistral_clone.db import retry
from mistral_clone.db import session as db_session
from mistral_clone.engine import heartbeats
from mistral_clone.engine import queries
from mistral_clone.engine import states
from mistral_clone.executor import liveness as executor_liveness
from mistral_clone.rpc import transport

LOG = logging.getLogger(__name__)

Member = models.ExecutorMember
Action = models.ActionExecution


def enabled(conf=None) -> bool:
    return executor_liveness.enabled(conf)


def store_beat(member_id: str, host: str = "", pid: Optional[int] = None,
               accepted: Iterable[str] = (),
               now: Optional[datetime.datetime] = None) -> bool:
    """Record a beat of ``member_id``; False when the member was not
    known (its first beat, or it was taken for dead meanwhile)."""
    return store_beats({member_id: Beat(host, pid, set(accepted or ()))},
                       now)[member_id]


@dataclasses.dataclass
class Beat:
    """What one or more beats of a member say: where it runs, and the
    action executions it accepted."""

    host: str = ""
    pid: Optional[int] = None
    accepted: set = dataclasses.field(default_factory=set)
    first: bool = False


def store_beats(beats: dict,
                now: Optional[datetime.datetime] = None) -> dict:
    """Record the beats of several members (member id -> ``Beat``) in one
    transaction; member id -> whether it was known."""
    now = now or models.utcnow()
    try:
        return _store_beats(beats, now)
    except sa.exc.IntegrityError:
        # Two first beats stored at once: the other one inserted the row.
        return _store_beats(beats, now)


def _store_beats(beats, now) -> dict:
    known = {}
    with db_session.transaction() as session:
        for member_id in sorted(beats):     # rows locked in one order
            beat = beats[member_id]
            known[member_id] = _touch(session, member_id, beat.host,
                                      beat.pid, now)
            _name_member(session, member_id, beat.accepted, now)
    return known


class BeatCombiner:
    """Beats that arrive while another thread stores beats wait for it and
    go in its next transaction, merged per member: an executor sends one
    beat per message of actions, and under load a transaction (and a lock
    of its member's row) per beat cost the engine as much as the actions'
    results. A beat is never held back while nothing is being stored."""

    def __init__(self, store: Callable[[dict], dict] = store_beats):
        self._store = store
        self._lock = threading.Lock()
        self._pending: dict = {}
        self._storing = False

    def offer(self, member_id, host="", pid=None, accepted=(),
              first=False) -> None:
        with self._lock:
            beat = self._pending.setdefault(member_id, Beat())
            beat.host, beat.pid = host or beat.host, pid or beat.pid
            beat.accepted.update(accepted or ())
            beat.first = beat.first or first
            if self._storing:
                return
            self._storing = True
        try:
            while True:
                with self._lock:
                    beats, self._pending = self._pending, {}
                    if not beats:
                        # Under the lock: a beat offered from now on is
                        # stored by its own thread.
                        self._storing = False
                        return
                self._store_now(beats)
        except BaseException:
            with self._lock:
                self._storing = False
            raise

    def _store_now(self, beats: dict) -> None:
        # Tried once: the next beat comes in a few seconds (and names
        # every action its member runs again).
        try:
            known = self._store(beats)
        except Exception as e:  # noqa: BLE001 - the next beat may pass
            LOG.warning("Cannot store the beats of member(s) %s: %s",
                        ", ".join(sorted(beats)), e)
            return
        for member_id, beat in beats.items():
            if not known.get(member_id, True) and not beat.first:
                LOG.warning("Executor member %s (host %s, pid %s) beats "
                            "with no record: its first beats were lost, or "
                            "it had been taken for dead", member_id,
                            beat.host, beat.pid)


def _touch(session, member_id, host, pid, now) -> bool:
    """The member's beat (its row made on the first); was it known?"""
    known = session.execute(
        sa.update(Member).where(Member.id == member_id)
        .values(last_beat=now)
        .execution_options(synchronize_session=False)).rowcount == 1
    if not known:
        session.execute(sa.insert(Member).values(
            id=member_id, host=host or "", pid=pid, started_at=now,
            last_beat=now))
    return known


def claim_actions(member_id: str, host: str, pid: Optional[int],
                  action_ex_ids: Iterable[str],
                  now: Optional[datetime.datetime] = None) -> list:
    """A member about to start these action executions claims them: it is
    named on those still RUNNING and named on no other member, and may
    start only those (returned). A message sent again (``resend_unnamed``)
    may reach two executors along with the first: one claim wins."""
    now = now or models.utcnow()
    ids = sorted({i for i in action_ex_ids or () if i})
    for attempt in (1, 2):
        try:
            with db_session.transaction() as session:
                _touch(session, member_id, host, pid, now)
                won = list(session.execute(
                    queries.claimable_actions(ids, member_id)).scalars())
                if won:
                    session.execute(
                        sa.update(Action).where(Action.id.in_(won))
                        .values(member_id=member_id, last_heartbeat=now)
                        .execution_options(synchronize_session=False))
            return won
        except sa.exc.IntegrityError:
            if attempt == 2:     # two first beats at once: the other won
                raise
    return []


# An action execution no member claimed this long after it was sent is sent
# again (its message was lost with an engine or an executor; the claim
# makes a second copy harmless); then after a pause as long as its age.
UNNAMED_AFTER_S = 30.0


def resend_unnamed(now: Optional[datetime.datetime] = None, conf=None,
                   send_rerun=None) -> int:
    """Send again the RUNNING action executions no member has claimed
    (``UNNAMED_AFTER_S`` after their creation, then after pauses that
    double), up to ``first_heartbeat_timeout`` of age, after which
    Mistral's rule fails or re-runs them. How many were sent."""
    conf = conf or config.CONF
    now = now or models.utcnow()
    limit = datetime.timedelta(
        seconds=conf.action_heartbeat.first_heartbeat_timeout)
    requests = []
    with db_session.transaction() as session:
        rows = queries.unclaimed_actions(
            session, now - datetime.timedelta(seconds=UNNAMED_AFTER_S),
            now - limit)
        for action_id, created_at, updated_at, runtime in rows:
            runtime = dict(runtime or {})
            due = runtime.get(RESEND_DUE)
            if due and due > now.isoformat():
                continue
            runtime[RESEND_DUE] = (now + (now - created_at)).isoformat()
            if not queries.mark_unclaimed(session, action_id, updated_at,
                                          runtime, now):
                continue       # another engine, or its claim, came first
            try:
                name, base_input, exec_ctx, target = \
                    heartbeats.rerun_request(session, action_id)
                exec_ctx = dict(exec_ctx,
                                **{executor_liveness.CLAIM_FIRST: True})
                requests.append((action_id, name, base_input, exec_ctx,
                                 target))
            except Exception:  # noqa: BLE001 - left to Mistral's rule
                LOG.exception("Cannot send action execution %s again",
                              action_id)
    takeover = heartbeats.Takeover(reruns=requests)
    heartbeats.send(takeover, heartbeats.CheckResult(),
                    "was claimed by no executor", send_rerun)
    return len(requests)


# runtime_context key: when an unclaimed action execution is sent again.
RESEND_DUE = "resend_due"


def _name_member(session, member_id, action_ex_ids, now) -> None:
    """Name ``member_id`` on those of ``action_ex_ids`` still RUNNING and
    named on no member (a copy another member claimed stays its; those
    named on it already need nothing: a beat names again every action its
    member runs). This is also their first heartbeat: Mistral's executor
    sends one as it starts an action, which sets ``last_heartbeat`` (and
    ``updated_at``).

    Rows an engine step holds are skipped, not waited for (``SKIP
    LOCKED``, where the database has it): the step is storing their
    result, and waiting would deadlock with it."""
    ids = sorted({i for i in action_ex_ids or () if i})
    if not ids:
        return
    session.execute(
        sa.update(Action)
        .where(Action.id.in_(queries.unnamed_actions(ids)))
        .values(member_id=member_id, last_heartbeat=now)
        .execution_options(synchronize_session=False))


def _claim_from(member_id: str, session, item: heartbeats.Expired,
                new_heartbeat: datetime.datetime) -> bool:
    """Take ``item`` away from the dead ``member_id`` unless its result
    (or another engine) came first."""
    return session.execute(
        sa.update(Action)
        .where(Action.id == item.id, Action.state == states.RUNNING,
               Action.member_id == member_id)
        .values(member_id=heartbeats.successor_member(),
                last_heartbeat=new_heartbeat)
        .execution_options(synchronize_session=False)).rowcount == 1


def take_over_member(member_id: str, last_beat: datetime.datetime,
                     now: Optional[datetime.datetime] = None,
                     conf=None) -> Optional[heartbeats.Takeover]:
    """Take the silent ``member_id`` for dead unless it beat since
    ``last_beat`` or another engine took it: its row goes, and its running
    actions are claimed (to send after the commit). None when not ours."""
    now = now or models.utcnow()
    with db_session.transaction() as session:
        removed = session.execute(
            sa.delete(Member)
            .where(Member.id == member_id, Member.last_beat == last_beat)
            .execution_options(synchronize_session=False)).rowcount
        if not removed:
            return None
        items = heartbeats.expired_items(
            queries.actions_of_member(session, member_id))
        return heartbeats.take_over(
            session, items, now, functools.partial(_claim_from, member_id),
            conf)


def say_goodbye(member_id: str, accepted: Iterable[str] = (),
                abandoned: Iterable[str] = (),
                now: Optional[datetime.datetime] = None,
                conf=None) -> heartbeats.Takeover:
    """``member_id`` stopped: claim what it ``abandoned``; its other
    actions lose its name."""
    now = now or models.utcnow()
    abandoned = sorted(set(abandoned or ()))
    with db_session.transaction() as session:
        _name_member(session, member_id, accepted, now)
        session.execute(
            sa.delete(Member).where(Member.id == member_id)
            .execution_options(synchronize_session=False))
        takeover = heartbeats.Takeover()
        if abandoned:
            items = heartbeats.expired_items(
                queries.actions_of_member(session, member_id, abandoned))
            takeover = heartbeats.take_over(
                session, items, now,
                functools.partial(_claim_from, member_id), conf)
        session.execute(
            sa.update(Action)
            .where(Action.member_id == member_id,
                   Action.state == states.RUNNING)
            .values(member_id=None)
            .execution_options(synchronize_session=False))
    return takeover


class BeatStream:
    """Whether beats reach the database at all, as one engine sees it.

    A member is silent when its beats stop; but when the broker or the
    database is away, every member's beats stop at once, this engine's own
    included, and none of them is dead. So a member counts as dead only
    once beats have been arriving again for ``liveness_timeout`` seconds
    (the freshest beat of any member is recent at every look) and its own
    stayed away all that time: an outage makes no member dead, and after
    it every live member has the full timeout to be heard again.
    """

    def __init__(self, trusted_at_start: bool = False):
        # On ``fake:/`` no broker stands between beats and the database: a
        # fresh beat at start (this process's own) means they flow.
        self._trusted = trusted_at_start
        self.flowing_since: Optional[datetime.datetime] = None

    def steady(self, now, conf) -> bool:
        """Beats have reached the database for ``liveness_timeout``
        seconds, as of the last ``cutoff``."""
        return self.flowing_since is not None and \
            now - self.flowing_since >= datetime.timedelta(
                seconds=conf.executor.liveness_timeout)

    def cutoff(self, now, freshest, conf) -> Optional[datetime.datetime]:
        """Members silent since before the returned time are dead; None:
        none may be taken for dead now."""
        interval = float(conf.executor.liveness_interval)
        timeout = datetime.timedelta(seconds=conf.executor.liveness_timeout)
        stale = datetime.timedelta(seconds=max(3 * interval,
                                               timeout.total_seconds() / 2))
        if freshest is None or freshest < now - stale:
            if self.flowing_since is not None:
                LOG.warning("No member's beat arrived for %s s: the broker "
                            "or the database is away; no member is taken "
                            "for dead until beats flow again for %s s",
                            stale.total_seconds(), timeout.total_seconds())
            self.flowing_since = None
            return None
        if self.flowing_since is None:
            self.flowing_since = now - timeout if self._trusted else now
            self._trusted = False
        if now - self.flowing_since < timeout:
            return None
        return now - timeout


def check_once(now: Optional[datetime.datetime] = None, conf=None,
               send_rerun=None, send_failure=None,
               stream: Optional[BeatStream] = None) -> heartbeats.CheckResult:
    """One look for silent members; each one this engine takes for dead
    has its running actions re-run or failed (with a ``stream``, only
    while beats reach the database: see ``BeatStream``)."""
    conf = conf or config.CONF
    now = now or models.utcnow()
    outcome = heartbeats.CheckResult()
    with db_session.read_only() as session:
        if stream is None:
            before = now - datetime.timedelta(
                seconds=conf.executor.liveness_timeout)
        else:
            before = stream.cutoff(now, queries.freshest_beat(session), conf)
            if before is None:
                return outcome
        silent = queries.silent_members(session, before)
    for member_id, host, pid, last_beat in silent:
        takeover = take_over_member(member_id, last_beat, now, conf)
        if takeover is None:
            continue
        count = len(takeover.reruns) + len(takeover.failures)
        outcome.found += count
        LOG.warning("Executor member %s (host %s, pid %s) silent since %s: "
                    "taken for dead; %d running action(s) to recover",
                    member_id, host, pid, last_beat, count)
        heartbeats.send(takeover, outcome, "lost its executor", send_rerun,
                        send_failure)
    return outcome


class LivenessEndpoint:
    """The RPC endpoint on the engines' liveness topic."""

    def __init__(self):
        self._beats = BeatCombiner()

    def member_beat(self, ctx, member_id, host="", pid=None, accepted=(),
                    first=False):
        self._beats.offer(member_id, host, pid, accepted, first)

    def member_claim(self, ctx, member_id, host="", pid=None,
                     action_ex_ids=()):
        """``claim_actions``: which of these the member may start."""
        return claim_actions(member_id, host, pid, action_ex_ids)

    def member_goodbye(self, ctx, member_id, accepted=(), abandoned=()):
        LOG.info("Executor member %s stopped; %d action(s) left unfinished",
                 member_id, len(abandoned or ()))
        try:
            takeover = retry.call(say_goodbye, member_id, accepted,
                                  abandoned)
        except Exception:  # noqa: BLE001 - its timeout remains
            LOG.exception("Cannot handle the goodbye of member %s",
                          member_id)
            return
        heartbeats.send(takeover, heartbeats.CheckResult(),
                        "was left by its stopping executor")


def register_this_process() -> None:
    """Store this process's member now, before it runs anything: on
    ``fake:/`` the engine names it on the actions it creates."""
    current = executor_liveness.member()
    if current is not None:
        store_beat(current.id, current.host, current.pid)


class Checker(heartbeats.PeriodicLook):
    """The engine's thread that looks for silent members every
    ``liveness_interval`` seconds, the first time ``liveness_timeout``
    seconds after start (beats held back in the broker while no engine ran
    arrive first); at once on ``fake:/``, where no beat of another process
    can be on its way (a restarted embedded server handles its dead self's
    actions as soon as that one has been silent for the timeout)."""

    name = "executor-liveness-checker"
    disabled_message = "Executors' liveness is disabled."

    def enabled(self) -> bool:
        return enabled(self._conf)

    def first_delay(self) -> float:
        if transport.is_in_process(self._conf):
            return 0.0
        return float(self._conf.executor.liveness_timeout)

    def interval(self) -> float:
        return float(self._conf.executor.liveness_interval)

    def look(self) -> bool:
        if self._stream is None:
            self._stream = BeatStream(
                trusted_at_start=transport.is_in_process(self._conf))
        check_once(conf=self._conf, stream=self._stream)
        # An action whose member's beats could not reach the database (the
        # broker or the database away) looks unnamed: it is sent again only
        # once beats have flowed long enough for every live member to have
        # named what it runs (each beat names all of it again).
        if not transport.is_in_process(self._conf) and \
                self._stream.steady(models.utcnow(), self._conf):
            resend_unnamed(conf=self._conf)
        return False

    _stream: Optional[BeatStream] = None
