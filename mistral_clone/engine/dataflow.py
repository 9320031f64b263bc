"""Data flow: what an expression sees, what a task publishes and passes on,
how the contexts of several branches merge, what a workflow outputs.
Pure functions over plain dicts.

The evaluation context of a task is, from lowest to highest priority: the
workflow input, the workflow's own context (``__execution``, vars, globally
published variables), the environment (``__env``, the root execution's),
the task's inbound context (what upstream tasks published) and the current
task (``__task_execution``). This is Mistral's order.

Context versioning (Mistral 23's ``[context_versioning] enabled``, on by
default): a task's outbound context carries ``__versions``, how many times
each published leaf (``a.b`` paths, md5-hashed as Mistral does) has been
published along the branch. When branches meet (a join, the end of the
workflow), a leaf published on several of them takes the value of the
branch that published it most often; on a tie the base context wins (the
branch that finished last). ``__versions`` stays in the contexts (``$``
shows it, as in Mistral) and is dropped from a workflow output that is the
whole final context.
"""

import copy
import hashlib
from typing import Any, Optional

from mistral_clone import exceptions as exc
from mistral_clone import expressions
from mistral_clone.expressions.provider import DATA_PROVIDER_KEY

EXECUTION_KEY = "__execution"
TASK_KEY = "__task_execution"
ENV_KEY = "__env"
VERSIONS_KEY = "__versions"

REPLACE = "replace"
MERGE = "merge"

# Mistral merges the end tasks' contexts 20 at a time: the first of each
# run of 20 is the base of its merge (see ``final_context``).
FINAL_CONTEXT_BATCH = 20


def merge_dicts(left: dict, right: Optional[dict]) -> dict:
    """Deep-merge ``right`` into ``left`` (``right`` wins) and return it."""
    if right is None:
        return left
    for key, value in right.items():
        if isinstance(left.get(key), dict) and isinstance(value, dict):
            merge_dicts(left[key], value)
        else:
            left[key] = value
    return left


# -- versions ---------------------------------------------------------------

def version_key(path: str, hashed: bool = True) -> str:
    if not hashed:
        return path
    return hashlib.md5(path.encode("utf-8"),
                       usedforsecurity=False).hexdigest()


def _leaf_paths(published: dict, prefix: Optional[str], out: list) -> None:
    for key, value in published.items():
        path = key if prefix is None else "%s.%s" % (prefix, key)
        if isinstance(value, dict):
            _leaf_paths(value, path, out)
        else:
            out.append(path)


def with_versions(in_context: Optional[dict], published: Optional[dict],
                  hashed: bool = True) -> dict:
    """A copy of ``in_context`` whose ``__versions`` counts ``published``
    once more (Mistral's ``get_in_context_with_versions``)."""
    ctx = copy.deepcopy(dict(in_context or {}))
    versions = ctx.setdefault(VERSIONS_KEY, {})
    paths = []
    _leaf_paths(published or {}, None, paths)
    for path in paths:
        key = version_key(path, hashed)
        versions[key] = versions.get(key, 0) + 1
    return ctx


def _merge_by_version(left: dict, left_versions: dict, right: dict,
                      right_versions: dict, prefix: Optional[str],
                      hashed: bool) -> dict:
    for key, value in right.items():
        if key not in left:
            left[key] = value
            continue
        path = key if prefix is None else "%s.%s" % (prefix, key)
        if isinstance(left[key], dict) and isinstance(value, dict):
            _merge_by_version(left[key], left_versions, value,
                              right_versions, path, hashed)
            continue
        vkey = version_key(path, hashed)
        if right_versions.get(vkey, 0) > left_versions.get(vkey, 0):
            left[key] = value
    return left


def merge_by_version(left: dict, right: dict, hashed: bool = True) -> dict:
    """Merge the versioned context ``right`` into ``left`` (both lose
    ``__task_execution``; the result's ``__versions`` is the maximum of
    both)."""
    left_versions = dict(left.pop(VERSIONS_KEY, None) or {})
    right_versions = dict(right.pop(VERSIONS_KEY, None) or {})
    left.pop(TASK_KEY, None)
    right.pop(TASK_KEY, None)
    _merge_by_version(left, left_versions, right, right_versions, None,
                      hashed)
    for key, version in right_versions.items():
        left_versions[key] = max(left_versions.get(key, 0), version)
    left[VERSIONS_KEY] = left_versions
    return left


# -- contexts ---------------------------------------------------------------

class Options:
    """The data-flow options of the engine (``[engine] merge_strategy``,
    ``[context_versioning]``), passed explicitly so that this module stays
    pure."""

    __slots__ = ("strategy", "versioning", "hashed")

    def __init__(self, strategy: str = REPLACE, versioning: bool = True,
                 hashed: bool = True):
        self.strategy = strategy
        self.versioning = versioning
        self.hashed = hashed


DEFAULT_OPTIONS = Options()


