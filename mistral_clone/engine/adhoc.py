"""Which Python action runs for an action name, and how ad-hoc actions
transform input and output on the way.

An ad-hoc action is ``base`` (another action, ad-hoc or Python) with
``base-input`` evaluated over the ad-hoc action's own input, and an optional
``output`` evaluated over the base's result. Resolution walks the chain down
to a Python action.
"""

import dataclasses
import functools
import hashlib
import threading
import time
from typing import Callable, Optional


from mistral_clone import actions
from mistral_clone import exceptions as exc
from mistral_clone import expressions
from mistral_clone import lang
from mistral_clone.actions import dynamic
from mistral_clone.config import CONF
from mistral_clone.engine import dataflow
from mistral_clone.engine import queries

MAX_DEPTH = 10


@dataclasses.dataclass
class Layer:
    """One ad-hoc action of the chain (outermost first)."""

    name: str
    spec: object   # lang ActionSpec


@dataclasses.dataclass
class ResolvedAction:
    name: str                 # the action's name (an ad-hoc one's own)
    python_name: str          # the Python action that runs
    layers: list              # ad-hoc layers, outermost first
    # The code source class that runs, for a dynamic action.
    code: Optional[dynamic.CodeRef] = None

    @property
    def is_adhoc(self) -> bool:
        return bool(self.layers)


def resolve(session, name: str, namespace: str = "",
            workbook_name: Optional[str] = None,
            project_id: Optional[str] = None,
            find: Optional[Callable] = None,
            find_dynamic: Optional[Callable] = None) -> ResolvedAction:
    """Raises InvalidActionError when the name leads to no action.
    ``find(name, namespace, project_id)`` finds a stored action definition
    (default: in ``session``), ``find_dynamic`` (same arguments) a dynamic
    action's CodeRef. As in Mistral, ad-hoc actions come first, then
    dynamic ones, then Python ones."""
    if find is None:
        find = functools.partial(queries.action_definition, session)
    if find_dynamic is None:
        find_dynamic = functools.partial(queries.dynamic_action, session)
    layers = []
    current = name
    wb = workbook_name
    for _ in range(MAX_DEPTH):
        row = None
        if wb:
            row = find("%s.%s" % (wb, current), namespace, project_id)
        if row is None:
            row = find(current, namespace, project_id)
        if row is None or row.is_system or not row.definition:
            code = find_dynamic(current, namespace, project_id)
            if code is not None:
                return ResolvedAction(layers[0].name if layers else name,
                                      current, layers, code)
            descriptor = actions.find_action(current)
            if descriptor is None:
                raise exc.InvalidActionError(
                    "Failed to find action [action_name=%s, namespace=%s]"
                    % (current, namespace or ""))
            # The name an action execution shows: the ad-hoc action's own
            # (``wb.my_action`` for a workbook's), as Mistral names it.
            return ResolvedAction(layers[0].name if layers else name,
                                  current, layers)
        spec = _action_spec(row)
        layers.append(Layer(row.name, spec))
        wb = row.workbook_name
        current = spec.base
    raise exc.InvalidActionError(
        "Ad-hoc action chain too deep [action_name=%s]" % name)


_resolved_cache = {}
_resolved_lock = threading.Lock()
_RESOLVED_CACHE_SIZE = 4096


def resolve_cached(session, name: str, namespace: str = "",
                   workbook_name: Optional[str] = None,
                   project_id: Optional[str] = None) -> ResolvedAction:
    """``resolve`` for the engine's hot path: a name that leads straight to
    a Python action (no ad-hoc layer) is remembered for ``[engine]
    action_definition_cache_time`` seconds, as Mistral's engine caches its
    action definitions. An ad-hoc or dynamic action created meanwhile under
    the same name in that namespace is seen once the entry expires. A
    dynamic action is never remembered: its code source's next version
    runs as soon as it is stored."""
    ttl = CONF.engine.action_definition_cache_time
    if ttl <= 0:
        return resolve(session, name, namespace, workbook_name, project_id)
    key = (name, namespace or "", workbook_name, project_id)
    now = time.monotonic()
    hit = _resolved_cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    resolved = resolve(session, name, namespace, workbook_name, project_id)
    if not resolved.is_adhoc and resolved.code is None:
        with _resolved_lock:
            if len(_resolved_cache) >= _RESOLVED_CACHE_SIZE:
                _resolved_cache.clear()
            _resolved_cache[key] = (now + ttl, resolved)
    return resolved


def forget_resolved() -> None:
    """Empty the cache of ``resolve_cached`` (tests)."""
    with _resolved_lock:
        _resolved_cache.clear()


_spec_cache = {}
_SPEC_CACHE_SIZE = 1024


def _action_spec(row):
    """The spec of a stored ad-hoc action, cached by (text, name). A text
    created through /v2/actions may hold several actions."""
    key = (hashlib.sha256(row.definition.encode("utf-8")).hexdigest(),
           row.name)
    spec = _spec_cache.get(key)
    if spec is not None:
        return spec
    try:
        spec = lang.parse_action(row.definition)
    except exc.DSLParsingError:
        short = row.name.split(".", 1)[1] if row.workbook_name else row.name
        found = [s for s in lang.parse_actions(row.definition, False)
                 if s.name in (row.name, short)]
        if not found:
            raise exc.InvalidActionError(
                "Failed to find action [action_name=%s]" % row.name)
        spec = found[0]
    if len(_spec_cache) >= _SPEC_CACHE_SIZE:
        _spec_cache.clear()
    _spec_cache[key] = spec
    return spec


def check_input(layer: Layer, action_input: dict) -> dict:
    """The input of an ad-hoc action with defaults filled in; raises
    InputError naming what is missing or unexpected."""
    expected = layer.spec.input
    missing = [k for k, v in expected.items()
               if v is lang.REQUIRED and k not in action_input]
    unexpected = [k for k in action_input if k not in expected]
    if missing or unexpected:
        msg = "Invalid input [name=%s, class=AdHocAction" % layer.name
        if missing:
            msg += ", missing=%s" % missing
        if unexpected:
            msg += ", unexpected=%s" % unexpected
        raise exc.InputError(msg + "]")
    full = {k: v for k, v in expected.items() if v is not lang.REQUIRED}
    full.update(action_input)
    return full


def base_input(resolved: ResolvedAction, action_input: dict,
               env: Optional[dict] = None,
               execution: Optional[dict] = None) -> dict:
    """The input of the Python action at the bottom of the chain."""
    current = dict(action_input or {})
    for layer in resolved.layers:
        full = check_input(layer, current)
        ctx = dict(full)
        ctx[dataflow.ENV_KEY] = env or {}
        if execution:
            ctx[dataflow.EXECUTION_KEY] = execution
        current = dataflow.evaluate(dict(layer.spec.base_input), ctx) \
            if layer.spec.base_input else {}
    return current


def transform_output(resolved: ResolvedAction, result):
    """The result as the task sees it: each layer's ``output`` evaluated
    over the result below it (``$`` is that result), innermost first."""
    for layer in reversed(resolved.layers):
        if layer.spec.output is not None:
            result = expressions.evaluate_recursively(layer.spec.output,
                                                      result)
    return result
