"""The workflow handler: start, continue, complete, pause, resume, stop.

Every function runs inside one engine step (``step.Step``) on a workflow
execution row that step has locked.
"""

import logging
from typing import Optional

import sqlalchemy as sa
from sqlalchemy import orm

from mistral_clone import exceptions as exc
from mistral_clone import lang
from mistral_clone.db import lookup
from mistral_clone.db import models
from mistral_clone.engine import commands
from mistral_clone.engine import dataflow
from mistral_clone.engine import direct
from mistral_clone.engine import notify
from mistral_clone.engine import reverse
from mistral_clone.engine import specs
from mistral_clone.engine import states

LOG = logging.getLogger(__name__)

BACKLOG_KEY = "backlog_commands"


# -- finding definitions -------------------------------------------------

def find_definition(session, ctx, identifier: str, namespace: str = "",
                    workbook_name: Optional[str] = None):
    """A workflow definition by name or id: a workbook's own workflow
    first (short names inside workbooks), then the namespace, then the
    default namespace."""
    model = models.WorkflowDefinition
    candidates = []
    if workbook_name and not lookup.is_uuid(identifier):
        candidates.append("%s.%s" % (workbook_name, identifier))
    candidates.append(identifier)
    # The definition is read next (the spec): loaded with the row.
    options = (orm.undefer(model.definition),)
    for name in candidates:
        for ns in dict.fromkeys([namespace or "", ""]):
            row = lookup.by_name_or_id(session, model, ctx, name, ns,
                                       options=options)
            if row is not None:
                return row
    raise exc.NotFoundError(
        "Workflow not found [workflow_identifier=%s, namespace=%s]"
        % (identifier, namespace or ""))


def _resolve_env(session, ctx, params: dict) -> dict:
    env = params.get("env") or {}
    if isinstance(env, str):
        row = lookup.by_name_or_id(session, models.Environment, ctx, env)
        if row is None:
            raise exc.InputError("Environment is not found: %s" % env)
        env = dict(row.variables or {})
    elif not isinstance(env, dict):
        raise exc.InputError(
            "Unexpected value type for environment [env=%s, type=%s]"
            % (env, type(env)))
    if "evaluate_env" in params and not params["evaluate_env"]:
        return env
    return dataflow.evaluate(env, {dataflow.ENV_KEY: env}) if env else env


def _check_input(wf_spec, wf_input: dict) -> dict:
    missing = [k for k, v in wf_spec.input.items()
               if v is lang.REQUIRED and k not in wf_input]
    unexpected = [k for k in wf_input if k not in wf_spec.input]
    if missing or unexpected:
        cls = "DirectWorkflowSpec" if wf_spec.type == lang.DIRECT \
            else "ReverseWorkflowSpec"
        msg = "Invalid input [name=%s, class=%s" % (wf_spec.name, cls)
        if missing:
            msg += ", missing=%s" % missing
        if unexpected:
            msg += ", unexpected=%s" % unexpected
        raise exc.InputError(msg + "]")
    full = dict(wf_input)
    for key, default in wf_spec.input.items():
        if key not in full:
            full[key] = default
    return full


# -- start -----------------------------------------------------------------

