"""Action heartbeats, the engine's half: store the executors' heartbeats
and deal with the action executions whose executor stopped sending them.

* ``store``: one UPDATE of ``last_heartbeat`` for all the ids an executor
  reported (``process_action_heartbeats``).
* ``check_once``: a synchronous action execution still RUNNING whose last
  heartbeat is older than ``max_missed_heartbeats * check_interval`` (or
  that never had one, ``first_heartbeat_timeout`` after its creation) lost
  its executor. When its task says ``safe-rerun: true`` it is sent to an
  executor again; otherwise it fails with Mistral's "Heartbeat wasn't
  received." and its task and workflow follow as for any failed action
  (``on-error``, retry, ...).

The state is ``last_heartbeat`` in the database, so any number of engines
may check: each handles a row only after moving its ``last_heartbeat`` from
the value it read to a new one in a conditional UPDATE, which one engine
wins. That move also arms the next deadline: a re-sent action gets a new
``first_heartbeat_timeout``; a failure whose message was lost is handled
again after another ``max_missed_heartbeats * check_interval``.
"""

import dataclasses
import datetime
import logging
import threading
from typing import Callable, Optional

import sqlalchemy as sa

from mistral_clone import config
from mistral_clone import context as mc_context
from mistral_clone.actions import dynamic
from mistral_clone.db import models
from mistral_clone.db import retry
from mistral_clone.db import session as db_session
from mistral_clone.engine import adhoc
from mistral_clone.engine import queries
from mistral_clone.engine import states
from mistral_clone.engine import store as store_mod
from mistral_clone.executor import liveness as executor_liveness
from mistral_clone.rpc import clients
from mistral_clone.rpc import transport

LOG = logging.getLogger(__name__)

# Mistral 23's error for an action whose heartbeats stopped.
HEARTBEAT_ERROR = "Heartbeat wasn't received."

RERUN = "rerun"
FAIL = "fail"


def enabled(conf=None) -> bool:
    conf = (conf or config.CONF).action_heartbeat
    return bool(conf.check_interval and conf.max_missed_heartbeats)


def store(action_ex_ids: list,
          now: Optional[datetime.datetime] = None) -> int:
    """Record a heartbeat of these action executions (those still
    RUNNING); returns how many rows took it."""
    ids = sorted({i for i in action_ex_ids or () if i})
    if not ids:
        return 0
    model = models.ActionExecution
    with db_session.transaction() as session:
        return session.execute(
            sa.update(model)
            .where(model.id.in_(ids), model.state == states.RUNNING)
            .values(last_heartbeat=now or models.utcnow())
            .execution_options(synchronize_session=False)).rowcount


@dataclasses.dataclass(frozen=True)
class Expired:
    """A RUNNING action execution whose heartbeats stopped."""

    id: str
    last_heartbeat: Optional[datetime.datetime]
    safe_rerun: bool
    task_state: Optional[str] = None
    wf_ex_id: Optional[str] = None
    wf_state: Optional[str] = None


def decide(item: Expired) -> str:
    """RERUN when its task allows it and still waits for the result;
    FAIL otherwise (a stand-alone action, a task or workflow already
    finished, or no ``safe-rerun``)."""
    if item.safe_rerun and item.task_state is not None and \
            not states.is_completed(item.task_state) and \
            item.wf_state is not None and \
            not states.is_completed(item.wf_state):
        return RERUN
    return FAIL


def _seconds(value: float) -> datetime.timedelta:
    return datetime.timedelta(seconds=value)


def find_expired(session, now: datetime.datetime, conf=None) -> list:
    """The RUNNING synchronous action executions whose heartbeat is late,
    the oldest first (at most ``batch_size``)."""
    conf = (conf or config.CONF).action_heartbeat
    expiry = now - _seconds(conf.max_missed_heartbeats * conf.check_interval)
    never_beat_expiry = expiry - _seconds(conf.first_heartbeat_timeout)
    return expired_items(queries.late_actions(
        session, expiry, never_beat_expiry, conf.batch_size))


