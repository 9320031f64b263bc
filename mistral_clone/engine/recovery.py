"""What an engine does when it starts: continue work that a crash left
between a commit and the messages that should have followed it.

* RUNNING action executions of RUNNING workflows are sent to an executor
  again when their task says ``safe-rerun: true``, or when the transport is
  in-process (``fake:/``: the executor died with the engine, so the action
  did not run to its end either).
* Sub-workflows that finished while their parent task still runs have
  their result reported again.
"""

import logging

import sqlalchemy as sa

from mistral_clone import context as mc_context
from mistral_clone.db import models
from mistral_clone.db import session as db_session
from mistral_clone.engine import adhoc
from mistral_clone.engine import endpoint
from mistral_clone.engine import states
from mistral_clone.rpc import clients
from mistral_clone.rpc import transport

LOG = logging.getLogger(__name__)


def _lost_actions(session, resend_all: bool):
    action = models.ActionExecution
    task = models.TaskExecution
    wf = models.WorkflowExecution
    stmt = sa.select(action, task, wf).join(
        task, task.id == action.task_execution_id).join(
        wf, wf.id == task.workflow_execution_id).where(
        action.state == states.RUNNING, action.is_sync.is_(True),
        wf.state == states.RUNNING)
    for action_ex, task_ex, wf_ex in session.execute(stmt).all():
        if resend_all or (action_ex.runtime_context or {}).get("safe_rerun"):
            yield action_ex, task_ex, wf_ex


def recover() -> None:
    ctx = mc_context.admin_context()
    resend_all = transport.transport_url().startswith("fake:")
    sends = []
    with db_session.read_only() as session:
        for action_ex, task_ex, wf_ex in _lost_actions(session, resend_all):
            wb_name = (wf_ex.runtime_context or {}).get("wb_name")
            try:
                resolved = adhoc.resolve(session, action_ex.name,
                                         wf_ex.workflow_namespace, wb_name,
                                         wf_ex.project_id)
                base_input = adhoc.base_input(
                    resolved, action_ex.input,
                    (wf_ex.params or {}).get("env"), {"id": wf_ex.id})
            except Exception:  # noqa: BLE001 - leave it to the operator
                LOG.exception("Cannot recover action execution %s",
                              action_ex.id)
                continue
            target = (action_ex.runtime_context or {}).get("target")
            sends.append((action_ex.id, resolved.python_name, base_input,
                          {"workflow_execution_id": wf_ex.id,
                           "task_execution_id": task_ex.id,
                           "action_execution_id": action_ex.id,
                           "workflow_name": wf_ex.workflow_name,
                           "callback_url": "/v2/action_executions/%s"
                           % action_ex.id,
                           "with_items_index": action_ex.index or 0},
                          target))
        children = endpoint.completed_children_of_running_tasks(session)
    for action_ex_id, name, base_input, exec_ctx, target in sends:
        LOG.info("Recovery: sending action execution %s again",
                 action_ex_id)
        clients.get_executor_client(target).run_action(
            ctx, action_ex_id, name, base_input, exec_ctx)
    for child_id in children:
        LOG.info("Recovery: reporting sub-workflow %s again", child_id)
        clients.get_engine_client().report_subworkflow_result(ctx, child_id)
