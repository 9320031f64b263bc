"""Data flow: what an expression sees, what a task publishes, what a
workflow outputs. Pure functions over plain dicts.

The evaluation context of a task is, from lowest to highest priority: the
workflow input, the workflow's own context (``__execution``, vars, globally
published variables), the environment (``__env``), the task's inbound
context (what upstream tasks published) and the current task
(``__task_execution``). This is Mistral's order.
"""

import copy
from typing import Any, Optional

from mistral_clone import expressions
from mistral_clone.expressions.provider import DATA_PROVIDER_KEY

EXECUTION_KEY = "__execution"
TASK_KEY = "__task_execution"
ENV_KEY = "__env"


def merge_dicts(left: dict, right: dict) -> dict:
    """Deep-merge ``right`` into ``left`` (``right`` wins) and return it."""
    for key, value in right.items():
        if isinstance(left.get(key), dict) and isinstance(value, dict):
            merge_dicts(left[key], value)
        else:
            left[key] = value
    return left


def outbound_context(in_context: dict, published: dict,
                     strategy: str = "replace") -> dict:
    """What a task passes on: its inbound context plus what it published."""
    ctx = copy.deepcopy(in_context or {})
    if strategy == "merge":
        return merge_dicts(ctx, copy.deepcopy(published or {}))
    ctx.update(copy.deepcopy(published or {}))
    return ctx


def upstream_context(outbound_contexts: list) -> dict:
    """The inbound context of a task with several upstream tasks (a join or
    a reverse task): their outbound contexts merged in order."""
    ctx = {}
    for item in outbound_contexts:
        merge_dicts(ctx, copy.deepcopy(item))
    return ctx


def eval_context(wf_input: dict, wf_context: dict, env: Optional[dict],
                 task_ctx: Optional[dict] = None,
                 task: Optional[dict] = None,
                 provider: Any = None) -> dict:
    """The mapping an expression is evaluated over."""
    view = {}
    view.update(wf_input or {})
    view.update(wf_context or {})
    view[ENV_KEY] = env or {}
    view.update(task_ctx or {})
    if task is not None:
        view[TASK_KEY] = {"id": task["id"], "name": task["name"]}
    else:
        view.setdefault(TASK_KEY, None)
    if provider is not None:
        view[DATA_PROVIDER_KEY] = provider
    return view


def evaluate(data: Any, ctx: dict) -> Any:
    """Evaluate every expression in ``data`` (raises
    ExpressionEvaluationError)."""
    return expressions.evaluate_recursively(data, ctx)


def publish(publish_spec, ctx: dict):
    """(branch variables, global variables) of a PublishSpec. ``atomic``
    variables are published like branch ones (one task run = one atom)."""
    if publish_spec is None:
        return {}, {}
    branch = dict(publish_spec.branch)
    branch.update(publish_spec.atomic)
    return evaluate(branch, ctx), evaluate(publish_spec.global_, ctx)


def workflow_output(output_spec: dict, final_ctx: dict, wf_input: dict,
                    wf_context: dict, env: Optional[dict],
                    provider: Any = None) -> dict:
    """The output of a workflow; without an ``output`` section it is the
    final context itself, as in Mistral."""
    ctx = eval_context(wf_input, wf_context, env, final_ctx, None, provider)
    output = evaluate(output_spec or {}, ctx)
    if output:
        return output
    return {k: v for k, v in final_ctx.items()}
