"""Mistral's expressions: YAQL in ``<% %>`` and Jinja2 in ``{{ }}``/``{% %}``.

Public API
----------
``evaluate(expression, context) -> Any``
    ``expression`` is any value; only strings are looked at.  A string that
    is exactly one expression (``"<% $.x %>"``, ``"{{ _.x }}"``) gives the
    raw value (dict, list, int, None, ...).  A string with text around or
    several expressions gives a string, each value put in with ``str()``
    (``"v=<% $.d %>"`` -> ``"v={'a': 1}"``, None -> ``"None"``).  A string
    without expressions comes back unchanged.  If a string holds both
    languages, Jinja wins and the ``<% %>`` stay as text (as in Mistral).
``evaluate_recursively(data, context) -> Any``
    A copy of ``data`` with every string inside dicts and lists (values,
    not keys) evaluated.  As in Mistral, an empty ``context`` means no
    evaluation at all.  All the strings share one prepared context.
``validate(expression) -> None``
    For definition time.  Raises ``YaqlGrammarError`` (yaql's message,
    e.g. ``"Parse error: unexpected end of statement"``),
    ``JinjaGrammarError`` (``"Syntax error '...'."``) or
    ``ExpressionGrammarError`` (both languages in one string, or a
    language disabled by ``[expressions] allowed_languages``).
``prepare_context(context) -> Scope``
    For several ``evaluate*`` calls over the same, unchanged context: the
    data is then converted for YAQL once.  Every function taking a
    ``context`` also accepts a Scope.
``is_expression(s) -> bool``, ``expression_language(s) -> 'jinja'|'yaql'|None``
``PATTERNS``: language -> regular expression finding it (Mistral's, e.g.
    for inline action parameters); ``YAQL_INLINE_PATTERN``,
    ``JINJA_ANY_PATTERN``.
``reset()``: re-read ``[yaql]`` / ``[expressions]`` options and empty the
    compile caches (parsed expressions are cached by text, LRU).
``DataProvider``: the protocol the engine implements (see ``provider``).

Errors at evaluation: ``YaqlEvaluationError`` with
``"Can not evaluate YAQL expression [expression=<expr>, error=<reason>]"``,
``JinjaEvaluationError`` with
``"Can not evaluate Jinja expression [expression=<text>, error=<reason>]"``
(the data is never quoted: it may hold secrets).

The evaluation context
----------------------
A mapping: the data (``$`` in YAQL, ``_`` in Jinja) plus optional keys
used by Mistral's functions:

- ``__env``: the environment, returned by ``env()``; if absent it is taken
  from ``__execution['params']['env']``.
- ``__execution``: the current workflow execution, at least ``{'id': ...}``.
  ``execution()`` asks the data provider for it by id, or without a
  provider returns the dict itself (projected on Mistral's keys).
- ``__task_execution``: ``{'id', 'name'}`` of the current task (``task()``).
- ``__data_provider``: a :class:`DataProvider` (removed from the data).

Functions (YAQL functions and Jinja globals, also Jinja filters where the
piped value stands for the context): ``env()``, ``execution()``,
``executions(id, root_execution_id, state, from_time, to_time)``,
``global(var_name)``, ``task(task_name=None)``,
``tasks(workflow_execution_id, recursive, state, flat)``, ``uuid()``,
``json_parse(s)``, ``json_dump(x)``, ``yaml_parse(s)``, ``yaml_dump(x)``.
"""

# yaql 3.2 uses collections.abc without importing it: make sure it is
# loaded before any module of this package imports yaql.
import collections.abc  # noqa: F401
import importlib
from typing import Any

# name -> (submodule, its name there). Loaded on first use (PEP 562), so
# importing ``mistral_clone.expressions.opts`` (as config does) does not
# load yaql and Jinja2.
_EXPORTS = {
    'evaluate': ('evaluation', 'evaluate'),
    'evaluate_recursively': ('evaluation', 'evaluate_recursively'),
    'expression_language': ('evaluation', 'expression_language'),
    'is_expression': ('evaluation', 'is_expression'),
    'PATTERNS': ('evaluation', 'PATTERNS'),
    'prepare_context': ('evaluation', 'prepare_context'),
    'reset': ('evaluation', 'reset'),
    'validate': ('evaluation', 'validate'),
    'JINJA_ANY_PATTERN': ('jinja_evaluator', 'ANY_PATTERN'),
    'DATA_PROVIDER_KEY': ('provider', 'DATA_PROVIDER_KEY'),
    'DataProvider': ('provider', 'DataProvider'),
    'YAQL_INLINE_PATTERN': ('yaql_evaluator', 'INLINE_PATTERN'),
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    try:
        module, attr = _EXPORTS[name]
    except KeyError:
        raise AttributeError(
            'module %r has no attribute %r' % (__name__, name)) from None
    value = getattr(importlib.import_module('%s.%s' % (__name__, module)),
                    attr)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
