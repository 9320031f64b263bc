"""Action executions: create them, send them to an executor after the
commit, and store their results when they come back."""

import functools
import logging
from typing import Optional

import sqlalchemy as sa

from mistral_clone import actions as std_actions
from mistral_clone import exceptions as exc
from mistral_clone.actions import signature
from mistral_clone.db import models
from mistral_clone.engine import adhoc
from mistral_clone.engine import dataflow
from mistral_clone.engine import rows
from mistral_clone.engine import states

LOG = logging.getLogger(__name__)


def row_dict(row) -> dict:
    """Every column of a row, deferred ones included (in its session)."""
    return {c.key: getattr(row, c.key)
            for c in sa.inspect(type(row)).column_attrs}


def exec_context(action_ex, wf_ex=None, task_ex=None, index=0) -> dict:
    """What the executor hands to the action as its ActionContext."""
    return {
        "workflow_execution_id": wf_ex.id if wf_ex else None,
        "task_execution_id": task_ex.id if task_ex else None,
        "action_execution_id": action_ex.id,
        "workflow_name": wf_ex.workflow_name if wf_ex else None,
        "callback_url": "/v2/action_executions/%s" % action_ex.id,
        "with_items_index": index,
    }


def check_python_input(python_name: str, action_input: dict) -> None:
    signature.check_input(std_actions.get_action_class(python_name),
                          action_input)


def schedule(step, wf_ex, task_ex, task_spec, task_input: dict, index: int,
             view: dict) -> models.ActionExecution:
    """Create an action execution of the task and send it after commit."""
    action_name = dataflow.evaluate(task_spec.action, view)
    wb_name = (wf_ex.runtime_context or {}).get("wb_name")
    resolved = adhoc.resolve_cached(step.session, action_name,
                                    wf_ex.workflow_namespace, wb_name,
                                    wf_ex.project_id)
    base_input = adhoc.base_input(
        resolved, task_input, (wf_ex.params or {}).get("env"),
        {"id": wf_ex.id})
    check_python_input(resolved.python_name, base_input)
    safe_rerun = bool(dataflow.evaluate(task_spec.safe_rerun, view))
    target = dataflow.evaluate(task_spec.target, view) \
        if task_spec.target else None
    action_ex = models.ActionExecution(
        id=models.new_id(),
        project_id=wf_ex.project_id,
        name=resolved.name,
        workflow_name=wf_ex.workflow_name,
        workflow_namespace=wf_ex.workflow_namespace,
        task_execution_id=task_ex.id,
        state=states.RUNNING,
        accepted=False,
        is_sync=True,
        index=index,
        input=task_input if resolved.is_adhoc else base_input,
        runtime_context={"index": index, "safe_rerun": safe_rerun,
                         "adhoc": resolved.is_adhoc,
                         "target": target},
    )
    rows.insert(step.session, action_ex)
    exec_ctx = exec_context(action_ex, wf_ex, task_ex, index)
    if step.runs_inline and not target and \
            resolved.python_name in inline_action_names():
        step.run_inline(_inline_job(step, wf_ex, task_ex, action_ex,
                                    resolved.python_name, base_input,
                                    exec_ctx))
    else:
        send(step, action_ex.id, resolved.python_name, base_input,
             exec_ctx, target)
    return action_ex


# Instant, side-effect-free actions: what ``[executor] type = local`` runs
# in the engine itself when ``[engine] inline_actions`` is not set.
TRIVIAL_ACTIONS = ("std.noop", "std.echo", "std.fail")


def inline_action_names() -> frozenset:
    """Actions the engine runs in the step that starts them, instead of
    sending them to an executor: ``[engine] inline_actions``, else the
    trivial std actions when ``[executor] type = local``, else none."""
    from mistral_clone.config import CONF
    names = CONF.engine.inline_actions
    if not names and CONF.executor.type == "local":
        names = TRIVIAL_ACTIONS
    key = tuple(names or ())
    cached = _inline_names_cache.get(key)
    if cached is None:
        cached = _inline_names_cache[key] = frozenset(key)
    return cached


_inline_names_cache = {}


def _overflow(step, wf_ex_id, action_ex_id, python_name, base_input,
              exec_ctx) -> None:
    """An inline action past the step's limit: after the commit it runs in
    this process all the same, in the background, and its result joins this
    process's engine queue (batches of one execution's results, each batch
    one transaction); with no engine in this process it goes to an
    executor. A crash before its result is stored leaves it RUNNING, as an
    executor's crash would (the heartbeat checker takes it over)."""
    from mistral_clone.engine import completions
    queue = completions.local_queue()
    if queue is None:
        send(step, action_ex_id, python_name, base_input, exec_ctx)
        return
    pending = step.inline_overflow.setdefault(wf_ex_id, [])
    if not pending:
        step.after_commit(_run_overflow, queue, step.ctx, wf_ex_id, pending)
    pending.append((action_ex_id, python_name, base_input, exec_ctx))


def _run_overflow(queue, ctx, wf_ex_id, pending) -> None:
    from mistral_clone.executor import endpoint as executor_endpoint
    queue.submit_later(wf_ex_id, lambda: [
        (ctx, action_ex_id,
         executor_endpoint.run(ctx, action_ex_id, name, base_input,
                               exec_ctx))
        for action_ex_id, name, base_input, exec_ctx in pending])