def start(step, wf_def, wf_input: dict, description: str = "",
          params: Optional[dict] = None, wf_ex_id: Optional[str] = None,
          parent_task_ex=None, parent_wf_ex=None, index: int = 0):
    """Create a workflow execution and start its first tasks."""
    session = step.session
    definition = wf_def.definition
    key, wf_spec = specs.remember(definition)
    full_input = _check_input(wf_spec, dict(wf_input or {}))
    params = dict(params or {})
    params["env"] = _resolve_env(session, step.ctx, params)
    params.setdefault("namespace", wf_def.namespace or "")
    if wf_spec.type == lang.REVERSE:
        reverse.target_task_names(wf_spec, params)

    runtime_context = {"index": index}
    if wf_def.workbook_name:
        runtime_context["wb_name"] = wf_def.workbook_name
    wf_ex = models.WorkflowExecution(
        id=wf_ex_id or models.new_id(),
        project_id=(parent_wf_ex.project_id if parent_wf_ex is not None
                    else step.ctx.project_id),
        workflow_name=wf_def.name,
        workflow_namespace=wf_def.namespace or "",
        workflow_id=wf_def.id,
        description=description or "",
        spec_checksum=key,
        spec_definition=definition,
        state=states.RUNNING,
        tags=list(wf_def.tags or []),
        input=full_input,
        output={},
        params=params,
        runtime_context=runtime_context,
        context={},
        task_execution_id=parent_task_ex.id if parent_task_ex else None,
        root_execution_id=(
            (parent_wf_ex.root_execution_id or parent_wf_ex.id)
            if parent_wf_ex is not None else None),
        # Mistral creates the row IDLE and updates it to RUNNING at once.
        updated_at=models.utcnow(),
    )
    session.add(wf_ex)
    context = {dataflow.EXECUTION_KEY: {"id": wf_ex.id}}
    if wf_spec.vars:
        view = dataflow.eval_context(full_input, context, params["env"],
                                     provider=step.provider)
        context.update(dataflow.evaluate(wf_spec.vars, view))
    wf_ex.context = context
    session.flush()
    notify.workflow_event(step, wf_ex, None, states.RUNNING)

    dispatch(step, wf_ex, wf_spec, start_commands(wf_ex, wf_spec))
    check_and_complete(step, wf_ex, wf_spec)
    return wf_ex


def start_commands(wf_ex, wf_spec) -> list:
    if wf_spec.type == lang.REVERSE:
        required = reverse.target_task_names(wf_spec, wf_ex.params)
        names = reverse.start_task_names(wf_spec, required)
    else:
        names = direct.start_task_names(wf_spec)
    return [commands.run_task(n, {}) for n in names]


# -- commands ----------------------------------------------------------------

def dispatch(step, wf_ex, wf_spec, cmds: list,
             raise_errors: bool = False) -> None:
    """Carry out commands in Mistral's order; while the workflow is paused
    they wait in its backlog. With ``raise_errors`` a ``succeed`` whose
    output cannot be evaluated raises (the caller fails the task that
    issued it, as Mistral does)."""
    from mistral_clone.engine import tasks as task_handler
    for cmd in commands.rearrange(cmds):
        if states.is_completed(wf_ex.state):
            break
        if wf_ex.state == states.PAUSED:
            _save_to_backlog(wf_ex, cmd)
            continue
        if cmd.kind == commands.RUN_TASK:
            task_handler.run_task_command(step, wf_ex, wf_spec, cmd)
        elif cmd.kind == commands.FAIL:
            fail(step, wf_ex, wf_spec, cmd.msg)
        elif cmd.kind == commands.SUCCEED:
            succeed(step, wf_ex, wf_spec, cmd.msg, raise_errors=raise_errors)
        elif cmd.kind == commands.PAUSE:
            set_state(step, wf_ex, states.PAUSED, cmd.msg)


def _save_to_backlog(wf_ex, cmd) -> None:
    runtime_context = dict(wf_ex.runtime_context or {})
    backlog = list(runtime_context.get(BACKLOG_KEY) or [])
    backlog.append(cmd.to_dict())
    runtime_context[BACKLOG_KEY] = backlog
    wf_ex.runtime_context = runtime_context


def _pop_backlog(wf_ex) -> list:
    runtime_context = dict(wf_ex.runtime_context or {})
    backlog = runtime_context.pop(BACKLOG_KEY, None) or []
    if backlog:
        wf_ex.runtime_context = runtime_context
    return [commands.Command.from_dict(c) for c in backlog]


# -- state changes -----------------------------------------------------------

