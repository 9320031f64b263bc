"""Actions run outside any workflow (``POST /v2/action_executions``).

As in Mistral 23: ``run_sync`` waits for the executor's result; without
it, a saved (``save_result``) or asynchronous action is returned RUNNING
and its result is stored when it arrives; a synchronous action without
``save_result`` runs at once and nothing is stored.
"""

from mistral_clone import actions as std_actions
from mistral_clone import exceptions as exc
from mistral_clone.db import models
from mistral_clone.engine import actions as action_handler
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
    """Mistral 23's rules: without ``run_sync``, the action runs in the
    background (saved, returned RUNNING) when ``save_result`` is set or
    the action is asynchronous; otherwise it runs now and is stored only
    with ``save_result``."""
    from mistral_clone.rpc import clients
    run_sync = params.get("run_sync")
    save = params.get("save_result")
    with step_mod.step(ctx) as step:
        _none, resolved, base_input = action_handler.create_standalone(
            step, action_name, action_input or {}, description, namespace,
            save=False)
        sync_action = _is_sync(resolved.python_name, base_input)
        if run_sync and not sync_action:
            raise exc.InputError(
                "Action does not support synchronous execution.")
        if not run_sync and (save or not sync_action):
            action_ex, _r, _i = action_handler.create_standalone(
                step, action_name, action_input or {}, description,
                namespace, save=True)
            action_ex.is_sync = sync_action
            action_handler.send(
                step, action_ex.id, resolved.python_name, base_input,
                action_handler.exec_context(action_ex))
            step.session.flush()
            return action_handler.row_dict(action_ex)

    result = clients.get_executor_client().run_action_sync(
        ctx, None, resolved.python_name, base_input,
        {"action_execution_id": None, "callback_url": None})

    row = models.ActionExecution(
        id=models.new_id(), project_id=ctx.project_id,
        name=resolved.name, description=description or "",
        workflow_namespace=namespace or "", input=action_input or {},
        tags=[], accepted=True, is_sync=True, runtime_context={},
        created_at=models.utcnow())
    with step_mod.step(ctx) as step:
        action_handler.store_result(step, row, result)
        if not save:
            # Nothing stored: Mistral answers with an unsaved record.
            values = action_handler.row_dict(row)
            values.update(id=None, project_id=None, accepted=None,
                          tags=None, created_at=None, updated_at=None,
                          description=description or None,
                          name=action_name)
            return values
        step.session.add(row)
        step.session.flush()
        return action_handler.row_dict(row)
