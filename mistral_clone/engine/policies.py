"""Task policies at run time: wait-before, wait-after, retry, timeout,
pause-before, concurrency and fail-on.

The task handler calls two hooks: ``before_start`` when a task is about to
run its action(s) and ``after_complete`` when it has just finished. Every
delay is a durable timer (``scheduler.schedule_call``) written in the
engine step that decided it, so a wait survives any restart; the timers
fire ``continue_task``, ``complete_task`` and ``fail_if_incomplete`` below,
each in the scheduler's claiming transaction (the timer's end and its
effect commit together).

Policy values may be expressions, evaluated in the task's data context and
then type-checked as Mistral does (a bad value fails the task with
Mistral's "Invalid data type in <Policy>: ..." message). What is kept in
the task's ``runtime_context`` follows Mistral: ``wait_before_policy:
{skip: true}``, ``wait_after_policy: {skip: true}``, ``retry_task_policy:
{retry_no: N}`` and ``concurrency``.
"""

import copy
import dataclasses
import logging
from typing import Any, Callable, Optional

import jsonschema
import sqlalchemy as sa

from mistral_clone import context as mc_context
from mistral_clone import exceptions as exc
from mistral_clone.db import models
from mistral_clone.engine import dataflow
from mistral_clone.engine import notify
from mistral_clone.engine import states

LOG = logging.getLogger(__name__)

_MODULE = __name__
CONTINUE_TASK = _MODULE + ".continue_task"
COMPLETE_TASK = _MODULE + ".complete_task"
FAIL_IF_INCOMPLETE = _MODULE + ".fail_if_incomplete"

WAIT_BEFORE_KEY = "wait_before_policy"
WAIT_AFTER_KEY = "wait_after_policy"
RETRY_KEY = "retry_task_policy"
CONCURRENCY_KEY = "concurrency"

PAUSED_INFO = "Set by 'pause-before' policy"
FAIL_ON_INFO = "Failed by 'fail-on' policy"

_DELAY = {"type": "integer", "minimum": 0}
SCHEMAS = {
    "WaitBeforePolicy": {"properties": {"delay": _DELAY}},
    "WaitAfterPolicy": {"properties": {"delay": _DELAY}},
    "RetryPolicy": {"properties": {"delay": _DELAY, "count": _DELAY}},
    "TimeoutPolicy": {"properties": {"delay": _DELAY}},
    "PauseBeforePolicy": {"properties": {"expr": {"type": "boolean"}}},
    "ConcurrencyPolicy": {"properties": {"concurrency": _DELAY}},
}


# -- pure logic ---------------------------------------------------------------

def is_set(name: str, value: Any) -> bool:
    """Whether a policy value asks for something (Mistral builds a policy
    only then): an expression, a number > 0, or a truthy flag."""
    if name in ("wait_before", "wait_after", "timeout"):
        return isinstance(value, str) or bool(
            isinstance(value, (int, float)) and value > 0)
    return bool(value)


def check(policy: str, **props) -> None:
    """Type-check evaluated policy values as Mistral does; raises
    InvalidModelError with Mistral's message."""
    try:
        jsonschema.validate(props, SCHEMAS[policy])
    except jsonschema.ValidationError as e:
        raise exc.InvalidModelError(
            "Invalid data type in %s: %s. Value(s) can be shown after YAQL "
            "evaluating. If you use YAQL here, please correct it."
            % (policy, e))


@dataclasses.dataclass
class StartDecision:
    """What the policies ask for before a task runs."""

    pause_before: bool = False
    wait_before: int = 0
    timeout: int = 0
    concurrency: int = 0


def decide_start(policies, evaluate: Callable[[Any], Any]) -> StartDecision:
    """Evaluate and check the policies that act before a task starts (the
    retry values are checked too, as Mistral does at that point)."""
    decision = StartDecision()
    if policies.pause_before:
        expr = evaluate(policies.pause_before)
        check("PauseBeforePolicy", expr=expr)
        decision.pause_before = expr
    if is_set("wait_before", policies.wait_before):
        delay = evaluate(policies.wait_before)
        check("WaitBeforePolicy", delay=delay)
        decision.wait_before = delay
    if is_set("wait_after", policies.wait_after):
        check("WaitAfterPolicy", delay=evaluate(policies.wait_after))
    if policies.retry is not None:
        check("RetryPolicy", count=evaluate(policies.retry.count),
              delay=evaluate(policies.retry.delay))
    if is_set("timeout", policies.timeout):
        delay = evaluate(policies.timeout)
        check("TimeoutPolicy", delay=delay)
        decision.timeout = delay
    if policies.concurrency:
        value = evaluate(policies.concurrency)
        check("ConcurrencyPolicy", concurrency=value)
        decision.concurrency = value
    return decision


