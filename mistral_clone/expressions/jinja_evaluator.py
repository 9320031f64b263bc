"""Jinja2 in ``{{ }}`` / ``{% %}``: sandboxed, strict about undefined names.

A string that is exactly one ``{{ ... }}`` is compiled as an expression and
gives its raw value; anything else is rendered as a template into a
string.  Compiled expressions and templates are kept in LRU caches keyed by
their text.
"""

from collections.abc import Mapping
import functools
import inspect
import math
import re
import sys

import jinja2
from jinja2 import sandbox
from oslo_config import cfg

from mistral_clone import exceptions as exc
from mistral_clone.expressions import context as ctx_mod
from mistral_clone.expressions import functions

EXPRESSION_PATTERN = '({{(.*?)}})'
BLOCK_PATTERN = '({%(.*?)%})'
# What the DSL treats as "contains Jinja" in inline parameters.
ANY_PATTERN = '{{.*}}|{%.*%}'

COMPILE_CACHE_SIZE = 4096

_expression_re = re.compile(EXPRESSION_PATTERN)
_block_re = re.compile(BLOCK_PATTERN)

# How real Mistral's data context type reads in Jinja's messages
# ("'<type> object' has no attribute 'x'"), so users see the same text.
_VIEW_TYPE_NAME = 'mistral.workflow.data_flow.ContextView'


class _StrictUndefined(jinja2.StrictUndefined):
    """StrictUndefined whose messages name the data context as Mistral."""

    __slots__ = ()

    @property
    def _undefined_message(self) -> str:
        if (not self._undefined_hint
                and isinstance(self._undefined_obj, ctx_mod.ContextView)):
            what = ('attribute' if isinstance(self._undefined_name, str)
                    else 'element')
            return "'%s object' has no %s %r" % (
                _VIEW_TYPE_NAME, what, self._undefined_name)
        return super()._undefined_message


def _quota() -> int:
    return cfg.CONF.expressions.memory_quota


def _estimated_bytes(operator: str, left, right) -> int:
    """What ``left <operator> right`` would allocate, roughly, for the
    operators that grow a value much faster than the expression's text."""
    if operator == '*':
        for seq, times in ((left, right), (right, left)):
            if (isinstance(seq, (str, bytes, list, tuple))
                    and isinstance(times, int)):
                return sys.getsizeof(seq) * max(times, 0)
    elif operator == '**':
        if (isinstance(left, int) and isinstance(right, int)
                and right > 0 and abs(left) > 1):
            return int(right * math.log2(abs(left)) / 8)
    return 0


class _Environment(sandbox.SandboxedEnvironment):
    """The sandbox, refusing ``*`` and ``**`` whose result would go over
    ``[expressions] memory_quota`` before Python starts making it (a
    single operation cannot be stopped by the evaluation deadline)."""

    intercepted_binops = frozenset(['*', '**'])

    def call_binop(self, context, operator, left, right):
        quota = _quota()
        if 0 < quota < _estimated_bytes(operator, left, right):
            raise sandbox.SecurityError(
                'the result of %r would take more than %d bytes (the '
                '[expressions] memory_quota)' % (operator, quota))
        return super().call_binop(context, operator, left, right)


_environment = _Environment(
    undefined=_StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

# As in Mistral, each function is also a filter; the piped value then
# stands for the data context (so only `_ | f` really works).
_environment.filters.update(functions.FUNCTIONS)


@functools.lru_cache(maxsize=COMPILE_CACHE_SIZE)
def _compiled_expression(source: str):
    return _environment.compile_expression(source, undefined_to_none=False)


@functools.lru_cache(maxsize=COMPILE_CACHE_SIZE)
def _compiled_template(source: str):
    return _environment.from_string(source)


def cache_info() -> dict:
    """Statistics of the expression and template caches."""
    return {
        'expression': _compiled_expression.cache_info(),
        'template': _compiled_template.cache_info(),
    }


def reset() -> None:
    _compiled_expression.cache_clear()
    _compiled_template.cache_clear()


def make_context(view) -> dict:
    """Jinja variables of one evaluation: ``_``, internals, functions."""
    variables = {'_': view}
    for name, func in functions.FUNCTIONS.items():
        variables[name] = functools.partial(func, view)
    if isinstance(view, Mapping):
        for key in ctx_mod.INTERNAL_KEYS:
            variables[key] = view.get(key)
    return variables


def _sanitize(result):
    if isinstance(result, ctx_mod.ContextView):
        return dict(result)
    # Lazy results (e.g. "x | map(...)") are materialized: they are stored
    # and read more than once.
    if inspect.isgenerator(result):
        return list(result)
    return result


def _evaluate_expression(source: str, scope):
    try:
        result = _compiled_expression(source)(**scope.jinja_context)
        # A StrictUndefined only fails when used: use it.
        if isinstance(result, jinja2.Undefined):
            str(result)
    except MemoryError:
        raise exc.JinjaEvaluationError(
            "Expression evaluation exceeded the available memory "
            "[expression=%s]" % source)
    return _sanitize(result)


def is_inline(text: str) -> bool:
    return bool(_expression_re.search(text) or _block_re.search(text))


def evaluate_inline(text: str, scope):
    """Evaluate a string holding Jinja (see the module docstring)."""
    try:
        first = _expression_re.search(text)
        if first is None:
            # Mistral looks for a {{ }} before rendering: a string of
            # blocks only fails ("list index out of range").
            raise IndexError('list index out of range')
        if first.group(1) == text:
            return _evaluate_expression(first.group(2), scope)
        return _compiled_template(text).render(**scope.jinja_context)
    except Exception as e:
        if scope.passes_through(e):
            raise
        if isinstance(e, exc.JinjaEvaluationError):
            raise
        # Never put the data into the message: it may hold secrets.
        raise exc.JinjaEvaluationError(
            "Can not evaluate Jinja expression [expression=%s, error=%s]"
            % (text, ctx_mod.without_addresses(str(e)))) from e


def validate_inline(text: str) -> None:
    """Raise JinjaGrammarError if ``text`` is not a valid Jinja template."""
    try:
        _environment.parse(text)
    except jinja2.exceptions.TemplateError as e:
        raise exc.JinjaGrammarError("Syntax error '%s'." % e) from None