def outbound_context(in_context: Optional[dict], published: Optional[dict],
                     options: Options = DEFAULT_OPTIONS) -> dict:
    """What a task passes on: its inbound context plus what it published
    (a shallow update, or a deep merge with the ``merge`` strategy)."""
    if options.versioning:
        ctx = with_versions(in_context, published, options.hashed)
    else:
        ctx = copy.deepcopy(dict(in_context or {}))
    if published:
        if options.strategy == MERGE:
            merge_dicts(ctx, copy.deepcopy(published))
        else:
            ctx.update(copy.deepcopy(published))
    return ctx


def upstream_context(upstream: list, options: Options = DEFAULT_OPTIONS,
                     base: Optional[dict] = None) -> dict:
    """The inbound context of a task with several upstream task executions
    (``[(in_context, published)]`` in the order they finished): Mistral's
    ``evaluate_upstream_context``. With versioning the last one is the
    base (unless ``base`` is given) and the others are merged into it in
    order; without, every outbound context is deep-merged in order, then
    every published dict once more on top."""
    if not upstream:
        return base if base is not None else {}
    if not options.versioning:
        published_all = {}
        ctx = base if base is not None else {}
        for in_context, published in upstream:
            merge_dicts(published_all, copy.deepcopy(published or {}))
            merge_dicts(ctx, outbound_context(in_context, published,
                                              options))
        return merge_dicts(ctx, published_all)
    items = list(upstream)
    if base:
        ctx = base
    else:
        ctx = outbound_context(*items.pop(), options)
    for in_context, published in items:
        merge_by_version(ctx, outbound_context(in_context, published,
                                               options), options.hashed)
    return ctx


def final_context(end_tasks: list, options: Options = DEFAULT_OPTIONS
                  ) -> dict:
    """The merged context of the tasks that ended a branch
    (``[(in_context, published)]``), Mistral's way: 20 at a time."""
    if not options.versioning:
        ctx = {}
        for in_context, published in end_tasks:
            merge_dicts(ctx, outbound_context(in_context, published,
                                              options))
        return ctx
    ctx = {}
    for i in range(0, len(end_tasks), FINAL_CONTEXT_BATCH):
        ctx = upstream_context(end_tasks[i:i + FINAL_CONTEXT_BATCH],
                               options, base=ctx)
    return ctx


def eval_context(wf_input: Optional[dict], wf_context: Optional[dict],
                 env: Optional[dict], task_ctx: Optional[dict] = None,
                 task: Optional[dict] = None, provider: Any = None,
                 strategy: str = REPLACE) -> dict:
    """The mapping an expression is evaluated over (``$``)."""
    layers = [wf_input or {}, wf_context or {}, {ENV_KEY: env or {}},
              task_ctx or {}]
    if task is not None:
        layers.append({TASK_KEY: {"id": task["id"], "name": task["name"]}})
    view = {}
    if strategy == MERGE:
        for layer in layers:
            merge_dicts(view, copy.deepcopy(layer))
    else:
        for layer in layers:
            view.update(layer)
    if provider is not None:
        view[DATA_PROVIDER_KEY] = provider
    return view


def resolve_env(params: dict, find_environment) -> dict:
    """The environment of a new execution (``params.env``): a dict, or the
    name of a stored environment (``find_environment(name)`` gives its
    variables, None when there is none); its own expressions evaluated
    over itself unless ``params.evaluate_env`` is false."""
    env = params.get("env") or {}
    if isinstance(env, str):
        variables = find_environment(env)
        if variables is None:
            raise exc.InputError("Environment is not found: %s" % env)
        env = copy.deepcopy(variables or {})
    elif not isinstance(env, dict):
        raise exc.InputError(
            "Unexpected value type for environment [env=%s, type=%s]"
            % (env, type(env)))
    if "evaluate_env" in params and not params["evaluate_env"]:
        return env
    return evaluate(env, {ENV_KEY: env}) if env else env


def evaluate(data: Any, ctx: dict) -> Any:
    """Evaluate every expression in ``data`` (raises
    ExpressionEvaluationError)."""
    return expressions.evaluate_recursively(data, ctx)


# -- publish ------------------------------------------------------------------

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


def workflow_output(output_spec: Optional[dict], final_ctx: dict,
                    wf_input: dict, wf_context: dict, env: Optional[dict],
                    provider: Any = None, strategy: str = REPLACE) -> dict:
    """The output of a workflow (Mistral's ``evaluate_workflow_output``):
    ``output_spec`` evaluated over the final context; when that gives
    nothing, the final context itself, without ``__versions``. Used for
    ``output`` and ``output-on-error`` alike."""
    ctx = eval_context(wf_input, wf_context, env, final_ctx, None, provider,
                       strategy)
    output = evaluate(output_spec or {}, ctx)
    final_ctx.pop(VERSIONS_KEY, None)
    if output:
        return output
    return {k: v for k, v in final_ctx.items()}
