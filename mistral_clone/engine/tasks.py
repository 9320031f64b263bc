"""The task handler: create and start tasks, complete them, and take the
transitions that follow. Runs inside an engine step on a locked workflow
execution.
"""

import logging
from typing import Any, Optional

import sqlalchemy as sa

from mistral_clone import exceptions as exc
from mistral_clone import lang
from mistral_clone.config import CONF
from mistral_clone.db import models
from mistral_clone.engine import actions as action_handler
from mistral_clone.engine import commands
from mistral_clone.engine import dataflow
from mistral_clone.engine import direct
from mistral_clone.engine import notify
from mistral_clone.engine import policies
from mistral_clone.engine import reverse
from mistral_clone.engine import rows
from mistral_clone.engine import states
from mistral_clone.engine import with_items
from mistral_clone.engine import workflows as wf_handler

LOG = logging.getLogger(__name__)

NO_RESULT = object()


def env_of(wf_ex) -> dict:
    return (wf_ex.params or {}).get("env") or {}


def task_view(step, wf_ex, task_ex, ctx: Optional[dict] = None) -> dict:
    """The evaluation context of a task (its inbound context by default)."""
    return dataflow.eval_context(
        wf_ex.input, wf_ex.context, env_of(wf_ex),
        task_ex.in_context if ctx is None else ctx,
        {"id": task_ex.id, "name": task_ex.name}, step.provider)


# -- creating tasks ----------------------------------------------------------

def _new_task_ex(step, wf_ex, task_spec, state, in_context,
                 unique_key=None):
    task_ex = models.TaskExecution(
        id=models.new_id(),
        project_id=wf_ex.project_id,
        name=task_spec.name,
        workflow_execution_id=wf_ex.id,
        workflow_name=wf_ex.workflow_name,
        workflow_namespace=wf_ex.workflow_namespace,
        workflow_id=wf_ex.workflow_id,
        type=task_spec.type,
        state=state,
        tags=list(task_spec.tags or []),
        unique_key=unique_key,
        spec=task_spec.to_dict(),
        in_context=in_context or {},
        published={},
        runtime_context={},
        next_tasks=[],
        started_at=models.utcnow() if state == states.RUNNING else None,
    )
    # A Core INSERT (queued with the step's other new rows) instead of a
    # flush of the unit of work.
    rows.insert(step.session, task_ex)
    step.new_tasks.append(task_ex)
    return task_ex


def run_task_command(step, wf_ex, wf_spec, cmd) -> None:
    task_spec = wf_spec.tasks[cmd.task_name]
    if cmd.join:
        _run_join(step, wf_ex, wf_spec, task_spec)
        return
    ctx = cmd.ctx
    if wf_spec.type == lang.REVERSE:
        ctx = _reverse_inbound_context(step, wf_ex, wf_spec, task_spec)
    task_ex = _new_task_ex(step, wf_ex, task_spec, states.RUNNING, ctx)
    notify.task_event(step, wf_ex, task_ex, None, states.RUNNING)
    if policies.before_start(step, wf_ex, wf_spec, task_ex, task_spec):
        start(step, wf_ex, wf_spec, task_ex, task_spec)


def _reverse_inbound_context(step, wf_ex, wf_spec, task_spec) -> dict:
    required = reverse.target_task_names(wf_spec, wf_ex.params)
    names = reverse.upstream_names(wf_spec, task_spec.name, required)
    if not names:
        return {}
    model = models.TaskExecution
    rows = step.session.execute(
        sa.select(model).where(model.workflow_execution_id == wf_ex.id,
                               model.name.in_(names),
                               model.state == states.SUCCESS)
        .order_by(model.created_at)).scalars().all()
    return dataflow.upstream_context(
        [dataflow.outbound_context(t.in_context, t.published) for t in rows])


def _join_key(wf_ex, task_name):
    return "join-task-%s-%s" % (wf_ex.id, task_name)