def expired_items(rows) -> list:
    """``Expired`` from rows of ``(id, last_heartbeat, runtime_context,
    task state, workflow execution id, its state)``."""
    return [Expired(id=row[0], last_heartbeat=row[1],
                    safe_rerun=bool((row[2] or {}).get("safe_rerun")),
                    task_state=row[3], wf_ex_id=row[4], wf_state=row[5])
            for row in rows]


def successor_member() -> Optional[str]:
    """The member to name on a claimed action execution: on ``fake:/`` a
    re-run runs in this process, whose member is named at once (it sends
    no accepted ids); elsewhere none until an executor accepts it."""
    if transport.is_in_process():
        return executor_liveness.member_id()
    return None


def claim(session, item: Expired, new_heartbeat: datetime.datetime) -> bool:
    """Take ``item`` for this checker: its ``last_heartbeat`` moves from
    the value read to ``new_heartbeat`` unless another checker (or a late
    heartbeat, or its result) came first. It leaves its member too, so
    that the member's death does not take it over a second time."""
    model = models.ActionExecution
    same = model.last_heartbeat.is_(None) if item.last_heartbeat is None \
        else model.last_heartbeat == item.last_heartbeat
    result = session.execute(
        sa.update(model)
        .where(model.id == item.id, model.state == states.RUNNING, same)
        .values(last_heartbeat=new_heartbeat, member_id=successor_member())
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def rerun_request(session, action_ex_id: str) -> tuple:
    """What the executor needs to run the action execution again:
    (python action name, input, execution context, target)."""
    action_ex, task_ex, wf_ex = queries.action_with_task_and_workflow(
        session, action_ex_id)
    runtime = action_ex.runtime_context or {}
    resolved = adhoc.resolve(session, action_ex.name,
                             wf_ex.workflow_namespace,
                             (wf_ex.runtime_context or {}).get("wb_name"),
                             wf_ex.project_id)
    base_input = adhoc.base_input(resolved, action_ex.input,
                                  (wf_ex.params or {}).get("env"),
                                  {"id": wf_ex.id})
    exec_ctx = dynamic.with_code(
        store_mod.exec_context(action_ex, wf_ex, task_ex,
                               action_ex.index or 0), resolved.code)
    return resolved.python_name, base_input, exec_ctx, runtime.get("target")


@dataclasses.dataclass
class CheckResult:
    rerun: list = dataclasses.field(default_factory=list)
    failed: list = dataclasses.field(default_factory=list)
    found: int = 0


def _send_rerun(ctx, action_ex_id, python_name, base_input, exec_ctx,
                target) -> None:
    clients.get_executor_client(target).run_action(
        ctx, action_ex_id, python_name, base_input, exec_ctx)


def _send_failure(ctx, action_ex_id, wf_ex_id) -> None:
    clients.get_engine_client()._cast(
        ctx, "report_action_result", action_ex_id=action_ex_id,
        result={"data": None, "error": HEARTBEAT_ERROR, "cancel": False,
                "sync": True},
        wf_ex_id=wf_ex_id)


@dataclasses.dataclass
class Takeover:
    """Action executions claimed in a transaction, to send after its
    commit: ``reruns`` as ``(id, python name, input, exec context,
    target)``, ``failures`` as ``(id, workflow execution id)``."""

    reruns: list = dataclasses.field(default_factory=list)
    failures: list = dataclasses.field(default_factory=list)


def take_over(session, items: list, now: datetime.datetime,
              claim_item: Callable = None, conf=None) -> Takeover:
    """Decide for each item (``Expired``) and claim it with
    ``claim_item(session, item, new_heartbeat)``: a re-run arms a new
    ``first_heartbeat_timeout``, a failure ``now``."""
    conf = conf or config.CONF
    claim_item = claim_item or claim
    grace = now + _seconds(conf.action_heartbeat.first_heartbeat_timeout)
    takeover = Takeover()
    for item in items:
        decision = decide(item)
        request = None
        if decision == RERUN:
            try:
                request = rerun_request(session, item.id)
            except Exception:  # noqa: BLE001 - cannot run it again
                LOG.exception("Cannot run action execution %s again; "
                              "failing it", item.id)
                decision = FAIL
        if not claim_item(session, item, grace if decision == RERUN
                          else now):
            continue
        if decision == RERUN:
            takeover.reruns.append((item.id,) + request)
        else:
            takeover.failures.append((item.id, item.wf_ex_id))
    return takeover


def send(takeover: Takeover, outcome: CheckResult, why: str,
         send_rerun: Optional[Callable] = None,
         send_failure: Optional[Callable] = None) -> CheckResult:
    """After the commit: the re-runs to executors, the failures to the
    engines; ``why`` says in the log what was missed."""
    send_rerun = send_rerun or _send_rerun
    send_failure = send_failure or _send_failure
    ctx = mc_context.admin_context()
    for args in takeover.reruns:
        LOG.warning("Action execution %s %s; its task allows safe-rerun: "
                    "running it again", args[0], why)
        try:
            send_rerun(ctx, *args)
        except Exception:  # noqa: BLE001 - claimed: retried after grace
            LOG.exception("Cannot send action execution %s again", args[0])
            continue
        outcome.rerun.append(args[0])
    for action_ex_id, wf_ex_id in takeover.failures:
        LOG.warning("Action execution %s %s: failing it", action_ex_id, why)
        try:
            send_failure(ctx, action_ex_id, wf_ex_id)
        except Exception:  # noqa: BLE001 - claimed: retried later
            LOG.exception("Cannot fail action execution %s", action_ex_id)
            continue
        outcome.failed.append(action_ex_id)
    return outcome


def check_once(now: Optional[datetime.datetime] = None, conf=None,
               send_rerun: Callable = _send_rerun,
               send_failure: Callable = _send_failure) -> CheckResult:
    """One look for late heartbeats: claim what is late, commit, then send
    the re-runs to executors and the failures to the engines."""
    conf = conf or config.CONF
    now = now or models.utcnow()
    outcome = CheckResult()
    with db_session.transaction() as session:
        found = find_expired(session, now, conf)
        outcome.found = len(found)
        takeover = take_over(session, found, now, claim, conf)
    return send(takeover, outcome, "missed its heartbeats", send_rerun,
                send_failure)


class PeriodicLook:
    """An engine's checker thread: it waits ``first_delay()`` seconds after
    start, then calls ``look()`` every ``interval()`` seconds (at once
    again when ``look`` returns True) until stopped."""

    name = "checker"
    disabled_message = "Checker disabled."

    def __init__(self, conf=None):
        self._conf = conf or config.CONF
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def enabled(self) -> bool:
        raise NotImplementedError

    def first_delay(self) -> float:
        raise NotImplementedError

    def interval(self) -> float:
        raise NotImplementedError

    def look(self) -> bool:
        raise NotImplementedError

    def start(self) -> "PeriodicLook":
        if not self.enabled():
            LOG.info(self.disabled_message)
            return self
        self._thread = threading.Thread(target=self._loop, name=self.name,
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)

    def _loop(self) -> None:
        if self._stop.wait(self.first_delay()):
            return
        while True:
            again = False
            try:
                again = self.look()
            except Exception:  # noqa: BLE001 - the next look may pass
                retry.log_failed_round(LOG, "%s: look failed", self.name)
            if self._stop.wait(0 if again else self.interval()):
                return


class Checker(PeriodicLook):
    """The action heartbeats' checker: it waits ``max_missed_heartbeats
    * check_interval`` after start (executors' heartbeats held back while
    no engine ran arrive first), then looks every ``check_interval``
    seconds, at once again after a full batch."""

    name = "action-heartbeat-checker"
    disabled_message = "Action heartbeats are disabled."

    def enabled(self) -> bool:
        return enabled(self._conf)

    def interval(self) -> float:
        return float(self._conf.action_heartbeat.check_interval)

    def first_delay(self) -> float:
        return self.interval() * \
            self._conf.action_heartbeat.max_missed_heartbeats

    def look(self) -> bool:
        batch_size = self._conf.action_heartbeat.batch_size
        outcome = check_once(conf=self._conf)
        return bool(batch_size) and outcome.found >= batch_size
