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


_STATE_PUBLISH = {"SUCCESS": ("publish", "on-success"),
                  "ERROR": ("publish_on_error", "on-error"),
                  "SKIPPED": ("publish_on_skip", "on-skip")}


def _merge_into(target: dict, source: dict) -> None:
    """Mistral's PublishSpec.merge: each kind of ``source`` is merged into
    the same kind of ``target`` only when ``target`` has that kind; a kind
    ``target`` lacks is dropped."""
    for kind, values in source.items():
        if values and target.get(kind):
            merge_dicts(target[kind], copy.deepcopy(values))


def publish_vars(task_spec, state: str) -> Optional[dict]:
    """What a task ending in ``state`` publishes, as Mistral 23 computes it:
    ``{"branch": dict or None, "global": dict or None}``, or None.

    Faithful to its merge order and its quirks: the task-level publish
    (``publish`` / ``publish-on-error`` / ``publish-on-skip``, branch only)
    absorbs on-complete's *branch* variables (its global ones are then
    dropped); the clause of the state (on-success / on-error / on-skip),
    when it publishes, absorbs that for the kinds it has itself. ``atomic``
    variables are never published (Mistral leaves them unimplemented).
    """
    names = _STATE_PUBLISH.get(state)
    if names is None:
        return None
    plain = getattr(task_spec, names[0], None)
    spec = {"branch": copy.deepcopy(plain)} if plain else None
    clauses = getattr(task_spec, "own_clauses", None) or {}

    def clause_publish(key):
        clause = clauses.get(key)
        pub = getattr(clause, "publish", None) if clause else None
        if pub is None:
            return None
        return {"branch": copy.deepcopy(pub.branch) or None,
                "global": copy.deepcopy(pub.global_) or None}

    on_complete = clause_publish("on-complete")
    if on_complete is not None:
        if spec:
            _merge_into(spec, on_complete)
        else:
            spec = on_complete
    own = clause_publish(names[1])
    if own is not None:
        if spec:
            _merge_into(own, spec)
        return own
    return spec


def publish(publish_spec: Optional[dict], ctx: dict):
    """(branch variables or None, global variables) of ``publish_vars``."""
    if publish_spec is None:
        return {}, {}
    branch = publish_spec.get("branch")
    branch = evaluate(branch, ctx) if branch is not None else None
    return branch, evaluate(publish_spec.get("global") or {}, ctx)


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