def _run_join(step, wf_ex, wf_spec, task_spec) -> None:
    model = models.TaskExecution
    key = _join_key(wf_ex, task_spec.name)
    task_ex = step.session.execute(
        sa.select(model).where(model.workflow_execution_id == wf_ex.id,
                               model.unique_key == key,
                               model.state == states.WAITING)
    ).scalars().first()
    if task_ex is None:
        done = step.session.execute(
            sa.select(model).where(model.workflow_execution_id == wf_ex.id,
                                   model.unique_key == key,
                                   model.state == states.SUCCESS)
        ).scalars().first()
        if done is not None:
            _run_join_again(step, wf_ex, wf_spec, done, task_spec)
            return
        task_ex = _new_task_ex(step, wf_ex, task_spec, states.WAITING, {},
                               unique_key=key)
    evaluate_join(step, wf_ex, wf_spec, task_ex, task_spec)


def _run_join_again(step, wf_ex, wf_spec, task_ex, task_spec) -> None:
    """Mistral's behaviour when a join (one, or a number) is triggered
    again after it ran: the same task execution runs its action once more
    and its result becomes the list of every run's result."""
    runtime_context = dict(task_ex.runtime_context or {})
    runs = runtime_context.get("join_runs", 1)
    runtime_context["join_runs"] = runs + 1
    task_ex.runtime_context = runtime_context
    task_ex.state = states.RUNNING
    task_ex.state_info = None
    task_ex.processed = False
    task_ex.finished_at = None
    notify.task_event(step, wf_ex, task_ex, states.SUCCESS, states.RUNNING)
    try:
        view = task_view(step, wf_ex, task_ex)
        schedule_one(step, wf_ex, task_ex, task_spec, view, runs)
    except SubworkflowStartError as e:
        complete(step, wf_ex, wf_spec, task_ex, states.ERROR, str(e))
    except exc.MistralError as e:
        fail_on_start(step, wf_ex, wf_spec, task_ex, e)


def _join_facts(step, wf_ex, wf_spec, join_name) -> dict:
    names = direct.join_route_names(wf_spec, join_name)
    if not names:
        return {}
    model = models.TaskExecution
    rows = step.session.execute(
        sa.select(model.id, model.name, model.state, model.next_tasks)
        .where(model.workflow_execution_id == wf_ex.id,
               model.name.in_(names))
        .order_by(model.created_at)).all()
    facts = {}
    for row in rows:
        pairs = row.next_tasks or []
        facts[row.name] = direct.InboundFact(
            row.id, row.state, [p[0] for p in pairs],
            {p[0]: p[1] for p in pairs})
    return facts


def evaluate_join(step, wf_ex, wf_spec, task_ex, task_spec) -> None:
    """Start a waiting join task, fail it, or leave it waiting."""
    facts = _join_facts(step, wf_ex, wf_spec, task_spec.name)
    result = direct.join_state(wf_spec, task_spec, facts)
    if result.state == states.WAITING:
        task_ex.state_info = result.state_info
        return
    if result.state == states.ERROR:
        task_ex.result = []
        complete(step, wf_ex, wf_spec, task_ex, states.ERROR,
                 result.state_info, [])
        return
    ids = [t["task_id"] for t in result.triggered_by]
    model = models.TaskExecution
    rows = step.session.execute(
        sa.select(model).where(model.id.in_(ids)).order_by(
            model.created_at)).scalars().all() if ids else []
    task_ex.in_context = dataflow.upstream_context(
        [dataflow.outbound_context(t.in_context, t.published,
                                   CONF.engine.merge_strategy)
         for t in rows])
    task_ex.state = states.RUNNING
    task_ex.state_info = None
    task_ex.started_at = models.utcnow()
    notify.task_event(step, wf_ex, task_ex, states.WAITING, states.RUNNING)
    if policies.before_start(step, wf_ex, wf_spec, task_ex, task_spec):
        start(step, wf_ex, wf_spec, task_ex, task_spec)


# -- starting tasks ----------------------------------------------------------

def start(step, wf_ex, wf_spec, task_ex, task_spec) -> None:
    """Run the task's action(s) or sub-workflow(s).

    As in Mistral, an error on the way (an expression, an unknown action,
    bad action input) fails the task and the whole workflow at once,
    without publishing or transitions; a sub-workflow that cannot start
    fails only the task (its on-error still runs)."""
    try:
        if task_spec.with_items:
            with_items.start(step, wf_ex, wf_spec, task_ex, task_spec)
        else:
            view = task_view(step, wf_ex, task_ex)
            schedule_one(step, wf_ex, task_ex, task_spec, view, 0)
    except SubworkflowStartError as e:
        complete(step, wf_ex, wf_spec, task_ex, states.ERROR, str(e), [])
    except exc.MistralError as e:
        fail_on_start(step, wf_ex, wf_spec, task_ex, e)