def set_state(step, wf_ex, state: str, state_info: Optional[str] = None
              ) -> None:
    current = wf_ex.state
    if not states.is_valid_transition(current, state):
        raise exc.WorkflowError(
            "Can't change workflow execution state from %s to %s. "
            "[workflow=%s, execution_id=%s]"
            % (current, state, wf_ex.workflow_name, wf_ex.id))
    if current == state:
        return
    wf_ex.state = state
    wf_ex.state_info = state_info
    wf_ex.accepted = states.is_completed(state)
    wf_ex.updated_at = models.utcnow()
    notify.workflow_event(step, wf_ex, current, state)
    if state == states.PAUSED or (current == states.PAUSED and
                                  state == states.RUNNING):
        from mistral_clone.engine import updates
        updates.notify_parent_later(step, wf_ex)


def _incomplete_task_count(session, wf_ex_id: str) -> int:
    model = models.TaskExecution
    stmt = sa.select(sa.func.count()).select_from(model).where(
        model.workflow_execution_id == wf_ex_id,
        model.state.in_(states.INCOMPLETE))
    return session.execute(stmt).scalar_one()


def _has_incomplete_task_in_step(step, wf_ex_id: str) -> bool:
    """A task this step created that is not finished (just started, still
    waiting) answers "not complete" without a query: the count would see
    the same row after the autoflush."""
    for task_ex in step.new_tasks:
        if task_ex.workflow_execution_id == wf_ex_id and \
                task_ex.state in states.INCOMPLETE:
            return True
    return False


def _count(session, wf_ex_id, *conditions) -> int:
    model = models.TaskExecution
    stmt = sa.select(sa.func.count()).select_from(model).where(
        model.workflow_execution_id == wf_ex_id, *conditions)
    return session.execute(stmt).scalar_one()


def check_and_complete(step, wf_ex, wf_spec) -> None:
    """Finish the workflow when no task is left to finish."""
    if states.is_paused_or_completed(wf_ex.state):
        return
    session = step.session
    if _has_incomplete_task_in_step(step, wf_ex.id) or \
            _incomplete_task_count(session, wf_ex.id):
        return
    task = models.TaskExecution
    if _count(session, wf_ex.id, task.state == states.CANCELLED):
        names = _task_names(session, wf_ex.id, states.CANCELLED)
        cancel(step, wf_ex, "Cancelled tasks: %s" % ", ".join(names))
    elif not _count(session, wf_ex.id, task.state == states.ERROR,
                    task.error_handled.is_(False)):
        succeed(step, wf_ex, wf_spec)
    else:
        fail(step, wf_ex, wf_spec, _fail_info(session, wf_ex))


def _task_names(session, wf_ex_id, state):
    model = models.TaskExecution
    stmt = sa.select(model.name).where(
        model.workflow_execution_id == wf_ex_id, model.state == state
    ).order_by(model.name)
    return list(session.execute(stmt).scalars())


def _fail_info(session, wf_ex) -> str:
    task = models.TaskExecution
    failed = session.execute(
        sa.select(task).where(task.workflow_execution_id == wf_ex.id,
                              task.state == states.ERROR,
                              task.error_handled.is_(False))
        .order_by(task.name)).scalars().all()
    msg = "Failure caused by error in tasks: %s\n" % ", ".join(
        t.name for t in failed)
    for t in failed:
        msg += "\n  %s [task_ex_id=%s] -> %s\n" % (t.name, t.id, t.state_info)
        if t.type == "WORKFLOW":
            model = models.WorkflowExecution
            rows = session.execute(
                sa.select(model).where(model.task_execution_id == t.id,
                                       model.state == states.ERROR)
            ).scalars().all()
            for i, child in enumerate(rows):
                msg += "    [wf_ex_id=%s, idx=%s]: %s\n" % (
                    child.id, i, (child.output or {}).get("result",
                                                          "Unknown"))
        else:
            model = models.ActionExecution
            rows = session.execute(
                sa.select(model).where(model.task_execution_id == t.id,
                                       model.accepted.is_(True))
                .order_by(model.created_at)).scalars().all()
            for i, action_ex in enumerate(rows):
                if action_ex.state == states.ERROR:
                    msg += "    [action_ex_id=%s, idx=%s]: %s\n" % (
                        action_ex.id, i,
                        (action_ex.output or {}).get("result", "Unknown"))
    return msg


