"""The names code sources written for Mistral import from ``mistral_lib``.

A code source written for Mistral 23 starts with ``from mistral_lib import
actions`` and subclasses ``actions.Action``, returning ``actions.Result``.
``mistral_lib`` is not installed with this project (and never imported by
it); instead a code source's module imports through :func:`importer`, which
answers ``mistral_lib`` and ``mistral_lib.actions`` with modules of our own
holding this project's equivalents (``Action``, ``Result``), so such a
module runs unchanged. Nothing is put in ``sys.modules``: the names exist
for code sources only. Any other name is imported as usual (a module of
``mistral_lib`` we do not provide fails as a missing module does).
"""

from __future__ import annotations

import builtins
import types
from typing import Any, Callable

from mistral_clone.actions import base


def _module(name: str, doc: str, **names: Any) -> types.ModuleType:
    module = types.ModuleType(name, doc)
    module.__dict__.update(names)
    return module


_ACTIONS = _module(
    'mistral_lib.actions',
    "mistral-clone's names for code sources written against "
    'mistral_lib.actions.',
    Action=base.Action, Result=base.ActionResult,
    ActionContext=base.ActionContext)
_PACKAGE = _module(
    'mistral_lib',
    "mistral-clone's names for code sources written against mistral_lib.",
    actions=_ACTIONS)
_PACKAGE.__path__ = []          # a package: ``import mistral_lib.actions``
_OURS = {'mistral_lib': _PACKAGE, 'mistral_lib.actions': _ACTIONS}


def importer(real: Callable = builtins.__import__) -> Callable:
    """An ``__import__`` that answers our ``mistral_lib`` names and leaves
    every other import to ``real``."""

    def import_(name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0 and name in _OURS:
            # ``import a.b`` binds ``a``; ``from a.b import c`` wants ``a.b``.
            return _OURS[name] if fromlist else _PACKAGE
        return real(name, globals, locals, fromlist, level)

    return import_


def module_builtins() -> dict:
    """The builtins of a code source's module: Python's, importing with
    :func:`importer`."""
    names = dict(vars(builtins))
    names['__import__'] = importer(builtins.__import__)
    return names
