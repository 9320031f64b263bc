"""The input of a dynamic action's class, read from its code source's text
without running it.

The engine checks a task's input against it before it creates the action
execution, as Mistral 23 does (a refused input fails the task with
``Failed to run task [error=Invalid input [...]...]``), yet never runs
uploaded code itself: only the executors do (``actions.dynamic``). When
the text does not say plainly what ``__init__`` takes (no such top-level
class, a decorated class or ``__init__``, a metaclass, an inherited
``__init__``, a name bound twice), there is no check here: the
executor's, when it makes the action, is the one that counts.
"""

from __future__ import annotations

import ast
import functools
from typing import Optional

from mistral_clone.actions import dynamic
from mistral_clone.actions import signature


def _top_level_bindings(tree: ast.Module, name: str) -> list:
    found = []
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef,
                             ast.AsyncFunctionDef)) and node.name == name:
            found.append(node)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign,
                               ast.Import, ast.ImportFrom)):
            targets = [t for t in ast.walk(node)
                       if isinstance(t, ast.Name) and t.id == name]
            aliases = [a for a in getattr(node, 'names', [])
                       if (a.asname or a.name.split('.')[0]) == name]
            if targets or aliases:
                found.append(node)
    return found


def _from_init(init: ast.FunctionDef) -> Optional[signature.Signature]:
    args = init.args
    if init.decorator_list or args.posonlyargs or not args.args:
        return None
    positional = [a.arg for a in args.args[1:]]   # without self
    with_default = positional[len(positional) - len(args.defaults):] \
        if args.defaults else []
    keyword_only = [a.arg for a in args.kwonlyargs]
    kw_with_default = [a.arg for a, d in zip(args.kwonlyargs,
                                             args.kw_defaults)
                       if d is not None]
    order = tuple(positional + keyword_only)
    defaults = {n: None for n in with_default + kw_with_default}
    required = tuple(n for n in order if n not in defaults)
    return signature.Signature(required, defaults, order,
                               args.kwarg is not None)


@functools.lru_cache(maxsize=256)
def declared(content: str, class_name: str) -> Optional[signature.Signature]:
    """What ``class_name``'s ``__init__`` takes, when the text says it
    plainly; None otherwise."""
    try:
        tree = ast.parse(content or '')
    except (SyntaxError, ValueError):
        return None
    bindings = _top_level_bindings(tree, class_name)
    if len(bindings) != 1 or not isinstance(bindings[0], ast.ClassDef):
        return None
    cls = bindings[0]
    if cls.decorator_list or cls.keywords:   # decorated, or a metaclass
        return None
    inits = [n for n in cls.body if isinstance(n, ast.FunctionDef)
             and n.name == '__init__']
    if not inits:
        # A class of its own with no __init__ takes no input; a derived
        # one takes what its base takes.
        return None if cls.bases else signature.Signature((), {}, (), False)
    if len(inits) != 1:
        return None
    return _from_init(inits[0])


def check_input(action_name: str, code: dynamic.CodeRef,
                action_input: dict) -> None:
    """InvalidActionError, worded as for any action, when ``action_input``
    does not fit what the class plainly declares."""
    sig = declared(code.content, code.class_name)
    if sig is not None:
        signature.check_against(
            sig, action_input, action_name,
            '%s.%s' % (code.code_source_name, code.class_name))
