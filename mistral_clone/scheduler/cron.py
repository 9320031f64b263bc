"""Firing due cron triggers, exactly once per due time.

A scheduler claims a due trigger by moving its ``next_execution_time`` from
the value it read to the next one in one conditional UPDATE (or, for the
last run, a conditional DELETE): whichever scheduler's statement matches
first wins; the others match no row and skip it. Only after that commit is
the execution started.

The start is owed from the claim on: the claiming transaction also writes a
delayed call (``OWED_START``, due ``OWED_START_DELAY_S`` later) that starts
the same execution, and the execution's id is made from the trigger and its
due time. The scheduler starts it at once after the commit and then removes
that call; killed in between, or with no engine answering, it leaves the
call to any scheduler, which starts it seconds later (again after a start
no engine answered). A start the engine refused (an error answer) is not
owed: asking again would not help. A start sent twice makes one execution
(the engine's start is idempotent by id), so each due time fires exactly
once.

With auth on, a firing runs as the trigger's creator, with a token of the
trigger's Keystone trust (``keystone_trusts``); when Keystone does not
answer, the start is owed as when no engine answers.

Missed times after downtime (Mistral 23's rule): a trigger whose time passed
while no scheduler ran fires once, then its next time is the first one after
*now*, so the missed runs are not replayed one by one.
"""

import dataclasses
import datetime
import json
import logging
import uuid
from typing import Callable, Optional

import sqlalchemy as sa

from mistral_clone import exceptions as exc
from mistral_clone import keystone_trusts
from mistral_clone.db import maintenance as maintenance_db
from mistral_clone.db import models
from mistral_clone.db import retry
from mistral_clone.db import session as db_session
from mistral_clone.metrics import timers as timer_metrics
from mistral_clone.rpc import clients
from mistral_clone.scheduler import calls
from mistral_clone.scheduler import trust_deletion
from mistral_clone.services import cron_triggers as triggers_service

LOG = logging.getLogger(__name__)

CronTrigger = models.CronTrigger

# The delayed call that starts a claimed due time's execution when its
# claimer did not (see the module's text), and how long after the claim.
OWED_START = "mistral_clone.scheduler.cron.start_owed"
OWED_START_DELAY_S = 5.0

# What makes a start owed rather than lost: no engine answered, or
# Keystone did not (for the trust's token).
ASK_AGAIN = (exc.NoReplyError, keystone_trusts.KeystoneUnavailableError)

# start_workflow(ctx, wf_identifier, wf_namespace, wf_ex_id, wf_input,
#                description, **params): the engine client's signature.
StartWorkflow = Callable[..., object]


@dataclasses.dataclass(frozen=True)
class DueTrigger:
    id: str
    name: str
    project_id: str
    pattern: str
    next_execution_time: datetime.datetime
    remaining_executions: Optional[int]
    workflow_id: str
    workflow_name: str
    workflow_namespace: str
    workflow_input: dict
    workflow_params: dict
    # Last, with a default: owed starts written before it existed load too.
    trust_id: Optional[str] = None


_COLUMNS = [getattr(CronTrigger, f.name)
            for f in dataclasses.fields(DueTrigger)]


def due_triggers(session, now: datetime.datetime,
                 limit: Optional[int] = None) -> list:
    stmt = (sa.select(*_COLUMNS)
            .where(CronTrigger.next_execution_time <= now)
            .order_by(CronTrigger.next_execution_time))
    if limit:
        stmt = stmt.limit(limit)
    return [DueTrigger(*row) for row in session.execute(stmt).all()]


def next_due_time(session) -> Optional[datetime.datetime]:
    return session.execute(
        sa.select(sa.func.min(CronTrigger.next_execution_time))).scalar()


def is_last_run(trigger: DueTrigger) -> bool:
    remaining = trigger.remaining_executions
    return remaining is not None and remaining <= 1


def advance(session, trigger: DueTrigger, now: datetime.datetime) -> bool:
    """Claim this due time of ``trigger``: count one run down and move it to
    its next time, or delete it after its last run. False when another
    scheduler claimed it first (or it was deleted meanwhile).

    The trust of a trigger deleted here goes once the execution of this
    last run has finished (it runs with the trust's token)."""
    remaining = trigger.remaining_executions
    if remaining is not None and remaining > 0:
        remaining -= 1
    same_due_time = sa.and_(
        CronTrigger.id == trigger.id,
        CronTrigger.next_execution_time == trigger.next_execution_time)
    if is_last_run(trigger):
        stmt = sa.delete(CronTrigger).where(same_due_time)
    else:
        next_time = triggers_service.next_execution_time(
            trigger.pattern, max(now, trigger.next_execution_time))
        stmt = (sa.update(CronTrigger).where(same_due_time)
                .values(next_execution_time=next_time,
                        remaining_executions=remaining,
                        updated_at=now))
    result = session.execute(
        stmt.execution_options(synchronize_session=False))
    won = result.rowcount == 1
    if won and trigger.trust_id and is_last_run(trigger):
        trust_deletion.owe(session, trigger.trust_id,
                           after_execution=execution_id(trigger),
                           pending_key=trigger.id,
                           delay=trust_deletion.EXECUTION_POLL_S)
    return won