class SubworkflowStartError(exc.MistralError):
    """A sub-workflow could not start (unknown workflow, bad input)."""


def fail_on_start(step, wf_ex, wf_spec, task_ex, error) -> None:
    msg = "Failed to run task [error=%s, wf=%s, task=%s]" % (
        error, wf_ex.workflow_name, task_ex.name)
    LOG.info(msg)
    previous = task_ex.state
    task_ex.state = states.ERROR
    task_ex.state_info = msg
    task_ex.result = []
    task_ex.finished_at = models.utcnow()
    task_ex.processed = True
    notify.task_event(step, wf_ex, task_ex, previous, states.ERROR)
    wf_handler.fail(step, wf_ex, wf_spec, msg)


def evaluate_input(task_spec, view) -> dict:
    raw = task_spec.input
    value = dataflow.evaluate(raw, view)
    if not isinstance(value, dict):
        raise exc.InputError(
            "Task input must be a dictionary [task=%s, input=%s]"
            % (task_spec.name, value))
    return value


def schedule_one(step, wf_ex, task_ex, task_spec, view, index: int,
                 task_input: Optional[dict] = None) -> None:
    """Start one action execution or sub-workflow for the task."""
    if task_input is None:
        task_input = evaluate_input(task_spec, view)
    if task_spec.workflow:
        _start_subworkflow(step, wf_ex, task_ex, task_spec, task_input,
                           view, index)
    else:
        action_handler.schedule(step, wf_ex, task_ex, task_spec,
                                task_input, index, view)


def _start_subworkflow(step, wf_ex, task_ex, task_spec, task_input, view,
                       index):
    wf_name = dataflow.evaluate(task_spec.workflow, view)
    wb_name = (wf_ex.runtime_context or {}).get("wb_name")
    params = {"env": env_of(wf_ex)}
    for key in ("notify", "evaluate_env"):
        if key in (wf_ex.params or {}):
            params[key] = wf_ex.params[key]
    # Rows queued before the savepoint belong to the step, not to it.
    rows.send_pending(step.session)
    try:
        with step.session.begin_nested():
            try:
                wf_def = wf_handler.find_definition(
                    step.session, step.ctx, wf_name,
                    wf_ex.workflow_namespace, wb_name)
            except exc.NotFoundError:
                raise exc.WorkflowError(
                    "Failed to find workflow [name=%s] [namespace=%s]"
                    % (wf_name, wf_ex.workflow_namespace or "")) from None
            wf_handler.start(step, wf_def, task_input, "", params,
                             parent_task_ex=task_ex, parent_wf_ex=wf_ex,
                             index=index)
    except exc.MistralError as e:
        # The child's rows queued inside the rolled back savepoint.
        rows.discard_pending(step.session)
        raise SubworkflowStartError(str(e)) from e


# -- completing tasks --------------------------------------------------------

def result_of(task_ex) -> Any:
    return task_ex.result


def complete(step, wf_ex, wf_spec, task_ex, state: str,
             state_info: Optional[str], result: Any = NO_RESULT) -> None:
    """Finish a task exactly once: publish, then take its transitions."""
    if states.is_completed(task_ex.state):
        return
    task_spec = wf_spec.tasks[task_ex.name]
    if result is not NO_RESULT:
        task_ex.result = result
    previous = task_ex.state
    task_ex.state = state
    task_ex.state_info = state_info
    task_ex.finished_at = models.utcnow()
    try:
        _publish(step, wf_ex, task_ex, task_spec)
    except exc.MistralError as e:
        force_fail(step, wf_ex, wf_spec, task_ex, e)
        return
    if not _keep_result(task_spec):
        task_ex.result = None
        action_handler.drop_outputs(step, task_ex)
    notify.task_event(step, wf_ex, task_ex, previous, task_ex.state)
    if policies.after_complete(step, wf_ex, wf_spec, task_ex, task_spec):
        return  # deferred: wait-after, retry
    after_complete(step, wf_ex, wf_spec, task_ex, task_spec)