def final_context(session, wf_ex) -> dict:
    """The outbound contexts of the tasks that ended a branch, merged."""
    model = models.TaskExecution
    rows = session.execute(
        sa.select(model).where(
            model.workflow_execution_id == wf_ex.id,
            model.has_next_tasks.is_(False),
            model.state.in_(states.COMPLETED),
        ).order_by(model.finished_at, model.created_at)).scalars().all()
    ctx = {}
    for t in rows:
        dataflow.merge_dicts(ctx, dataflow.outbound_context(
            t.in_context, t.published))
    return ctx


def _env(wf_ex) -> dict:
    return (wf_ex.params or {}).get("env") or {}


def succeed(step, wf_ex, wf_spec, msg: Optional[str] = None,
            raise_errors: bool = False) -> None:
    """Complete the workflow. An error in its output fails it with
    Mistral's "Failed to check and complete" message, or propagates with
    ``raise_errors``."""
    if states.is_completed(wf_ex.state):
        return
    final_ctx = final_context(step.session, wf_ex)
    try:
        output = dataflow.workflow_output(
            wf_spec.output, final_ctx, wf_ex.input, wf_ex.context,
            _env(wf_ex), step.provider)
    except exc.MistralError as e:
        if raise_errors:
            raise
        fail(step, wf_ex, wf_spec,
             "Failed to check and complete [wf_ex_id=%s, wf_name=%s]: %s"
             % (wf_ex.id, wf_ex.workflow_name, e), final_ctx=final_ctx)
        return
    set_state(step, wf_ex, states.SUCCESS, msg)
    wf_ex.output = output
    _report_to_parent(step, wf_ex)


def fail(step, wf_ex, wf_spec, msg: Optional[str],
         final_ctx: Optional[dict] = None) -> None:
    if states.is_completed(wf_ex.state):
        return
    output_on_error = {}
    if wf_spec.output_on_error:
        if final_ctx is None:
            final_ctx = final_context(step.session, wf_ex)
        try:
            output_on_error = dataflow.evaluate(
                wf_spec.output_on_error,
                dataflow.eval_context(wf_ex.input, wf_ex.context,
                                      _env(wf_ex), final_ctx, None,
                                      step.provider))
        except exc.MistralError as e:
            msg = ("Failed to evaluate expression in output-on-error! "
                   "(output-on-error: '%s', exception: '%s' Cause: '%s'"
                   % (wf_spec.output_on_error, e, msg))
    set_state(step, wf_ex, states.ERROR, msg)
    output = {"result": msg}
    if isinstance(output_on_error, dict):
        output.update(output_on_error)
    wf_ex.output = output
    _report_to_parent(step, wf_ex)


def cancel(step, wf_ex, msg: Optional[str]) -> None:
    if states.is_completed(wf_ex.state):
        return
    set_state(step, wf_ex, states.CANCELLED, msg)
    wf_ex.output = {"result": msg}
    _report_to_parent(step, wf_ex)


def force_fail(step, wf_ex, msg: str) -> None:
    """Fail the workflow because the engine could not go on (an expression
    error in a transition, a broken definition)."""
    fail(step, wf_ex, specs.workflow_spec(wf_ex), msg)


def _report_to_parent(step, wf_ex) -> None:
    if wf_ex.task_execution_id:
        from mistral_clone.rpc import clients
        step.after_commit(clients.get_engine_client().
                          report_subworkflow_result, step.ctx, wf_ex.id)


# -- continue / pause / resume / stop ---------------------------------------

def continue_after_task(step, wf_ex, wf_spec, cmds: list) -> None:
    dispatch(step, wf_ex, wf_spec, cmds)
    check_and_complete(step, wf_ex, wf_spec)


