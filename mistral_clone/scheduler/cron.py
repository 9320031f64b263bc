"""Firing due cron triggers, exactly once per due time.

A scheduler claims a due trigger by moving its ``next_execution_time`` from
the value it read to the next one in one conditional UPDATE (or, for the
last run, a conditional DELETE): whichever scheduler's statement matches
first wins; the others match no row and skip it. Only after that commit is
the execution started, as Mistral does: a failed start loses that one run,
never doubles it.

Missed times after downtime (Mistral 23's rule): a trigger whose time passed
while no scheduler ran fires once, then its next time is the first one after
*now*, so the missed runs are not replayed one by one.
"""

import dataclasses
import datetime
import json
import logging
from typing import Callable, Optional

import sqlalchemy as sa

from mistral_clone import context
from mistral_clone.db import maintenance as maintenance_db
from mistral_clone.db import models
from mistral_clone.db import retry
from mistral_clone.db import session as db_session
from mistral_clone.services import cron_triggers as triggers_service

LOG = logging.getLogger(__name__)

CronTrigger = models.CronTrigger

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


def advance(session, trigger: DueTrigger, now: datetime.datetime) -> bool:
    """Claim this due time of ``trigger``: count one run down and move it to
    its next time, or delete it after its last run. False when another
    scheduler claimed it first (or it was deleted meanwhile)."""
    remaining = trigger.remaining_executions
    if remaining is not None and remaining > 0:
        remaining -= 1
    same_due_time = sa.and_(
        CronTrigger.id == trigger.id,
        CronTrigger.next_execution_time == trigger.next_execution_time)
    if remaining == 0:
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
    return result.rowcount == 1


def execution_description(trigger_id: str) -> str:
    """What Mistral 23 puts in the execution's ``description``: JSON that
    names the trigger."""
    return json.dumps({
        "description": "Workflow execution created by cron trigger "
                       "'(%s)'." % trigger_id,
        "triggered_by": {"type": "cron_trigger", "id": trigger_id},
    })


def fire(trigger: DueTrigger, start_workflow: StartWorkflow) -> None:
    ctx = context.RequestContext(project_id=trigger.project_id,
                                 is_admin=False)
    start_workflow(ctx, wf_identifier=trigger.workflow_id,
                   wf_namespace=trigger.workflow_namespace, wf_ex_id=None,
                   wf_input=trigger.workflow_input,
                   description=execution_description(trigger.id),
                   **trigger.workflow_params)


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
            if not won:
                continue
            LOG.debug("Starting workflow %s by cron trigger %s",
                      trigger.workflow_name, trigger.name)
            fire(trigger, start_workflow)
            fired += 1
        except Exception:  # noqa: BLE001 - the next poll tries again
            retry.log_failed_round(
                LOG, "Failed to process cron trigger %s [id=%s]",
                trigger.name, trigger.id)
    return fired
