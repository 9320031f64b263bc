"""A child of a task changed state without finishing: an async action set
to PAUSED / RUNNING through ``PUT /v2/action_executions/{id}``, or a
sub-workflow paused or resumed. Mistral's ``on_action_update``: the task
follows its child, and the workflow follows the task (a paused child
pauses the whole workflow; the last one resumed resumes it).
"""

import sqlalchemy as sa

from mistral_clone import exceptions as exc
from mistral_clone.db import models
from mistral_clone.engine import notify
from mistral_clone.engine import states
from mistral_clone.engine import workflows as wf_handler

# Changes a child reports to its task (other states finish the task).
UPDATE_STATES = (states.PAUSED, states.RUNNING)


def check_action_update(action_ex, state: str) -> None:
    """Mistral's checks before an action execution is set to ``state``."""
    if state == states.PAUSED and action_ex.is_sync:
        raise exc.WorkflowError(
            "Transition to the PAUSED state is only supported for "
            "asynchronous action execution.")
    if not states.is_valid_transition(action_ex.state, state):
        raise exc.WorkflowError(
            "Invalid state transition from %s to %s."
            % (action_ex.state, state))


def notify_parent_later(step, wf_ex) -> None:
    """After the commit, tell the engine that this sub-workflow paused or
    resumed (the parent is locked in a step of its own)."""
    if not wf_ex.task_execution_id:
        return
    from mistral_clone.rpc import clients
    step.after_commit(clients.get_engine_client().on_subworkflow_update,
                      step.ctx, wf_ex.id, wf_ex.state)


def _paused_children(session, task_ex_id: str) -> int:
    action = models.ActionExecution
    child = models.WorkflowExecution
    n = session.execute(
        sa.select(sa.func.count()).select_from(action).where(
            action.task_execution_id == task_ex_id,
            action.state == states.PAUSED)).scalar_one()
    return n + session.execute(
        sa.select(sa.func.count()).select_from(child).where(
            child.task_execution_id == task_ex_id,
            child.state == states.PAUSED)).scalar_one()


def _paused_tasks(session, wf_ex_id: str) -> int:
    task = models.TaskExecution
    return session.execute(
        sa.select(sa.func.count()).select_from(task).where(
            task.workflow_execution_id == wf_ex_id,
            task.state == states.PAUSED)).scalar_one()


def on_child_update(step, wf_ex, task_ex, state: str) -> None:
    """The task follows its child's new ``state`` (PAUSED or RUNNING),
    then the workflow follows: paused with it, or resumed when no task is
    left paused."""
    if states.is_completed(task_ex.state) or \
            not states.is_valid_transition(task_ex.state, state):
        return
    session = step.session
    session.flush()
    if state == states.RUNNING and _paused_children(session, task_ex.id):
        return
    if task_ex.state != state:
        previous = task_ex.state
        task_ex.state = state
        task_ex.updated_at = models.utcnow()
        notify.task_event(step, wf_ex, task_ex, previous, state)
        session.flush()
    if state == states.PAUSED:
        if wf_ex.state == states.RUNNING:
            wf_handler.pause(step, wf_ex)
        return
    if _paused_tasks(session, wf_ex.id):
        return
    if wf_ex.state == states.PAUSED:
        wf_handler.resume(step, wf_ex)
