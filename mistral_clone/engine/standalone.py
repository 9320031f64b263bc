"""Actions run outside any workflow (``POST /v2/action_executions``).

As in Mistral 23: ``run_sync`` waits for the executor's result; without
it, a saved (``save_result``) or asynchronous action is returned RUNNING
and its result is stored when it arrives; a synchronous action without
``save_result`` runs at once and nothing is stored.

The API names the action execution (``action_ex_id``) and first asks with
``run_now`` false, which answers at once: the action execution when the
action runs in the background (found, not made again, when that id exists:
a start sent twice makes one), else a request to run it now, which it sends
with ``run_now`` and waits for as long as the action takes. So a dead
engine costs the API its short reply timeout, not the RPC timeout.
"""

from mistral_clone import actions as std_actions
from mistral_clone import exceptions as exc
from mistral_clone.actions import dynamic
from mistral_clone.db import models
from mistral_clone.engine import adhoc
from mistral_clone.engine import conductor as conductor_mod
from mistral_clone.engine import field_sizes
from mistral_clone.engine import machines
from mistral_clone.engine import queries
from mistral_clone.engine import step as step_mod
from mistral_clone.engine import store as store_mod
from mistral_clone.expressions import limits
from mistral_clone.rpc import clients


def _is_sync(python_name: str, base_input: dict, code=None) -> bool:
    try:
        action = std_actions.instantiate_action(python_name, base_input,
                                                code)
        # A dynamic action's class need not derive from Action.
        is_sync = getattr(action, "is_sync", None)
        return bool(is_sync()) if callable(is_sync) else True
    except exc.MistralError:
        raise
    except Exception as e:  # noqa: BLE001 - the constructor's own error
        raise exc.InputError(str(e))


def _resolve(step, action_name: str, namespace: str):
    try:
        resolved = adhoc.resolve(step.session, action_name, namespace, None,
                                 step.ctx.project_id)
    except exc.InvalidActionError as e:
        if not str(e).startswith("Failed to find action"):
            raise
        # Mistral's message here names no namespace.
        raise exc.InvalidActionError(
            "Failed to find action [action_name=%s]" % action_name) from None
    return resolved


def _stored_input(resolved, action_input, base_input) -> dict:
    """What Mistral stores as the input: an ad-hoc action's own input with
    its defaults, or the Python action's input; refused when over the
    field size limit."""
    if resolved.is_adhoc:
        stored = adhoc.check_input(resolved.layers[0], action_input)
    else:
        stored = base_input
    field_sizes.check("input", stored)
    return stored


def _new_row(ctx, resolved, action_input, description, namespace,
             action_ex_id=None):
    now = models.utcnow()
    return models.ActionExecution(
        id=action_ex_id or models.new_id(), project_id=ctx.project_id,
        name=resolved.name,
        description=description or "", workflow_namespace=namespace or "",
        state=None, accepted=False, is_sync=True, index=0,
        input=action_input, runtime_context={"adhoc": resolved.is_adhoc},
        created_at=now,
        last_heartbeat=store_mod.first_heartbeat_deadline(now))


def start_action(ctx, action_name: str, action_input: dict,
                 description, namespace: str, params: dict,
                 action_ex_id=None, run_now: bool = True) -> dict:
    """Mistral 23's rules: without ``run_sync``, the action runs in the
    background (saved, returned RUNNING) when ``save_result`` is set or
    the action is asynchronous; otherwise it runs now (only with
    ``run_now``: else the answer is ``{RUN_NOW: True}``) and is stored
    only with ``save_result``."""
    with limits.outside_transaction():
        # A stand-alone action runs between two steps: a step could not be
        # run again without running the action again.
        return _start_action(ctx, action_name, action_input, description,
                             namespace, params, action_ex_id, run_now)


def _start_action(ctx, action_name, action_input, description, namespace,
                  params, action_ex_id, run_now) -> dict:
    run_sync = params.get("run_sync")
    save = params.get("save_result")
    action_input = action_input or {}
    with step_mod.step(ctx) as step:
        existing = action_ex_id and queries.action(step.session,
                                                   action_ex_id)
        if existing:
            if existing.project_id != ctx.project_id:
                raise exc.InputError("Action execution id %s is already "
                                     "taken." % action_ex_id)
            return store_mod.row_dict(existing)
        resolved = _resolve(step, action_name, namespace)
        base_input = adhoc.base_input(resolved, action_input)
        stored_input = _stored_input(resolved, action_input, base_input)
        sync_action = _is_sync(resolved.python_name, base_input,
                               resolved.code)
        if run_sync and not sync_action:
            raise exc.InputError(
                "Action does not support synchronous execution.")
        if not run_sync and (save or not sync_action):
            action_ex = _new_row(ctx, resolved, stored_input, description,
                                 namespace, action_ex_id)
            action_ex.is_sync = sync_action
            machines.fire(machines.ACTION, action_ex, machines.START)
            step.session.add(action_ex)
            step.session.flush()
            store_mod.send(step, action_ex.id, resolved.python_name,
                           base_input, dynamic.with_code(
                               store_mod.exec_context(action_ex),
                               resolved.code))
            # Mistral answers before its executor's first heartbeat.
            answer = store_mod.row_dict(action_ex)
            store_mod.started_here(action_ex, models.utcnow())
            return answer
        if not run_now:
            return {clients.RUN_NOW: True}

    result = clients.get_executor_client().run_action_sync(
        ctx, None, resolved.python_name, base_input,
        dynamic.with_code({"action_execution_id": None,
                           "callback_url": None}, resolved.code))
    # Mistral 23 refuses the run (400), saved or not, when its output is
    # over the field size limit.
    field_sizes.check("output", {"result": result.get("error")
                                 if result.get("error") is not None
                                 else result.get("data")})

    row = _new_row(ctx, resolved, stored_input, description, namespace,
                   action_ex_id)
    row.tags = []
    machines.fire(machines.ACTION, row, machines.START)
    with step_mod.step(ctx) as step:
        conductor = conductor_mod.Conductor(store_mod.DbStore(step))
        conductor.on_action_result(None, None, row, dict(result, sync=True))
        # Mistral writes this row once, with its result: never updated,
        # never accepted (no executor reported it), its description as
        # sent (none: NULL).
        row.accepted = False
        row.updated_at = None
        row.description = description or None
        if not save:
            # Nothing stored: Mistral answers with an unsaved record.
            values = store_mod.row_dict(row)
            values.update(id=None, project_id=None, accepted=None,
                          tags=None, created_at=None, updated_at=None,
                          description=description or None,
                          name=action_name)
            return values
        step.session.add(row)
        step.session.flush()
        values = store_mod.row_dict(row)
        # Mistral answers this one with its record's own time, not read
        # back: ISO, microseconds zero ("2026-12-07T11:46:37.000000").
        values["created_at"] = row.created_at.replace(
            microsecond=0).isoformat(timespec="microseconds")
        return values
