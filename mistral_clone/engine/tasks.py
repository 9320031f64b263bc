"""What a task runs, as decisions: its action or sub-workflow, the input,
the target; and what its result is. Pure functions over a task spec and an
``evaluate`` callable (expressions in the task's data context).

Mistral's two kinds of errors on the way are kept apart: ``ForceFail``
(an expression in the input, the action name or the target, an unknown
action: the task and its whole workflow fail at once, "Failed to run task
[...]") and ``TaskError`` (the action or sub-workflow refuses its input, a
sub-workflow does not exist: only the task fails, with its on-error
transitions). For with-items tasks only the values and inputs force a
failure; everything about one item fails the task.
"""

import dataclasses
from typing import Any, Callable, Optional

from mistral_clone import exceptions as exc
from mistral_clone.engine import dataflow

ENV_ACTION_DEFAULTS = "__actions"


class ForceFail(exc.MistralError):
    """The task cannot run at all: it and its workflow fail."""


class TaskError(exc.MistralError):
    """The task's action or sub-workflow could not start: the task fails
    (its on-error transitions run)."""


@dataclasses.dataclass
class Work:
    """One action execution or sub-workflow the task runs."""

    index: int
    input: dict
    action: Optional[str] = None      # action name (evaluated)
    workflow: Optional[str] = None    # sub-workflow name (evaluated)
    target: Optional[str] = None
    safe_rerun: bool = False

    @property
    def is_workflow(self) -> bool:
        return self.workflow is not None


def action_input(task_spec, evaluate: Callable, env: Optional[dict]) -> dict:
    """Mistral's ``_get_action_input``: the evaluated input, with the
    action's defaults from ``env.__actions`` under it."""
    raw = task_spec.input
    value = evaluate(raw) if raw else {}
    if not isinstance(value, dict):
        raise exc.InputError(
            "Wrong dynamic input for task: %s. Dict type is expected. "
            "Actual type: %s. Actual value: %s"
            % (task_spec.name, type(value), str(value)))
    if task_spec.action and not task_spec.workflow:
        defaults = ((env or {}).get(ENV_ACTION_DEFAULTS) or {}).get(
            task_spec.action) or {}
        if isinstance(defaults, dict):
            for key, default in defaults.items():
                value.setdefault(key, default)
    return value


def _target(task_spec, evaluate_over: Callable, task_input: dict):
    if not task_spec.target:
        return None
    return evaluate_over(task_spec.target, task_input)


def _name(task_spec, evaluate: Callable):
    """(action name, workflow name) evaluated; std.noop by default."""
    if task_spec.workflow:
        return None, evaluate(task_spec.workflow)
    return (evaluate(task_spec.action) if task_spec.action else None) or \
        "std.noop", None


def _safe_rerun(task_spec, evaluate: Callable) -> bool:
    return bool(evaluate(task_spec.safe_rerun))


def work(task_spec, evaluate: Callable, evaluate_over: Callable,
         env: Optional[dict], index: int = 0) -> Work:
    """The work of a task without with-items (raises ForceFail)."""
    try:
        task_input = action_input(task_spec, evaluate, env)
        target = _target(task_spec, evaluate_over, task_input)
        action, workflow = _name(task_spec, evaluate)
        safe_rerun = _safe_rerun(task_spec, evaluate)
    except exc.MistralError as e:
        raise ForceFail(str(e)) from e
    return Work(index, task_input, action, workflow, target, safe_rerun)


def item_inputs(task_spec, evaluate_item: Callable, env: Optional[dict],
                indexes) -> list:
    """``[(index, input)]`` of with-items items (raises ForceFail): every
    input first, so a failing expression starts no item at all."""
    out = []
    try:
        for i in indexes:
            out.append((i, action_input(
                task_spec, lambda v, i=i: evaluate_item(v, i), env)))
    except exc.MistralError as e:
        raise ForceFail(str(e)) from e
    return out


def item_work(task_spec, evaluate: Callable, evaluate_over: Callable,
              index: int, task_input: dict) -> Work:
    """The work of one with-items item (raises TaskError). The action or
    workflow name is evaluated in the task's context, without the item's
    variables, as Mistral does; the target sees the item's input."""
    try:
        target = _target(task_spec, evaluate_over, task_input)
        action, workflow = _name(task_spec, evaluate)
        safe_rerun = _safe_rerun(task_spec, evaluate)
    except exc.MistralError as e:
        raise TaskError(str(e)) from e
    return Work(index, task_input, action, workflow, target, safe_rerun)


def keeps_result(task_spec) -> bool:
    value = task_spec.keep_result
    if isinstance(value, str):
        return value.strip().lower() not in ("false", "0", "no")
    return value is not False


def failure_info(result: Any) -> Optional[str]:
    """A failed action's or sub-workflow's result as the task's
    ``state_info`` (Mistral: ``str(result)`` when there is one)."""
    return str(result) if result else None


def run_failure(error, wf_name: str, task_name: str) -> str:
    return "Failed to run task [error=%s, wf=%s, task=%s]" % (
        error, wf_name, task_name)


def completion_failure(error, wf_name: str, task_name: str,
                       action: Optional[str]) -> str:
    """Mistral's message for an error while a task completes: after an
    action's (or sub-workflow's) result, or after a timer."""
    if action is None:
        return "Failed to complete task [error=%s, wf=%s, task=%s]" % (
            error, wf_name, task_name)
    return ("Failed to handle action completion [error=%s, wf=%s, task=%s, "
            "action=%s]" % (error, wf_name, task_name, action))


def action_failure(error, action: str, task_name) -> str:
    """Mistral's message when an action's result cannot be taken."""
    return "Failed to complete action [error=%s, action=%s, task=%s]" % (
        error, action, task_name)


def subworkflow_params(child_input_names, task_input: dict,
                       parent_params: dict, root_execution_id: str,
                       task_ex_id: str, index: int):
    """(input, params) of a sub-workflow, as Mistral 23 builds them: the
    keys of the task's input that the sub-workflow does not declare are
    its params (``task_name`` of a reverse one, ``env``, ...)."""
    params = {"root_execution_id": root_execution_id,
              "task_execution_id": task_ex_id,
              "index": index,
              "namespace": (parent_params or {}).get("namespace", "")}
    if "notify" in (parent_params or {}):
        params["notify"] = parent_params["notify"]
    wf_input = {}
    for key, value in task_input.items():
        if key in child_input_names:
            wf_input[key] = value
        else:
            params[key] = value
    return wf_input, params


def evaluate_with(base_view: dict) -> Callable[[Any, dict], Any]:
    """``evaluate_over(data, top)``: evaluate ``data`` over ``base_view``
    with ``top`` (e.g. the action input, for ``target``) above it."""
    def evaluate_over(data, top):
        view = dict(base_view)
        view.update(top or {})
        return dataflow.evaluate(data, view)
    return evaluate_over
