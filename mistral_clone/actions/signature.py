"""An action's signature, read once from its ``__init__``.

The same source gives the ``input`` string the API shows
(``url, method="GET", params=null``), the required/default split used to
validate input before running, and the check done when the action is
constructed. Keeping one source means the three cannot disagree.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import json
from typing import Any, Mapping

from mistral_clone import exceptions as exc


@dataclasses.dataclass(frozen=True)
class Signature:
    """Parameters in declaration order; ``accepts_any`` for ``**kwargs``."""

    required: tuple
    defaults: Mapping[str, Any]
    order: tuple
    accepts_any: bool

    def input_str(self) -> str:
        """Mistral's ``input`` string: defaults rendered as JSON values."""
        parts = []
        for name in self.order:
            if name in self.defaults:
                parts.append('%s=%s' % (name, _render(self.defaults[name])))
            else:
                parts.append(name)
        if self.accepts_any:
            parts.append('**kwargs')
        return ', '.join(parts)


def _render(value: Any) -> str:
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


@functools.lru_cache(maxsize=None)
def of(action_cls: type) -> Signature:
    """The signature of an action class (cached per class)."""
    if action_cls.__init__ is object.__init__:
        return Signature((), {}, (), False)
    params = list(inspect.signature(action_cls.__init__).parameters.values())
    required, order, defaults = [], [], {}
    accepts_any = False
    for param in params[1:]:  # skip self
        if param.kind is param.VAR_KEYWORD:
            accepts_any = True
            continue
        if param.kind is param.VAR_POSITIONAL:
            continue
        order.append(param.name)
        if param.default is param.empty:
            required.append(param.name)
        else:
            defaults[param.name] = param.default
    return Signature(tuple(required), defaults, tuple(order), accepts_any)


def check_input(action_cls: type, action_input: Mapping[str, Any],
                name: str = None) -> None:
    """Raise InvalidActionError, worded as Mistral does, on a bad input.
    ``name``: the action's name when the class does not carry it (a
    dynamic action's)."""
    check_against(of(action_cls), action_input,
                  name or display_name(action_cls), display_class(action_cls))


def check_against(sig: Signature, action_input: Mapping[str, Any],
                  name: str, class_path: str) -> None:
    """``check_input`` for a signature known without its class."""
    if sig.accepts_any:
        return
    given = list(action_input or {})
    missing = [n for n in sig.required if n not in given]
    unexpected = [n for n in given if n not in sig.order]
    if not missing and not unexpected:
        return
    msg = 'Invalid input [name=%s, class=%s' % (name, class_path)
    if missing:
        msg += ', missing=%s' % missing
    if unexpected:
        msg += ', unexpected=%s' % unexpected
    raise exc.InvalidActionError(msg + ']')


def display_name(action_cls: type) -> str:
    """The registered action name, else the class name."""
    return getattr(action_cls, 'action_name', None) or action_cls.__name__


def display_class(action_cls: type) -> str:
    """The class path shown in messages (``class_path`` if the class has one)."""
    return (getattr(action_cls, 'class_path', None)
            or '%s.%s' % (action_cls.__module__, action_cls.__qualname__))
