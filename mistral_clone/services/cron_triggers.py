"""Cron triggers: create, read and delete, with Mistral 23's checks and
messages; the schedule arithmetic (``next_execution_time``) shared with the
scheduler that fires them.

Times are naive UTC datetimes, as stored. ``now`` is injectable so the rules
can be tested with a fixed clock.
"""

import datetime
from typing import Callable, Optional

import croniter
import sqlalchemy as sa

from mistral_clone import exceptions as exc
from mistral_clone import lang
from mistral_clone.db import lookup
from mistral_clone.db import models
from mistral_clone.db import session as db_session
from mistral_clone.scheduler import trust_deletion
from mistral_clone.services import names
from mistral_clone.services import trigger_trusts

# What Mistral stores as the pattern of a one-shot trigger: 30 February.
NEVER_PATTERN = "0 0 30 2 0"
FIRST_TIME_FORMAT = "%Y-%m-%d %H:%M"
# first_execution_time must be at least this far in the future.
MIN_FIRST_TIME_DELAY = datetime.timedelta(seconds=60)

Clock = Callable[[], datetime.datetime]


def next_execution_time(pattern: str,
                        start: datetime.datetime) -> datetime.datetime:
    """The first time matching ``pattern`` strictly after ``start``."""
    return croniter.croniter(pattern, start).get_next(datetime.datetime)


def parse_first_time(value) -> Optional[datetime.datetime]:
    """``first_execution_time`` as the API takes it: ``YYYY-MM-DD HH:MM``
    (UTC), as Mistral does; the parser's own message when it does not fit."""
    if value is None or isinstance(value, datetime.datetime):
        return value
    try:
        return datetime.datetime.strptime(value, FIRST_TIME_FORMAT)
    except ValueError as e:
        raise exc.InvalidModelError(str(e))


def check_schedule(pattern: Optional[str],
                   first_time: Optional[datetime.datetime],
                   count: Optional[int], now: datetime.datetime) -> None:
    if not (first_time or pattern):
        raise exc.InvalidModelError(
            "Pattern or first_execution_time must be specified.")
    if first_time:
        if now + MIN_FIRST_TIME_DELAY > first_time:
            raise exc.InvalidModelError(
                "first_execution_time must be at least 1 minute in the "
                "future.")
        if not pattern and count and count > 1:
            raise exc.InvalidModelError(
                "Pattern must be provided if count is superior to 1.")
    if pattern:
        try:
            croniter.croniter(pattern)
        except (ValueError, KeyError):
            raise exc.InvalidModelError(
                "The specified pattern is not valid: %s" % pattern)


def check_workflow_input(wf_spec, workflow_input: dict) -> None:
    """Mistral's check of an input against a workflow's signature."""
    wf_spec.complete_input(workflow_input)


def _as_dict(value, field: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise exc.InputError(
            "JsonType field value must be a dictionary [actual=%s]"
            % (value,))
    return value


def _find_workflow(session, ctx, workflow_id, workflow_name, namespace):
    identifier = workflow_id or workflow_name
    row = None
    if identifier:
        row = lookup.by_name_or_id(session, models.WorkflowDefinition, ctx,
                                   identifier, namespace or "")
    if row is None:
        raise exc.NotFoundError(
            "Workflow not found [workflow_identifier=%s, namespace=%s]"
            % (identifier, namespace or ""))
    return row


def create_cron_trigger(ctx, name: str, workflow_name: Optional[str] = None,
                        workflow_id: Optional[str] = None,
                        workflow_namespace: Optional[str] = None,
                        workflow_input: Optional[dict] = None,
                        workflow_params: Optional[dict] = None,
                        pattern: Optional[str] = None,
                        first_time=None, count: Optional[int] = None,
                        scope: str = "private",
                        now: Clock = models.utcnow) -> models.CronTrigger:
    """Create a trigger in ``ctx``'s project; the errors are Mistral's
    (400 schedule/input, 404 workflow, 409 name)."""
    if not name:
        raise exc.InputError("Cron trigger name must be provided.")
    names.check("Cron trigger", name, models.CronTrigger)
    if count is not None and count < 1:
        raise exc.InputError(
            "Invalid input for field/attribute remaining_executions. "
            "Value: '%s'. Value should be greater or equal to 1" % count)
    current = now()
    first_time = parse_first_time(first_time)
    check_schedule(pattern, first_time, count, current)
    workflow_input = _as_dict(workflow_input, "workflow_input")
    workflow_params = _as_dict(workflow_params, "workflow_params")
    if first_time:
        next_time = first_time
        if not (pattern or count):
            count = 1
    else:
        next_time = next_execution_time(pattern, current)

    with db_session.read_only() as session:
        wf_row = _find_workflow(session, ctx, workflow_id, workflow_name,
                                workflow_namespace)
        check_workflow_input(lang.get_workflow_spec(wf_row.definition),
                             workflow_input)
    values = dict(
        project_id=ctx.project_id, name=name,
        pattern=pattern or NEVER_PATTERN, first_execution_time=first_time,
        next_execution_time=next_time, remaining_executions=count,
        workflow_name=wf_row.name, workflow_id=wf_row.id,
        workflow_namespace=wf_row.namespace or "",
        workflow_input=workflow_input, workflow_params=workflow_params,
        scope=scope, created_at=current)
    with trigger_trusts.new_trust(ctx) as trust_id:
        with db_session.transaction() as session:
            _check_workflow_still_there(session, wf_row.id, workflow_id or
                                        workflow_name, workflow_namespace)
            row = models.CronTrigger(id=models.new_id(), trust_id=trust_id,
                                     **values)
            lookup.insert(session, row,
                          "Duplicate entry for cron trigger ['name', "
                          "'project_id']: %s, None" % name)
    return row


def _check_workflow_still_there(session, wf_id, identifier, namespace):
    """The workflow was found before the trust was made (outside any
    transaction); it may have gone since."""
    found = session.execute(sa.select(models.WorkflowDefinition.id).where(
        models.WorkflowDefinition.id == wf_id)).scalar()
    if found is None:
        raise exc.NotFoundError(
            "Workflow not found [workflow_identifier=%s, namespace=%s]"
            % (identifier, namespace or ""))


def _not_found(identifier):
    return exc.NotFoundError(
        "Cron trigger not found [identifier=%s]" % identifier)


def get_cron_trigger(ctx, identifier: str) -> models.CronTrigger:
    with db_session.read_only() as session:
        row = lookup.by_name_or_id(session, models.CronTrigger, ctx,
                                   identifier)
        if row is None:
            raise _not_found(identifier)
        return row


def delete_cron_trigger(ctx, identifier: str) -> None:
    """Delete the trigger, and its trust (``trust_deletion``)."""
    with db_session.transaction() as session:
        row = lookup.owned_for_update(session, models.CronTrigger, ctx,
                                      identifier)
        if row is None:
            raise _not_found(identifier)
        trust_id = row.trust_id
        session.delete(row)
        owed = trust_id and trust_deletion.owe(session, trust_id)
    if owed:
        trust_deletion.delete_now(trust_id, owed)
