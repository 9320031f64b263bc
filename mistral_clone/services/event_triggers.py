"""Event triggers: create, read, update and delete, with Mistral 23's
checks and messages. After each change is committed the event engines are
told to re-read the triggers, so that it takes effect without a restart."""

from typing import Optional

from mistral_clone import exceptions as exc
from mistral_clone import lang
from mistral_clone.db import lookup
from mistral_clone.db import models
from mistral_clone.db import session as db_session
from mistral_clone.rpc import clients
from mistral_clone.scheduler import trust_deletion
from mistral_clone.services import cron_triggers
from mistral_clone.services import trigger_trusts

# What PUT may not change: delete the trigger and create another instead.
UPDATE_NOT_ALLOWED = ("exchange", "topic", "event")
UPDATABLE = ("name", "workflow_id", "workflow_input", "workflow_params",
             "scope")


def _find_workflow(session, ctx, workflow_id: str):
    row = lookup.by_name_or_id(session, models.WorkflowDefinition, ctx,
                               workflow_id)
    if row is None:
        raise exc.NotFoundError(
            "Workflow not found [workflow_id=%s]" % workflow_id)
    return row


def _not_found(trigger_id: str) -> exc.NotFoundError:
    return exc.NotFoundError("Event trigger not found [id=%s]." % trigger_id)


def _tell_event_engines(ctx) -> None:
    clients.get_event_engine_client().triggers_changed(ctx)


def create_event_trigger(ctx, name: Optional[str], exchange: str, topic: str,
                         event: str, workflow_id: str,
                         scope: str = "private",
                         workflow_input: Optional[dict] = None,
                         workflow_params: Optional[dict] = None
                         ) -> models.EventTrigger:
    """A trigger in ``ctx``'s project; 404 for an unknown workflow, 400 for
    an input the workflow does not take, 409 for a second trigger of the
    same event, workflow and project."""
    workflow_input = dict(workflow_input or {})
    with db_session.read_only() as session:
        wf_row = _find_workflow(session, ctx, workflow_id)
        cron_triggers.check_workflow_input(
            lang.get_workflow_spec(wf_row.definition), workflow_input)
    with trigger_trusts.new_trust(ctx) as trust_id:
        with db_session.transaction() as session:
            # Found again: it may have gone while the trust was made.
            wf_row = _find_workflow(session, ctx, wf_row.id)
            row = models.EventTrigger(
                id=models.new_id(), project_id=ctx.project_id,
                name=name if name is not None else "", exchange=exchange,
                topic=topic, event=event, workflow_id=wf_row.id,
                workflow_input=workflow_input,
                workflow_params=dict(workflow_params or {}),
                scope=scope or "private", created_at=models.utcnow(),
                trust_id=trust_id)
            lookup.insert(
                session, row,
                "Duplicate entry for EventTrigger ['exchange', 'topic', "
                "'event', 'workflow_id', 'project_id']: %s, %s, %s, %s, None"
                % (exchange, topic, event, wf_row.id))
    _tell_event_engines(ctx)
    return row


def get_event_trigger(ctx, trigger_id: str) -> models.EventTrigger:
    with db_session.read_only() as session:
        row = lookup.by_name_or_id(session, models.EventTrigger, ctx,
                                   trigger_id)
        if row is None:
            raise _not_found(trigger_id)
        return row


def _owned_for_update(session, ctx, trigger_id: str) -> models.EventTrigger:
    """The trigger, locked; a public trigger of another project is seen but
    not changed (Mistral lets anyone change or delete it)."""
    row = lookup.owned_for_update(session, models.EventTrigger, ctx,
                                  trigger_id)
    if row is None:
        raise _not_found(trigger_id)
    return row


def update_event_trigger(ctx, trigger_id: str,
                         values: dict) -> models.EventTrigger:
    """Change the fields of ``UPDATABLE`` given in ``values``; the workflow
    input is not checked again (as in Mistral)."""
    with db_session.transaction() as session:
        row = _owned_for_update(session, ctx, trigger_id)
        if values.get("workflow_id"):
            values = dict(values, workflow_id=_find_workflow(
                session, ctx, values["workflow_id"]).id)
        for field in UPDATABLE:
            if field in values:
                value = values[field]
                if field in ("workflow_input", "workflow_params"):
                    value = dict(value or {})
                setattr(row, field, value)
        row.updated_at = models.utcnow()
        session.flush()
    _tell_event_engines(ctx)
    return row


def delete_event_trigger(ctx, trigger_id: str) -> None:
    """Delete the trigger, and its trust (``trust_deletion``)."""
    with db_session.transaction() as session:
        row = _owned_for_update(session, ctx, trigger_id)
        trust_id = row.trust_id
        session.delete(row)
        owed = trust_id and trust_deletion.owe(session, trust_id)
    _tell_event_engines(ctx)
    if owed:
        trust_deletion.delete_now(trust_id, owed)
