"""YAQL in ``<% %>``: the engine, the parse cache and evaluation.

The yaql engine is built once from the ``[yaql]`` options (call
:func:`reset` after changing them); parsed expressions are kept in an LRU
cache keyed by their text, so each distinct expression is parsed once per
process.
"""

from collections.abc import Iterator, Mapping
import functools
import inspect
import re
import threading

from oslo_config import cfg
import yaql
from yaql.language import exceptions as yaql_exc
from yaql.language import factory
from yaql.language import utils as yaql_utils

from mistral_clone import exceptions as exc
from mistral_clone.expressions import context as ctx_mod
from mistral_clone.expressions import functions
from mistral_clone.expressions import opts
from mistral_clone.expressions.provider import DATA_PROVIDER_KEY

INLINE_PATTERN = '<%.*?%>'

PARSE_CACHE_SIZE = 4096

_inline_re = re.compile(INLINE_PATTERN)

# What a yaql parse can raise for a bad expression (Mistral's list).
_GRAMMAR_ERRORS = (yaql_exc.YaqlException, KeyError, ValueError, TypeError)


def _set_or_ours(conf: cfg.ConfigOpts, name: str) -> int:
    """Mistral's ``[yaql]`` limit when set, else ``[expressions]``' (Mistral
    has none by default)."""
    value = conf.yaql[name]
    return value if value > 0 else conf.expressions[name]


def engine_options(conf: cfg.ConfigOpts = cfg.CONF) -> dict:
    """The yaql engine options made from the ``[yaql]`` group."""
    opts.register_opts(conf)
    group = conf.yaql
    return {
        'yaql.limitIterators': _set_or_ours(conf, 'limit_iterators'),
        'yaql.memoryQuota': _set_or_ours(conf, 'memory_quota'),
        'yaql.convertTuplesToLists': group.convert_tuples_to_lists,
        'yaql.convertSetsToLists': group.convert_sets_to_lists,
        'yaql.iterableDicts': group.iterable_dicts,
        'yaql.convertOutputData': group.convert_output_data,
    }


class _Runtime:
    """Everything built from the configuration, replaced as a whole."""

    def __init__(self, conf: cfg.ConfigOpts):
        options = engine_options(conf)
        self.engine = factory.YaqlFactory(
            keyword_operator=conf.yaql.keyword_operator,
            allow_delegates=conf.yaql.allow_delegates,
        ).create(options=options)
        self.convert_input_data = conf.yaql.convert_input_data
        self.root_context = yaql.create_context()
        for name, func in functions.FUNCTIONS.items():
            self.root_context.register_function(func, name=name)
        # yaql's ply lexer and parser keep state on shared objects: one
        # parse at a time (parses are rare, thanks to the cache).
        self._parse_lock = threading.Lock()
        self.parse = functools.lru_cache(maxsize=PARSE_CACHE_SIZE)(
            self.parse_uncached)

    def parse_uncached(self, expression: str):
        with self._parse_lock:
            return self.engine(expression)


_runtime = None
_runtime_lock = threading.Lock()


def _get_runtime() -> _Runtime:
    global _runtime
    runtime = _runtime
    if runtime is None:
        with _runtime_lock:
            if _runtime is None:
                _runtime = _Runtime(cfg.CONF)
            runtime = _runtime
    return runtime


def reset() -> None:
    """Forget the engine and the parse cache (re-read ``[yaql]`` options)."""
    global _runtime
    with _runtime_lock:
        _runtime = None


def cache_info():
    """``functools`` cache statistics of the parse cache."""
    return _get_runtime().parse.cache_info()


def make_context(view):
    """The yaql context of one evaluation: ``$`` is the data context."""
    runtime = _get_runtime()
    context = runtime.root_context.create_child_context()
    context['$'] = (yaql_utils.convert_input_data(view)
                    if runtime.convert_input_data else view)
    if isinstance(view, Mapping):
        for key in ctx_mod.INTERNAL_KEYS:
            context[key] = view.get(key)
    context[DATA_PROVIDER_KEY] = ctx_mod.provider_of(view)
    return context


def _sanitize(result):
    if isinstance(result, yaql_utils.FrozenDict):
        return dict(result)
    if isinstance(result, ctx_mod.ContextView):
        return dict(result)
    if inspect.isgenerator(result) or isinstance(result, Iterator):
        return list(result)
    return result


def evaluate_expression(expression: str, scope) -> object:
    """Evaluate one YAQL expression (no delimiters) in ``scope``."""
    expression = expression.strip() if expression else expression

    try:
        statement = _get_runtime().parse(expression)
        return _sanitize(statement.evaluate(context=scope.yaql_context))
    except Exception as e:
        if scope.passes_through(e):
            raise
        if isinstance(e, exc.YaqlEvaluationError):
            raise
        # Never put the data into the message: it may hold secrets.
        raise exc.YaqlEvaluationError(
            "Can not evaluate YAQL expression [expression=%s, error=%s]"
            % (expression, ctx_mod.without_addresses(str(e)))) from e


def validate_expression(expression: str) -> None:
    """Raise YaqlGrammarError if one YAQL expression does not parse."""
    runtime = _get_runtime()
    try:
        runtime.parse(expression.strip())
        return
    except _GRAMMAR_ERRORS:
        pass

    # Parse the text as written so positions in the message match
    # Mistral's (it does not strip the spaces inside the delimiters).
    try:
        runtime.parse_uncached(expression)
    except _GRAMMAR_ERRORS as e:
        raise exc.YaqlGrammarError(str(getattr(e, 'message', e))) from None


def find_inline(text: str) -> list:
    """Every ``<% ... %>`` in ``text``, delimiters included."""
    return _inline_re.findall(text)


def is_inline(text: str) -> bool:
    return _inline_re.search(text) is not None


def evaluate_inline(text: str, scope) -> object:
    """Evaluate every ``<% %>`` in ``text``.

    A string that is exactly one expression gives the raw value; otherwise
    each expression is replaced by ``str()`` of its value.
    """
    result = text
    for found in find_inline(text):
        value = evaluate_expression(found.strip('<%>'), scope)
        if len(found) == len(text):
            result = value
        else:
            result = result.replace(found, str(value))
    return result


def validate_inline(text: str) -> None:
    for found in find_inline(text):
        validate_expression(found.strip('<%>'))
