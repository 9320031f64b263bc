"""Dispatch between the languages, and the recursive walk over data.

Follows Mistral's rules: languages are tried in name order (Jinja, then
YAQL), the first one found in a string evaluates the whole string, and a
string mixing both is refused at validation.
"""

import copy
import threading
from typing import Any, Optional

from oslo_config import cfg

from mistral_clone import exceptions as exc
from mistral_clone.expressions import context as ctx_mod
from mistral_clone.expressions import jinja_evaluator
from mistral_clone.expressions import limits
from mistral_clone.expressions import opts
from mistral_clone.expressions import yaql_evaluator

# (name, module) in the order Mistral tries them.
LANGUAGES = (
    ('jinja', jinja_evaluator),
    ('yaql', yaql_evaluator),
)

# Language name -> the regular expression that finds it in a string.
PATTERNS = {
    'jinja': jinja_evaluator.EXPRESSION_PATTERN,
    'yaql': yaql_evaluator.INLINE_PATTERN,
}

_ATOMS = (str, int, float, bool, type(None))

_allowed = None
_allowed_lock = threading.Lock()


def _allowed_languages() -> frozenset:
    global _allowed
    allowed = _allowed
    if allowed is None:
        with _allowed_lock:
            opts.register_opts(cfg.CONF)
            _allowed = allowed = frozenset(
                cfg.CONF.expressions.allowed_languages)
    return allowed


def reset() -> None:
    """Re-read the configuration and empty every compile cache."""
    global _allowed
    with _allowed_lock:
        _allowed = None
    yaql_evaluator.reset()
    jinja_evaluator.reset()


class Scope:
    """One evaluation context, prepared lazily and shared by the
    expressions evaluated against it (saves re-converting the data)."""

    __slots__ = ('view', '_yaql_context', '_jinja_context',
                 '_passthrough_errors', '_passes_through')

    def __init__(self, context: Any):
        self.view = ctx_mod.make_view(context)
        self._yaql_context = None
        self._jinja_context = None
        provider = ctx_mod.provider_of(self.view)
        self._passthrough_errors = tuple(
            getattr(provider, 'passthrough_errors', None) or ())
        self._passes_through = getattr(provider, 'passes_through', None)

    def passes_through(self, error: BaseException) -> bool:
        """Is ``error`` the provider's own trouble (a database gone for a
        moment, say) rather than the expression's? Such an error reaches
        the caller unchanged, never as an evaluation error."""
        if isinstance(error, self._passthrough_errors):
            return True
        return self._passes_through is not None and \
            bool(self._passes_through(error))

    @property
    def yaql_context(self):
        if self._yaql_context is None:
            self._yaql_context = yaql_evaluator.make_context(self.view)
        return self._yaql_context

    @property
    def jinja_context(self) -> dict:
        if self._jinja_context is None:
            self._jinja_context = jinja_evaluator.make_context(self.view)
        return self._jinja_context


def expression_language(text: Any) -> Optional[str]:
    """The language that would evaluate ``text``, or None."""
    if not isinstance(text, str):
        return None
    for name, language in LANGUAGES:
        if language.is_inline(text):
            return name
    return None


def is_expression(text: Any) -> bool:
    """Whether ``text`` is a string holding at least one expression."""
    return expression_language(text) is not None


def _evaluate(expression: Any, scope_or_context: Any) -> Any:
    if not isinstance(expression, str):
        return expression

    for name, language in LANGUAGES:
        if language.is_inline(expression):
            if name not in _allowed_languages():
                raise exc.ExpressionEvaluationError(
                    "The '%s' expression language is disabled by the "
                    "operator." % name)
            scope = scope_or_context
            if not isinstance(scope, Scope):
                scope = Scope(scope)
            return language.evaluate_inline(expression, scope)

    return expression


def prepare_context(context: Any) -> Scope:
    """A reusable evaluation context for several ``evaluate`` calls.

    The data is converted for YAQL once, on first use; do not change the
    underlying context while the result is in use.
    """
    if isinstance(context, Scope):
        return context
    return Scope(context)


def evaluate(expression: Any, context: Any) -> Any:
    """The value of ``expression`` over ``context``, under the time limits
    (``limits``)."""
    if not isinstance(expression, str):
        return expression
    return limits.guarded(_evaluate, expression, context)


def _walk(data: Any, scope: Scope) -> Any:
    if isinstance(data, str):
        return _evaluate(data, scope)
    if isinstance(data, dict):
        result = copy.copy(data)
        for key, value in data.items():
            result[key] = _walk(value, scope)
        return result
    if isinstance(data, list):
        result = copy.copy(data)
        for index, value in enumerate(data):
            result[index] = _walk(value, scope)
        return result
    if isinstance(data, _ATOMS):
        return data
    return copy.deepcopy(data)


def evaluate_recursively(data: Any, context: Any) -> Any:
    """Every expression in ``data`` evaluated, under the time limits
    (``limits``: one limit for the whole of ``data``)."""
    if isinstance(data, _ATOMS) and not isinstance(data, str):
        return data
    return limits.guarded(_evaluate_recursively, data, context)


def _evaluate_recursively(data: Any, context: Any) -> Any:
    scope = prepare_context(context)
    # Mistral's rule: with an empty context nothing is evaluated.
    if not scope.view:
        return copy.deepcopy(data)
    return _walk(data, scope)


def validate(expression: Any) -> None:
    if not isinstance(expression, str):
        return

    found = None
    for name, language in LANGUAGES:
        if not language.is_inline(expression):
            continue
        if name not in _allowed_languages():
            raise exc.ExpressionGrammarError(
                "The '%s' expression language is disabled by the "
                "operator." % name)
        if found:
            raise exc.ExpressionGrammarError(
                "The line already contains an expression of type '%s'. "
                "Mixing expression types in a single line is not allowed."
                % found)
        language.validate_inline(expression)
        found = name
