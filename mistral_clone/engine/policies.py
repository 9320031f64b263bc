"""Task policies as decisions: wait-before, wait-after, retry, timeout,
pause-before, concurrency and fail-on.

Two pure functions, called by the conductor: ``start_commands`` when a task
is about to run its action(s) and ``after_complete_commands`` when it has
just got its final state. They evaluate the policy values (expressions are
evaluated in the task's data context, then type-checked as Mistral does: a
bad value raises InvalidModelError with Mistral's "Invalid data type in
<Policy>: ..." message) and return commands; every delay is a durable
timer, written in the step that decided it.

What is kept in the task's ``runtime_context`` follows Mistral:
``wait_before_policy: {skip: true}``, ``wait_after_policy: {skip: true}``,
``retry_task_policy: {retry_no: N}`` and ``concurrency``.
"""

import copy
import dataclasses
from typing import Any, Callable

import jsonschema

from mistral_clone import exceptions as exc
from mistral_clone.engine import commands
from mistral_clone.engine import machines
from mistral_clone.engine import states

# Timer targets (see ``engine.timers``): short names stored in the rows.
CONTINUE_TASK = "task.continue"
COMPLETE_TASK = "task.complete"
FAIL_IF_INCOMPLETE = "task.timeout"
REFRESH_JOIN = "task.refresh_join"

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
    others are checked too, as Mistral does at that point)."""
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


def has_start_policies(policies) -> bool:
    return bool(policies.pause_before or policies.retry is not None or
                policies.concurrency or
                is_set("wait_before", policies.wait_before) or
                is_set("wait_after", policies.wait_after) or
                is_set("timeout", policies.timeout))


def start_commands(task_ex, task_spec, evaluate, indexes=None) -> list:
    """The commands that start a RUNNING task: its policies, then its
    work unless they hold it (pause-before) or delay it (wait-before).
    Raises MistralError when a policy value is wrong."""
    policies = task_spec.policies
    if not has_start_policies(policies):
        return [commands.RunWork(task_ex, indexes)]
    decision = decide_start(policies, evaluate)
    runtime_context = dict(task_ex.runtime_context or {})
    cmds = []
    proceed = True
    if decision.pause_before:
        cmds.append(commands.SetTaskState(task_ex, machines.HOLD,
                                          PAUSED_INFO))
        proceed = False
        if decision.wait_before:
            # Mistral's wait-before looks at its context (creating it)
            # and does nothing more for a task held by pause-before.
            runtime_context.setdefault(WAIT_BEFORE_KEY, {})
    elif decision.wait_before and \
            not (runtime_context.get(WAIT_BEFORE_KEY) or {}).get("skip"):
        runtime_context[WAIT_BEFORE_KEY] = {"skip": True}
        cmds.append(commands.SetTaskState(
            task_ex, machines.DELAY,
            "Delayed by 'wait-before' policy [delay=%s]"
            % decision.wait_before))
        cmds.append(commands.ScheduleTimer(CONTINUE_TASK,
                                           decision.wait_before, task_ex))
        proceed = False
    if decision.timeout:
        cmds.append(commands.ScheduleTimer(
            FAIL_IF_INCOMPLETE, decision.timeout, task_ex,
            {"timeout": decision.timeout}))
    if decision.concurrency:
        runtime_context[CONCURRENCY_KEY] = decision.concurrency
    if runtime_context != (task_ex.runtime_context or {}):
        cmds.insert(0, commands.UpdateRuntimeContext(task_ex,
                                                     runtime_context))
    if decision.pause_before:
        cmds.append(commands.PauseWorkflow())
    if proceed:
        cmds.append(commands.RunWork(task_ex, indexes))
    return cmds


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


def has_after_policies(policies) -> bool:
    return bool(is_set("wait_after", policies.wait_after) or
                policies.fail_on or policies.retry is not None)


@dataclasses.dataclass
class AfterDecision:
    """The commands of the after-completion policies; ``deferred``: the
    task does not go on now (delayed, or waiting again as a join)."""

    commands: list
    deferred: bool = False


def after_complete_commands(task_ex, task_spec, evaluate,
                            evaluate_outbound, is_join: bool
                            ) -> AfterDecision:
    """wait-after, fail-on and retry, in Mistral's order, for a task that
    has just got its final state (published already). ``evaluate`` sees
    the task's inbound context, ``evaluate_outbound`` its outbound one
    (continue-on, break-on). Raises MistralError on a bad value."""
    policies = task_spec.policies
    cmds = []
    if not has_after_policies(policies):
        return AfterDecision(cmds)
    runtime_context = copy.deepcopy(task_ex.runtime_context or {})
    state, info = task_ex.state, task_ex.state_info
    if is_set("wait_after", policies.wait_after):
        delay = evaluate(policies.wait_after)
        check("WaitAfterPolicy", delay=delay)
        if delay and not (runtime_context.get(WAIT_AFTER_KEY) or {}).get(
                "skip"):
            runtime_context[WAIT_AFTER_KEY] = {"skip": True}
            cmds.append(commands.UpdateRuntimeContext(task_ex,
                                                      runtime_context))
            cmds.append(commands.SetTaskState(
                task_ex, machines.DELAY,
                "Delayed by 'wait-after' policy [delay=%s]" % delay))
            cmds.append(commands.ScheduleTimer(
                COMPLETE_TASK, delay, task_ex,
                {"state": state, "state_info": info}))
            return AfterDecision(cmds, deferred=True)
    if policies.fail_on and state == states.SUCCESS and \
            evaluate(policies.fail_on):
        cmds.append(commands.SetTaskState(task_ex, machines.FAIL,
                                          FAIL_ON_INFO))
        state = states.ERROR
    if policies.retry is None:
        return AfterDecision(cmds)
    retry = policies.retry
    count, delay = evaluate(retry.count), evaluate(retry.delay)
    check("RetryPolicy", count=count, delay=delay)
    continue_on = evaluate_outbound(retry.continue_on) \
        if retry.continue_on is not None else None
    break_on = evaluate_outbound(retry.break_on) \
        if retry.break_on is not None else None
    if not count or state not in (states.SUCCESS, states.ERROR):
        return AfterDecision(cmds)
    policy_ctx = runtime_context.setdefault(RETRY_KEY, {})
    retry_no = policy_ctx.get("retry_no", 0)
    if not should_retry(state, retry_no, count, bool(retry.continue_on),
                        continue_on, break_on):
        if runtime_context != (task_ex.runtime_context or {}):
            cmds.append(commands.UpdateRuntimeContext(task_ex,
                                                      runtime_context))
        return AfterDecision(cmds)
    policy_ctx["retry_no"] = retry_no + 1
    cmds.append(commands.UpdateRuntimeContext(task_ex, runtime_context))
    cmds.append(commands.InvalidateResults(task_ex))
    info = "Delayed by 'retry' policy [delay=%s]" % delay
    if is_join:
        # Mistral: a join cannot run again as it is; it waits and its
        # join is evaluated again after the delay.
        cmds.append(commands.SetTaskState(task_ex, machines.WAIT, info))
        cmds.append(commands.ScheduleTimer(REFRESH_JOIN, delay, task_ex))
    else:
        cmds.append(commands.SetTaskState(task_ex, machines.DELAY, info))
        cmds.append(commands.ScheduleTimer(CONTINUE_TASK, delay, task_ex))
    return AfterDecision(cmds, deferred=True)
