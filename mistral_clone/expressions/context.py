"""The data an expression sees, built from the engine's evaluation context.

The engine passes one mapping: the data (published variables, input, ...)
plus a few internal keys (see the package docstring).  Here it becomes a
:class:`ContextView`: a shallow copy without the data provider (which is
kept aside as an attribute, out of reach of expressions) and with
``__env`` filled in from ``__execution['params']['env']`` when the engine
did not give it directly.
"""

import re
from collections.abc import Mapping
from typing import Any, Optional

from mistral_clone.expressions.provider import DATA_PROVIDER_KEY

ENV_KEY = '__env'
EXECUTION_KEY = '__execution'
TASK_EXECUTION_KEY = '__task_execution'

# The internal keys real Mistral also exposes as top-level names to the
# functions (yaql context entries / Jinja variables).
INTERNAL_KEYS = (ENV_KEY, EXECUTION_KEY, TASK_EXECUTION_KEY)


class ContextView(dict):
    """The data context of one evaluation (``$`` in YAQL, ``_`` in Jinja).

    A plain dict for every purpose; its type only lets error messages name
    it the way real Mistral's do, and carries the data provider.
    """

    __slots__ = ('data_provider',)

    def __init__(self, data: Mapping, data_provider: Any = None):
        super().__init__(data)
        self.data_provider = data_provider

    def __reduce_ex__(self, protocol):
        # Copies and pickles of a result that is the whole context are
        # plain dicts: the provider never travels with the data.
        return dict, (dict(self),)


def make_view(context: Any) -> Any:
    """The data context for ``context``; non-mappings are used as they are."""
    if not isinstance(context, Mapping):
        return context

    provider = context.get(DATA_PROVIDER_KEY)
    view = ContextView(context, provider)
    view.pop(DATA_PROVIDER_KEY, None)

    if ENV_KEY not in view:
        env = _env_from_execution(view.get(EXECUTION_KEY))
        if env is not None:
            view[ENV_KEY] = env

    return view


_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def without_addresses(text: str) -> str:
    """``text`` without the memory addresses Python prints in the text of
    its objects (``<function env_ at 0x7f..>``): users see no
    addresses."""
    return _ADDRESS.sub("", text)


def provider_of(view: Any) -> Optional[Any]:
    return getattr(view, 'data_provider', None)


def _env_from_execution(execution: Any) -> Optional[Any]:
    if not isinstance(execution, Mapping):
        return None
    params = execution.get('params')
    if not isinstance(params, Mapping):
        return None
    return params.get('env')
