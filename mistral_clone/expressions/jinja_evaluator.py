"""Jinja2 in ``{{ }}`` / ``{% %}``: sandboxed, strict about undefined names.

A string that is exactly one ``{{ ... }}`` is compiled as an expression and
gives its raw value; anything else is rendered as a template into a
string.  Compiled expressions and templates are kept in LRU caches keyed by
their text.
"""

from collections.abc import Mapping
import functools
import inspect
import re

import jinja2
from oslo_config import cfg

from mistral_clone import exceptions as exc
from mistral_clone.expressions import context as ctx_mod
from mistral_clone.expressions import functions
from mistral_clone.expressions import jinja_checks
from mistral_clone.expressions import jinja_memory
from mistral_clone.expressions import jinja_sandbox

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


_quota_read = []


def _quota() -> int:
    """``[expressions] memory_quota``, read once (again after ``reset``):
    reading an option costs as much as a small evaluation."""
    if not _quota_read:
        _quota_read.append(cfg.CONF.expressions.memory_quota)
    return _quota_read[0]


_environment = jinja_sandbox.Environment(
    undefined=_StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

# As in Mistral, each function is also a filter; the piped value then
# stands for the data context (so only `_ | f` really works).
_functions = jinja_checks.checked_functions(functions.FUNCTIONS)
_environment.filters.update(_functions)


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
    _quota_read.clear()
    _compiled_expression.cache_clear()
    _compiled_template.cache_clear()


def make_context(view) -> dict:
    """Jinja variables of one evaluation: ``_``, internals, functions."""
    variables = {'_': view}
    for name, func in _functions.items():
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
    """Evaluate a string holding Jinja (see the module docstring), within
    the memory budget of one evaluation (``jinja_memory``)."""
    budget = jinja_memory.start(_quota())
    try:
        first = _expression_re.search(text)
        if first is None:
            # Mistral looks for a {{ }} before rendering: a string of
            # blocks only fails ("list index out of range").
            raise IndexError('list index out of range')
        if first.group(1) == text:
            return _evaluate_expression(first.group(2), scope)
        return jinja_sandbox.render(_compiled_template(text),
                                    scope.jinja_context)
    except Exception as e:
        if scope.passes_through(e):
            raise
        if isinstance(e, exc.JinjaEvaluationError):
            raise
        # Never put the data into the message: it may hold secrets.
        raise exc.JinjaEvaluationError(
            "Can not evaluate Jinja expression [expression=%s, error=%s]"
            % (text, ctx_mod.without_addresses(str(e)))) from e
    finally:
        jinja_memory.restore(budget)


def validate_inline(text: str) -> None:
    """Raise JinjaGrammarError if ``text`` is not a valid Jinja template."""
    try:
        _environment.parse(text)
    except jinja2.exceptions.TemplateError as e:
        raise exc.JinjaGrammarError("Syntax error '%s'." % e) from None