def _keep_result(task_spec) -> bool:
    value = task_spec.keep_result
    if isinstance(value, str):
        return value.strip().lower() not in ("false", "0", "no")
    return value is not False


def _publish(step, wf_ex, task_ex, task_spec) -> None:
    """Mistral's publish (``dataflow.publish_vars``); an expression error
    propagates (the caller force-fails the task, as Mistral does)."""
    publish_spec = dataflow.publish_vars(task_spec, task_ex.state)
    if publish_spec is None:
        return
    branch, global_ = dataflow.publish(publish_spec,
                                       task_view(step, wf_ex, task_ex))
    task_ex.published = branch
    if global_:
        context = dict(wf_ex.context or {})
        dataflow.merge_dicts(context, global_)
        wf_ex.context = context


def force_fail(step, wf_ex, wf_spec, task_ex, error) -> None:
    """Mistral's answer to an error while handling a task's completion
    (publish, transitions, an engine command): the task and the workflow
    fail with "Failed to handle action completion [...]"."""
    spec = wf_spec.tasks.get(task_ex.name)
    action = (getattr(spec, "workflow", None) or getattr(spec, "action", None)
              or "std.noop") if spec is not None else ""
    msg = ("Failed to handle action completion [error=%s, wf=%s, task=%s, "
           "action=%s]" % (error, wf_ex.workflow_name, task_ex.name, action))
    LOG.info(msg)
    previous = task_ex.state
    task_ex.state = states.ERROR
    task_ex.state_info = msg
    task_ex.processed = True
    task_ex.finished_at = task_ex.finished_at or models.utcnow()
    if previous != states.ERROR:
        notify.task_event(step, wf_ex, task_ex, previous, states.ERROR)
    wf_handler.fail(step, wf_ex, wf_spec, msg)


def after_complete(step, wf_ex, wf_spec, task_ex, task_spec) -> None:
    """Take the transitions of a finished task, wake affected joins and
    finish the workflow when nothing is left."""
    try:
        if wf_spec.type == lang.REVERSE:
            cmds = _reverse_next(step, wf_ex, wf_spec, task_ex)
        else:
            cmds = _direct_next(step, wf_ex, wf_spec, task_ex, task_spec)
        task_ex.processed = True
        wf_handler.dispatch(step, wf_ex, wf_spec, cmds, raise_errors=True)
    except exc.MistralError as e:
        force_fail(step, wf_ex, wf_spec, task_ex, e)
        return
    if wf_spec.type != lang.REVERSE:
        _wake_joins(step, wf_ex, wf_spec, task_ex.name)
    wf_handler.check_and_complete(step, wf_ex, wf_spec)


def _direct_next(step, wf_ex, wf_spec, task_ex, task_spec) -> list:
    outbound = dataflow.outbound_context(task_ex.in_context,
                                         task_ex.published,
                                         CONF.engine.merge_strategy)
    view = task_view(step, wf_ex, task_ex, outbound)
    transitions = direct.next_transitions(
        task_spec, task_ex.state,
        lambda value: dataflow.evaluate(value, view))
    task_ex.next_tasks = [[t.target, t.event] for t in transitions]
    task_ex.has_next_tasks = any(
        t.target in wf_spec.tasks for t in transitions)
    if task_ex.state == states.ERROR:
        task_ex.error_handled = direct.error_handled(task_spec)
    return direct.to_commands(wf_spec, task_ex.id, transitions, outbound)


def _reverse_next(step, wf_ex, wf_spec, task_ex) -> list:
    if task_ex.state != states.SUCCESS:
        return []
    required = reverse.target_task_names(wf_spec, wf_ex.params)
    candidates = [n for n in required
                  if task_ex.name in reverse.upstream_names(wf_spec, n,
                                                            required)]
    if not candidates:
        return []
    needs = set()
    for name in candidates:
        needs.update(reverse.upstream_names(wf_spec, name, required))
    needs.update(candidates)
    model = models.TaskExecution
    rows = step.session.execute(
        sa.select(model.name, model.state).where(
            model.workflow_execution_id == wf_ex.id,
            model.name.in_(needs))).all()
    succeeded = {r.name for r in rows if r.state == states.SUCCESS}
    started = {r.name for r in rows}
    task_ex.has_next_tasks = True
    ready = reverse.next_task_names(wf_spec, required, task_ex.name,
                                    succeeded)
    return [commands.run_task(n, {}) for n in ready if n not in started]


