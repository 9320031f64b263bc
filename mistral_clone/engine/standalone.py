"""Actions run outside any workflow (``POST /v2/action_executions``).

``run_sync`` (default: true for synchronous actions) waits for the
executor's result and returns the finished execution; otherwise the
execution is returned RUNNING and the result is stored when it arrives.
With ``save_result`` false and ``run_sync``, nothing is stored at all.
"""

from mistral_clone import actions as std_actions
from mistral_clone import exceptions as exc
from mistral_clone.db import models
from mistral_clone.engine import actions as action_handler
from mistral_clone.engine import states
from mistral_clone.engine import step as step_mod


def _is_sync(python_name: str, base_input: dict) -> bool:
    try:
        return bool(std_actions.instantiate_action(
            python_name, base_input).is_sync())
    except exc.MistralError:
        raise
    except Exception as e:  # noqa: BLE001 - the constructor's own error
        raise exc.InputError(str(e))


def start_action(ctx, action_name: str, action_input: dict,
                 description, namespace: str, params: dict) -> dict:
    from mistral_clone.rpc import clients
    save = params.get("save_result", True)
    save = True if save is None else bool(save)
    with step_mod.step(ctx) as step:
        action_ex, resolved, base_input = action_handler.create_standalone(
            step, action_name, action_input or {}, description, namespace,
            save)
        sync_action = _is_sync(resolved.python_name, base_input)
        run_sync = params.get("run_sync")
        run_sync = sync_action if run_sync is None else bool(run_sync)
        if run_sync and not sync_action:
            raise exc.InputError(
                "Action does not support synchronous execution.")
        if not run_sync:
            if action_ex is None:
                raise exc.InputError(
                    "Action result can not be skipped for an asynchronous "
                    "run [action=%s]" % action_name)
            action_ex.is_sync = sync_action
            action_handler.send(
                step, action_ex.id, resolved.python_name, base_input,
                action_handler.exec_context(action_ex))
            step.session.flush()
            return action_handler.row_dict(action_ex)
        step.session.flush()
        action_ex_id = action_ex.id if action_ex is not None else None
        exec_ctx = {"action_execution_id": action_ex_id,
                    "callback_url": "/v2/action_executions/%s"
                    % action_ex_id}

    result = clients.get_executor_client().run_action_sync(
        ctx, action_ex_id, resolved.python_name, base_input, exec_ctx)

    if action_ex_id is None:
        row = models.ActionExecution(
            id=models.new_id(), project_id=ctx.project_id,
            name=resolved.name, description=description or "",
            workflow_namespace=namespace or "", input=action_input or {},
            tags=[], accepted=True, is_sync=True, runtime_context={},
            created_at=models.utcnow())
        with step_mod.step(ctx) as step:
            action_handler.store_result(step, row, result)
        return action_handler.row_dict(row)

    with step_mod.step(ctx) as step:
        row = step.session.get(models.ActionExecution, action_ex_id)
        if row.state == states.RUNNING:
            action_handler.store_result(step, row, result)
        step.session.flush()
        return action_handler.row_dict(row)