def child_executions(session, wf_ex_id: str, only_states=None) -> list:
    """Sub-workflow executions started by this execution's tasks."""
    task = models.TaskExecution
    child = models.WorkflowExecution
    task_ids = sa.select(task.id).where(
        task.workflow_execution_id == wf_ex_id, task.type == "WORKFLOW")
    stmt = sa.select(child.id).where(child.task_execution_id.in_(task_ids))
    if only_states:
        stmt = stmt.where(child.state.in_(only_states))
    return list(session.execute(stmt).scalars())


def pause(step, wf_ex, msg: Optional[str] = None) -> None:
    from mistral_clone.engine import step as step_mod
    if wf_ex.state == states.PAUSED:
        return
    set_state(step, wf_ex, states.PAUSED, msg)
    for child_id in child_executions(step.session, wf_ex.id,
                                     [states.RUNNING]):
        pause(step, step_mod.lock_workflow(step.session, child_id), msg)


def resume(step, wf_ex, env: Optional[dict] = None) -> None:
    from mistral_clone.engine import step as step_mod
    if wf_ex.state == states.RUNNING:
        return
    if wf_ex.state != states.PAUSED:
        raise exc.WorkflowError(
            "Can't change workflow execution state from %s to %s. "
            "[workflow=%s, execution_id=%s]"
            % (wf_ex.state, states.RUNNING, wf_ex.workflow_name, wf_ex.id))
    update_env(wf_ex, env)
    set_state(step, wf_ex, states.RUNNING)
    for child_id in child_executions(step.session, wf_ex.id,
                                     [states.PAUSED]):
        resume(step, step_mod.lock_workflow(step.session, child_id), env)
    wf_spec = specs.workflow_spec(wf_ex)
    cmds = [c for c in _pop_backlog(wf_ex) if c.kind != commands.PAUSE]
    from mistral_clone.engine import policies
    policies.run_paused_tasks(step, wf_ex, wf_spec)
    continue_after_task(step, wf_ex, wf_spec, cmds)


def update_env(wf_ex, env: Optional[dict]) -> None:
    if not env:
        return
    params = dict(wf_ex.params or {})
    merged = dict(params.get("env") or {})
    dataflow.merge_dicts(merged, env)
    params["env"] = merged
    wf_ex.params = params


def stop(step, wf_ex, state: str, msg: Optional[str] = None) -> None:
    from mistral_clone.engine import step as step_mod
    from mistral_clone.engine import tasks as task_handler
    wf_spec = specs.workflow_spec(wf_ex)
    # Mistral 23: cancelling a finished workflow and failing a paused or
    # finished one are silent no-ops; only SUCCESS checks the transition.
    if state == states.CANCELLED and states.is_completed(wf_ex.state):
        return
    if state == states.ERROR and states.is_paused_or_completed(wf_ex.state):
        return
    if state == states.SUCCESS and wf_ex.state == states.SUCCESS:
        return
    if not states.is_valid_transition(wf_ex.state, state):
        raise exc.WorkflowError(
            "Can't change workflow execution state from %s to %s. "
            "[workflow=%s, execution_id=%s]"
            % (wf_ex.state, state, wf_ex.workflow_name, wf_ex.id))
    if state == states.SUCCESS:
        succeed(step, wf_ex, wf_spec, msg)
    elif state == states.ERROR:
        fail(step, wf_ex, wf_spec, msg)
    elif state == states.CANCELLED:
        cancel(step, wf_ex, msg)
        task_handler.cancel_incomplete_tasks(step, wf_ex)
        for child_id in child_executions(step.session, wf_ex.id,
                                         states.INCOMPLETE):
            child = step_mod.lock_workflow(step.session, child_id)
            child_msg = msg
            stop(step, child, states.CANCELLED, child_msg)
    else:
        raise exc.WorkflowError("Invalid workflow state: %s" % state)