def execution_id(trigger: DueTrigger) -> str:
    """The id of the execution of this due time of the trigger: the same
    in every scheduler that starts it."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "mistral-clone:cron:%s:%s" % (
        trigger.id, trigger.next_execution_time.isoformat())))


def owe_start(session, trigger: DueTrigger) -> str:
    """In the claiming transaction: the delayed call that starts this due
    time's execution unless the claimer does (and removes it); its id."""
    return calls.schedule_call(
        session, OWED_START, OWED_START_DELAY_S, key=trigger.id,
        trigger=_as_args(trigger), wf_ex_id=execution_id(trigger))


def _as_args(trigger: DueTrigger) -> dict:
    values = dataclasses.asdict(trigger)
    values["next_execution_time"] = trigger.next_execution_time.isoformat()
    return values


def _from_args(values: dict) -> DueTrigger:
    return DueTrigger(**dict(values, next_execution_time=(
        datetime.datetime.fromisoformat(values["next_execution_time"]))))


def start_owed(trigger: dict, wf_ex_id: str) -> None:
    """The delayed call ``OWED_START``: start the execution the claimer
    did not start; owed again, a little later, when no engine answers."""
    due = _from_args(trigger)
    try:
        fire(due, _engine_start_workflow(), wf_ex_id)
    except ASK_AGAIN as e:
        LOG.warning("No engine or Keystone answered the start of "
                    "execution %s of cron trigger %s (%s); trying again "
                    "later", wf_ex_id, due.name, e)
        with db_session.transaction() as session:
            calls.schedule_call(session, OWED_START, OWED_START_DELAY_S,
                                key=due.id, trigger=trigger,
                                wf_ex_id=wf_ex_id)


def _forget(owed_call_id: str) -> None:
    with db_session.transaction() as session:
        calls.delete_call(session, owed_call_id)


def _engine_start_workflow() -> StartWorkflow:
    return clients.get_engine_client().start_workflow


def execution_description(trigger_id: str) -> str:
    """What Mistral 23 puts in the execution's ``description``: JSON that
    names the trigger."""
    return json.dumps({
        "description": "Workflow execution created by cron trigger "
                       "'(%s)'." % trigger_id,
        "triggered_by": {"type": "cron_trigger", "id": trigger_id},
    })


def fire(trigger: DueTrigger, start_workflow: StartWorkflow,
         wf_ex_id: Optional[str] = None) -> None:
    """Start the execution as the trigger's creator (through its trust,
    with auth on), in the trigger's project."""
    ctx = keystone_trusts.firing_context(trigger.trust_id,
                                         trigger.project_id)
    start_workflow(ctx, wf_identifier=trigger.workflow_id,
                   wf_namespace=trigger.workflow_namespace,
                   wf_ex_id=wf_ex_id,
                   wf_input=trigger.workflow_input,
                   description=execution_description(trigger.id),
                   **trigger.workflow_params)
    timer_metrics.cron_fired()


def process_due_triggers(start_workflow: StartWorkflow,
                         now: Callable[[], datetime.datetime] = models.utcnow
                         ) -> Optional[int]:
    """Fire every due trigger this scheduler wins; returns how many.

    Nothing (None) while the cluster is in maintenance (PAUSING or PAUSED), as in
    Mistral 23: the triggers are left as they are and fire once it ends
    (an overdue one once, see above)."""
    with db_session.read_only() as session:
        if maintenance_db.status(session) in maintenance_db.IN_MAINTENANCE:
            return None
        due = due_triggers(session, now())
    fired = 0
    for trigger in due:
        try:
            with db_session.transaction() as session:
                won = advance(session, trigger, now())
                owed = won and owe_start(session, trigger)
            if not won:
                continue
            LOG.debug("Starting workflow %s by cron trigger %s",
                      trigger.workflow_name, trigger.name)
            try:
                fire(trigger, start_workflow, execution_id(trigger))
            except ASK_AGAIN as e:
                LOG.warning("No engine or Keystone answered the start of "
                            "cron trigger %s (%s); it is owed", trigger.name,
                            e)
                continue
            except Exception:
                # The engine refused it: asking again would not help.
                _forget(owed)
                raise
            _forget(owed)
            fired += 1
        except Exception:  # noqa: BLE001 - the next poll tries again
            retry.log_failed_round(
                LOG, "Failed to process cron trigger %s [id=%s]",
                trigger.name, trigger.id)
    return fired