def should_retry(state: str, retry_no: int, count: int,
                 continue_on_given: bool, continue_on: Any,
                 break_on: Any) -> bool:
    """Mistral's retry rule for a finished task (SUCCESS or ERROR).

    A success is retried only while ``continue-on`` holds; an error is
    retried unless ``break-on`` holds; ``continue-on`` given and false
    stops either; never more than ``count`` times."""
    if retry_no >= count:
        return False
    if state == states.SUCCESS and not continue_on_given:
        return False
    if continue_on_given and not continue_on:
        return False
    if state == states.ERROR and break_on:
        return False
    return True


# -- hooks called by the task handler ----------------------------------------

def _handlers():
    from mistral_clone.engine import tasks as task_handler
    from mistral_clone.engine import workflows as wf_handler
    return task_handler, wf_handler


def _has_start_policies(policies) -> bool:
    return bool(policies.pause_before or policies.retry is not None or
                policies.concurrency or
                is_set("wait_before", policies.wait_before) or
                is_set("wait_after", policies.wait_after) or
                is_set("timeout", policies.timeout))


def _set_state(step, wf_ex, task_ex, state: str, info: Optional[str]):
    previous = task_ex.state
    task_ex.state = state
    task_ex.state_info = info
    notify.task_event(step, wf_ex, task_ex, previous, state)


def _schedule(step, func_name: str, delay: float, task_ex, **args) -> None:
    from mistral_clone import scheduler
    ctx = step.ctx.to_wire() if hasattr(step.ctx, "to_wire") else None
    scheduler.schedule_call(step.session, func_name, delay, key=task_ex.id,
                            task_ex_id=task_ex.id, ctx=ctx, **args)


def before_start(step, wf_ex, wf_spec, task_ex, task_spec) -> bool:
    """Apply the start policies to a RUNNING task; True when its actions
    should start now (False: paused, delayed, or failed)."""
    policies = task_spec.policies
    if not _has_start_policies(policies):
        return True
    task_handler, wf_handler = _handlers()
    view = task_handler.task_view(step, wf_ex, task_ex)
    try:
        decision = decide_start(
            policies, lambda value: dataflow.evaluate(value, view))
    except exc.MistralError as e:
        task_handler.fail_on_start(step, wf_ex, wf_spec, task_ex, e)
        return False
    runtime_context = copy.deepcopy(task_ex.runtime_context or {})
    proceed = True
    if decision.pause_before:
        _set_state(step, wf_ex, task_ex, states.IDLE, PAUSED_INFO)
        proceed = False
    elif decision.wait_before:
        runtime_context[WAIT_BEFORE_KEY] = {"skip": True}
        _set_state(step, wf_ex, task_ex, states.RUNNING_DELAYED,
                   "Delayed by 'wait-before' policy [delay=%s]"
                   % decision.wait_before)
        _schedule(step, CONTINUE_TASK, decision.wait_before, task_ex)
        proceed = False
    if decision.timeout:
        _schedule(step, FAIL_IF_INCOMPLETE, decision.timeout, task_ex,
                  timeout=decision.timeout)
    if decision.concurrency:
        runtime_context[CONCURRENCY_KEY] = decision.concurrency
    task_ex.runtime_context = runtime_context
    if decision.pause_before:
        wf_handler.pause(step, wf_ex)
    return proceed