def _inline_job(step, wf_ex, task_ex, action_ex, python_name, base_input,
                exec_ctx):
    """Run the action in this step and take its result as an executor's
    (``run_here``), or send it to an executor after all."""
    def job(run_here: bool) -> None:
        if not run_here:
            _overflow(step, wf_ex.id, action_ex.id, python_name, base_input,
                      exec_ctx)
            return
        if states.is_completed(action_ex.state) or action_ex.accepted:
            return
        from mistral_clone.engine import specs
        from mistral_clone.engine import tasks as task_handler
        from mistral_clone.executor import endpoint as executor_endpoint
        result = executor_endpoint.run(step.ctx, action_ex.id, python_name,
                                       base_input, exec_ctx)
        state, value = store_result(step, action_ex, result, wf_ex)
        task_handler.on_execution_done(
            step, wf_ex, specs.workflow_spec(wf_ex), task_ex, state, value,
            value, action_ex.index)
    return job


def send(step, action_ex_id, python_name, base_input, exec_ctx,
         target=None) -> None:
    from mistral_clone.executor import endpoint as executor_endpoint
    from mistral_clone.rpc import clients
    from mistral_clone.rpc import serializer
    from mistral_clone.rpc import transport
    local = executor_endpoint.local_executor() if not target else None
    if local is not None and transport.is_in_process():
        # The in-process executor: the same hand-over as an RPC cast on
        # ``fake:/`` (arguments copied as they would be on the wire),
        # without the message.
        ctx = step.ctx
        step.after_commit(
            lambda: local.run_action(
                ctx, action_ex_id, python_name,
                serializer.from_primitive(serializer.to_primitive(
                    base_input)),
                dict(exec_ctx)))
        return
    step.after_commit_grouped(
        ("run_actions", target), functools.partial(_send_many, step.ctx,
                                                   target),
        {"action_ex_id": action_ex_id, "action_name": python_name,
         "action_input": base_input, "exec_ctx": exec_ctx,
         "target": target})


def _send_many(ctx, target, actions: list) -> None:
    from mistral_clone.rpc import clients
    clients.get_executor_client(target).run_actions(ctx, actions)


def cancel_running(step, task_ex) -> None:
    model = models.ActionExecution
    step.session.execute(
        sa.update(model).where(model.task_execution_id == task_ex.id,
                               model.state == states.RUNNING)
        .values(state=states.CANCELLED, updated_at=models.utcnow()))


def drop_outputs(step, task_ex) -> None:
    """``keep-result: false``: the results are not kept once published."""
    model = models.ActionExecution
    step.session.execute(
        sa.update(model).where(model.task_execution_id == task_ex.id)
        .values(output={}))


def discard_results(step, task_ex, failed_only: bool) -> None:
    """Before a rerun: the old results no longer count."""
    model = models.ActionExecution
    stmt = sa.update(model).where(model.task_execution_id == task_ex.id)
    if failed_only:
        stmt = stmt.where(model.state == states.ERROR)
    step.session.execute(stmt.values(accepted=False))


def _final_state(result: dict) -> str:
    if result.get("cancel"):
        return states.CANCELLED
    if result.get("error") is not None:
        return states.ERROR
    return states.SUCCESS


def store_result(step, action_ex, result: dict, wf_ex=None):
    """Store a final result on the action execution; returns (state,
    value) as the task sees them (ad-hoc output applied)."""
    state = _final_state(result)
    value = result.get("error") if state == states.ERROR \
        else result.get("data")
    if state == states.SUCCESS and \
            (action_ex.runtime_context or {}).get("adhoc"):
        try:
            resolved = adhoc.resolve(
                step.session, action_ex.name,
                action_ex.workflow_namespace,
                ((wf_ex.runtime_context or {}).get("wb_name")
                 if wf_ex is not None else None),
                action_ex.project_id)
            value = adhoc.transform_output(resolved, value)
        except exc.MistralError as e:
            state, value = states.ERROR, str(e)
    action_ex.state = state
    action_ex.output = {"result": value}
    action_ex.accepted = True
    action_ex.updated_at = models.utcnow()
    return state, value


def is_async_ack(result: dict) -> bool:
    """An asynchronous action started fine: its result comes later."""
    return result.get("sync") is False and result.get("error") is None \
        and not result.get("cancel")


def create_standalone(step, action_name: str, action_input: dict,
                      description: Optional[str], namespace: str,
                      save: bool):
    """An action execution outside any workflow (POST
    /v2/action_executions); returns (row or None, resolved, base input)."""
    try:
        resolved = adhoc.resolve(step.session, action_name, namespace, None,
                                 step.ctx.project_id)
    except exc.InvalidActionError as e:
        if not str(e).startswith("Failed to find action"):
            raise
        # Mistral's message here names no namespace.
        raise exc.InvalidActionError(
            "Failed to find action [action_name=%s]" % action_name) from None
    base_input = adhoc.base_input(resolved, action_input)
    check_python_input(resolved.python_name, base_input)
    if not save:
        return None, resolved, base_input
    action_ex = models.ActionExecution(
        id=models.new_id(),
        project_id=step.ctx.project_id,
        name=resolved.name,
        description=description or "",
        workflow_namespace=namespace or "",
        state=states.RUNNING,
        accepted=False,
        is_sync=True,
        input=action_input if resolved.is_adhoc else base_input,
        runtime_context={"adhoc": resolved.is_adhoc},
    )
    step.session.add(action_ex)
    step.session.flush()
    return action_ex, resolved, base_input