def _wake_joins(step, wf_ex, wf_spec, task_name) -> None:
    joins = direct.downstream_joins(wf_spec, task_name)
    if not joins:
        return
    model = models.TaskExecution
    waiting = step.session.execute(
        sa.select(model).where(model.workflow_execution_id == wf_ex.id,
                               model.name.in_(joins),
                               model.state == states.WAITING)
    ).scalars().all()
    for task_ex in waiting:
        if states.is_completed(wf_ex.state) or \
                wf_ex.state == states.PAUSED:
            return
        evaluate_join(step, wf_ex, wf_spec, task_ex,
                      wf_spec.tasks[task_ex.name])


# -- results arriving --------------------------------------------------------

def on_execution_done(step, wf_ex, wf_spec, task_ex, state, result,
                      error_info, index) -> None:
    """One action execution or sub-workflow of the task has finished."""
    if states.is_completed(task_ex.state):
        return
    task_spec = wf_spec.tasks[task_ex.name]
    if task_spec.with_items:
        with_items.on_item_done(step, wf_ex, wf_spec, task_ex, task_spec,
                                state)
        return
    state_info = None
    if state != states.SUCCESS:
        state_info = str(error_info) if error_info else None
    if (task_ex.runtime_context or {}).get("join_runs"):
        result = with_items.results(step, task_ex)
    complete(step, wf_ex, wf_spec, task_ex, state, state_info, result)


def cancel_incomplete_tasks(step, wf_ex) -> None:
    model = models.TaskExecution
    rows = step.session.execute(
        sa.select(model).where(model.workflow_execution_id == wf_ex.id,
                               model.state.in_(states.INCOMPLETE))
    ).scalars().all()
    for task_ex in rows:
        previous = task_ex.state
        task_ex.state = states.CANCELLED
        task_ex.finished_at = models.utcnow()
        notify.task_event(step, wf_ex, task_ex, previous, states.CANCELLED)
        action_handler.cancel_running(step, task_ex)


# -- rerun and skip ----------------------------------------------------------

def rerun(step, wf_ex, wf_spec, task_ex, reset: bool = True) -> None:
    task_spec = wf_spec.tasks[task_ex.name]
    if task_ex.state != states.ERROR:
        raise exc.WorkflowError(
            "Invalid task state for rerun [task_ex_id=%s, state=%s]"
            % (task_ex.id, task_ex.state))
    failed_only = bool(task_spec.with_items) and not reset
    action_handler.discard_results(step, task_ex, failed_only)
    task_ex.state = states.RUNNING
    task_ex.state_info = None
    task_ex.published = {}
    task_ex.processed = False
    task_ex.error_handled = False
    task_ex.next_tasks = []
    task_ex.has_next_tasks = False
    task_ex.finished_at = None
    task_ex.result = None
    notify.task_event(step, wf_ex, task_ex, states.ERROR, states.RUNNING)
    if failed_only:
        with_items.restart_failed(step, wf_ex, wf_spec, task_ex, task_spec)
    else:
        task_ex.runtime_context = {}
        if policies.before_start(step, wf_ex, wf_spec, task_ex, task_spec):
            start(step, wf_ex, wf_spec, task_ex, task_spec)


def skip(step, wf_ex, wf_spec, task_ex) -> None:
    task_spec = wf_spec.tasks[task_ex.name]
    if task_ex.state != states.ERROR:
        raise exc.WorkflowError(
            "Only task in ERROR state can be skipped [task_ex_id=%s, "
            "state=%s]" % (task_ex.id, task_ex.state))
    task_ex.state = states.SKIPPED
    task_ex.state_info = None
    task_ex.finished_at = models.utcnow()
    task_ex.error_handled = False
    try:
        _publish(step, wf_ex, task_ex, task_spec)
    except exc.MistralError as e:
        force_fail(step, wf_ex, wf_spec, task_ex, e)
        return
    notify.task_event(step, wf_ex, task_ex, states.ERROR, states.SKIPPED)
    after_complete(step, wf_ex, wf_spec, task_ex, task_spec)