def after_complete(step, wf_ex, wf_spec, task_ex, task_spec) -> bool:
    """Apply wait-after, fail-on and retry to a task that has just got its
    final state (published already). True when the completion is deferred
    (the task is DELAYED, or the policies failed it and its workflow)."""
    policies = task_spec.policies
    if not (is_set("wait_after", policies.wait_after) or policies.fail_on
            or policies.retry is not None):
        return False
    task_handler, wf_handler = _handlers()
    try:
        return _after_complete(step, wf_ex, task_ex, policies)
    except exc.MistralError as e:
        msg = "Failed to complete task [error=%s, wf=%s, task=%s]" % (
            e, wf_ex.workflow_name, task_ex.name)
        _set_state(step, wf_ex, task_ex, states.ERROR, msg)
        task_ex.processed = True
        wf_handler.fail(step, wf_ex, wf_spec, msg)
        return True


def _after_complete(step, wf_ex, task_ex, policies) -> bool:
    task_handler, _ = _handlers()
    view = task_handler.task_view(step, wf_ex, task_ex)

    def evaluate(value):
        return dataflow.evaluate(value, view)

    runtime_context = copy.deepcopy(task_ex.runtime_context or {})
    if is_set("wait_after", policies.wait_after):
        delay = evaluate(policies.wait_after)
        check("WaitAfterPolicy", delay=delay)
        if delay and not runtime_context.get(WAIT_AFTER_KEY, {}).get("skip"):
            runtime_context[WAIT_AFTER_KEY] = {"skip": True}
            task_ex.runtime_context = runtime_context
            end_state, end_info = task_ex.state, task_ex.state_info
            _set_state(step, wf_ex, task_ex, states.RUNNING_DELAYED,
                       "Delayed by 'wait-after' policy [delay=%s]" % delay)
            _schedule(step, COMPLETE_TASK, delay, task_ex, state=end_state,
                      state_info=end_info)
            return True
    if policies.fail_on and task_ex.state == states.SUCCESS and \
            evaluate(policies.fail_on):
        _set_state(step, wf_ex, task_ex, states.ERROR, FAIL_ON_INFO)
    if policies.retry is not None:
        return _retry(step, wf_ex, task_ex, policies.retry, evaluate,
                      runtime_context)
    return False


def _retry(step, wf_ex, task_ex, retry, evaluate, runtime_context) -> bool:
    count, delay = evaluate(retry.count), evaluate(retry.delay)
    check("RetryPolicy", count=count, delay=delay)
    if not count or task_ex.state not in (states.SUCCESS, states.ERROR):
        return False
    task_handler, _ = _handlers()
    outbound = dataflow.outbound_context(task_ex.in_context,
                                         task_ex.published)
    out_view = task_handler.task_view(step, wf_ex, task_ex, outbound)
    continue_on = dataflow.evaluate(retry.continue_on, out_view) \
        if retry.continue_on is not None else None
    break_on = dataflow.evaluate(retry.break_on, out_view) \
        if retry.break_on is not None else None
    policy_ctx = runtime_context.setdefault(RETRY_KEY, {})
    retry_no = policy_ctx.get("retry_no", 0)
    task_ex.runtime_context = runtime_context
    if not should_retry(task_ex.state, retry_no, count,
                        bool(retry.continue_on), continue_on, break_on):
        return False
    policy_ctx["retry_no"] = retry_no + 1
    task_ex.runtime_context = copy.deepcopy(runtime_context)
    _invalidate_results(step, task_ex)
    _set_state(step, wf_ex, task_ex, states.RUNNING_DELAYED,
               "Delayed by 'retry' policy [delay=%s]" % delay)
    _schedule(step, CONTINUE_TASK, delay, task_ex)
    return True


def _invalidate_results(step, task_ex) -> None:
    """The results of the finished iteration no longer count; an action
    still running (its task timed out) is cancelled so that its late
    result cannot complete the next iteration."""
    action = models.ActionExecution
    step.session.execute(
        sa.update(action).where(action.task_execution_id == task_ex.id,
                                action.state == states.RUNNING)
        .values(state=states.CANCELLED, updated_at=models.utcnow()))
    step.session.execute(
        sa.update(action).where(action.task_execution_id == task_ex.id)
        .values(accepted=False))
    child = models.WorkflowExecution
    step.session.execute(
        sa.update(child).where(child.task_execution_id == task_ex.id)
        .values(accepted=False))


