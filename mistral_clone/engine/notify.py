"""State-change events for ``params.notify`` publishers (webhooks): written
to the notifier's outbox in the transaction of the step that changes the
state, and a notifier woken after the commit. Event names and payloads are
Mistral's. A step of an execution without publishers writes nothing."""

from typing import Optional

import sqlalchemy as sa

from mistral_clone import config
from mistral_clone.db import models
from mistral_clone.engine import states
from mistral_clone.notifier import outbox
from mistral_clone.rpc import clients

_WF_EVENTS = {
    states.RUNNING: {"ANY": "WORKFLOW_LAUNCHED",
                     states.IDLE: "WORKFLOW_LAUNCHED",
                     states.PAUSED: "WORKFLOW_RESUMED",
                     states.ERROR: "WORKFLOW_RERUN"},
    states.SUCCESS: {"ANY": "WORKFLOW_SUCCEEDED"},
    states.ERROR: {"ANY": "WORKFLOW_FAILED"},
    states.CANCELLED: {"ANY": "WORKFLOW_CANCELLED"},
    states.PAUSED: {"ANY": "WORKFLOW_PAUSED"},
}

_TASK_EVENTS = {
    states.RUNNING: {"ANY": "TASK_LAUNCHED",
                     states.IDLE: "TASK_RESUMED",
                     states.PAUSED: "TASK_RESUMED",
                     states.WAITING: "TASK_RESUMED",
                     states.ERROR: "TASK_RERUN"},
    states.SUCCESS: {"ANY": "TASK_SUCCEEDED"},
    states.ERROR: {"ANY": "TASK_FAILED"},
    states.CANCELLED: {"ANY": "TASK_CANCELLED"},
    states.PAUSED: {"ANY": "TASK_PAUSED"},
    states.SKIPPED: {"ANY": "TASK_SKIPPED"},
}


def identify_event(from_state: Optional[str], to_state: str,
                   table: dict) -> Optional[str]:
    options = table.get(to_state)
    if not options:
        return None
    return options.get(from_state) if from_state in options \
        else options["ANY"]


def _ts(value) -> Optional[str]:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else None


def _publishers(wf_ex, event: str) -> list:
    publishers = (wf_ex.params or {}).get("notify")
    if not publishers and config.CONF.notifier.notify:
        publishers = list(config.CONF.notifier.notify)
    out = []
    for publisher in publishers or []:
        if not isinstance(publisher, dict):
            continue
        wanted = publisher.get("event_types") or []
        if not wanted or event in wanted:
            out.append(publisher)
    return out


def _send(step, wf_ex, ex_id, data, event, updated_at, publishers):
    """Queue the event's outbox rows on the step; they are written with
    one INSERT just before the step commits, and a notifier is woken after
    it."""
    event_args = {"ex_id": ex_id, "event": event,
                  "timestamp": _ts(updated_at),
                  "data": dict(data, event=event)}
    pending = getattr(step, "_pending_notifications", None)
    if pending is None:
        pending = step._pending_notifications = []
        sa.event.listen(step.session, "before_commit",
                        lambda session: outbox.write(session, pending),
                        once=True)
        step.after_commit(_wake_notifier, step.ctx)
    pending.extend(outbox.rows_for(wf_ex.id, wf_ex.project_id, event_args,
                                   publishers, models.utcnow()))


def _wake_notifier(ctx) -> None:
    clients.get_notifier_client().deliver_pending(ctx)


def workflow_event(step, wf_ex, from_state, to_state) -> None:
    event = identify_event(from_state, to_state, _WF_EVENTS)
    publishers = _publishers(wf_ex, event) if event else []
    if not publishers:
        return
    data = {
        "id": wf_ex.id,
        "name": wf_ex.workflow_name,
        "workflow_name": wf_ex.workflow_name,
        "workflow_namespace": wf_ex.workflow_namespace,
        "workflow_id": wf_ex.workflow_id,
        "state": wf_ex.state,
        "state_info": wf_ex.state_info,
        "project_id": wf_ex.project_id,
        "task_execution_id": wf_ex.task_execution_id,
        "root_execution_id": wf_ex.root_execution_id,
        "created_at": _ts(wf_ex.created_at),
        "updated_at": _ts(wf_ex.updated_at),
    }
    _send(step, wf_ex, wf_ex.id, data, event, wf_ex.updated_at,
          publishers)


def task_event(step, wf_ex, task_ex, from_state, to_state) -> None:
    event = identify_event(from_state, to_state, _TASK_EVENTS)
    publishers = _publishers(wf_ex, event) if event else []
    if not publishers:
        return
    data = {
        "id": task_ex.id,
        "name": task_ex.name,
        "workflow_execution_id": task_ex.workflow_execution_id,
        "workflow_name": task_ex.workflow_name,
        "workflow_namespace": task_ex.workflow_namespace,
        "workflow_id": task_ex.workflow_id,
        "state": task_ex.state,
        "state_info": task_ex.state_info,
        "type": task_ex.type,
        "project_id": task_ex.project_id,
        "created_at": _ts(task_ex.created_at),
        "updated_at": _ts(task_ex.updated_at),
        "started_at": _ts(task_ex.started_at),
        "finished_at": _ts(task_ex.finished_at),
    }
    _send(step, wf_ex, task_ex.id, data, event, task_ex.updated_at,
          publishers)