def run_paused_tasks(step, wf_ex, wf_spec) -> None:
    """On resume: run the tasks that 'pause-before' stopped (as Mistral,
    without applying the start policies again)."""
    task_handler, _ = _handlers()
    model = models.TaskExecution
    idle = step.session.execute(
        sa.select(model).where(model.workflow_execution_id == wf_ex.id,
                               model.state == states.IDLE)
        .order_by(model.created_at)).scalars().all()
    for task_ex in idle:
        if wf_ex.state != states.RUNNING:
            return
        _set_state(step, wf_ex, task_ex, states.RUNNING, None)
        task_handler.start(step, wf_ex, wf_spec, task_ex,
                           wf_spec.tasks[task_ex.name])


# -- timer targets (run by the scheduler in its claiming transaction) --------

def _timer_step(session, ctx_data):
    """An engine step over the scheduler's transaction: its messages are
    sent once that transaction has committed."""
    from mistral_clone.engine import step as step_mod
    ctx = mc_context.RequestContext.from_wire(ctx_data) if ctx_data \
        else mc_context.admin_context()
    current = step_mod.Step(session, ctx)
    sa.event.listen(session, "after_commit",
                    lambda _session: current.run_after_commit(), once=True)
    return current


def _load(step, task_ex_id):
    """(wf_ex locked, task_ex, wf_spec) or None when gone."""
    from mistral_clone.engine import specs
    from mistral_clone.engine import step as step_mod
    task_ex = step.session.get(models.TaskExecution, task_ex_id)
    if task_ex is None:
        return None
    wf_ex = step_mod.lock_workflow(step.session,
                                   task_ex.workflow_execution_id)
    step.session.refresh(task_ex)
    if states.is_completed(wf_ex.state):
        return None
    return wf_ex, task_ex, specs.workflow_spec(wf_ex)


def continue_task(session, task_ex_id: str, ctx: Optional[dict] = None
                  ) -> None:
    """End of a wait-before or retry delay: run the task's action(s)."""
    step = _timer_step(session, ctx)
    loaded = _load(step, task_ex_id)
    if loaded is None:
        return
    wf_ex, task_ex, wf_spec = loaded
    if task_ex.state != states.RUNNING_DELAYED:
        return
    task_handler, _ = _handlers()
    _set_state(step, wf_ex, task_ex, states.RUNNING, None)
    task_ex.finished_at = None
    task_ex.processed = False
    task_handler.start(step, wf_ex, wf_spec, task_ex,
                       wf_spec.tasks[task_ex.name])


def complete_task(session, task_ex_id: str, state: str,
                  state_info: Optional[str] = None,
                  ctx: Optional[dict] = None) -> None:
    """End of a wait-after delay: finish the task with its end state."""
    step = _timer_step(session, ctx)
    loaded = _load(step, task_ex_id)
    if loaded is None:
        return
    wf_ex, task_ex, wf_spec = loaded
    if task_ex.state != states.RUNNING_DELAYED:
        return
    task_handler, _ = _handlers()
    task_handler.complete(step, wf_ex, wf_spec, task_ex, state, state_info)


def fail_if_incomplete(session, task_ex_id: str, timeout,
                       ctx: Optional[dict] = None) -> None:
    """The task's timeout: fail it unless it has finished."""
    step = _timer_step(session, ctx)
    loaded = _load(step, task_ex_id)
    if loaded is None:
        return
    wf_ex, task_ex, wf_spec = loaded
    if states.is_completed(task_ex.state):
        return
    if task_ex.state == states.RUNNING_DELAYED and \
            _continuation_due(session, task_ex.id):
        # Timers due together fire in the order they were set (as in
        # Mistral): the task's delay ends first, then its timeout.
        _schedule(step, FAIL_IF_INCOMPLETE, 0, task_ex, timeout=timeout)
        return
    task_handler, _ = _handlers()
    task_handler.complete(step, wf_ex, wf_spec, task_ex, states.ERROR,
                          "Task timed out [timeout(s)=%s]." % timeout)


def _continuation_due(session, task_ex_id: str) -> bool:
    call = models.DelayedCall
    return session.execute(
        sa.select(sa.func.count()).select_from(call).where(
            call.key == task_ex_id, call.func_name == CONTINUE_TASK,
            call.run_at <= models.utcnow())).scalar_one() > 0
