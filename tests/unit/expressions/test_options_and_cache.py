"""[yaql] / [expressions] options and the compile caches."""

import pytest

from mistral_clone import exceptions as exc
from mistral_clone import expressions as expr
from mistral_clone.expressions import jinja_evaluator
from mistral_clone.expressions import opts
from mistral_clone.expressions import yaql_evaluator


def test_list_opts_has_mistrals_names_and_defaults():
    groups = dict(opts.list_opts())
    assert {o.name: o.default for o in groups['yaql']} == {
        'limit_iterators': -1,
        'memory_quota': -1,
        'convert_input_data': True,
        'convert_output_data': True,
        'convert_tuples_to_lists': True,
        'convert_sets_to_lists': False,
        'iterable_dicts': False,
        'keyword_operator': '=>',
        'allow_delegates': False,
    }
    assert {o.name: o.default for o in groups['expressions']} == {
        'allowed_languages': ['yaql', 'jinja'],
        # Ours (Mistral has no limit): see expressions.limits.
        'evaluation_timeout': 10.0, 'max_time_in_transaction': 0.5,
        'memory_quota': 64 * 1024 * 1024, 'limit_iterators': 1000000}


def test_engine_options_follow_the_config(override):
    assert yaql_evaluator.engine_options() == {
        # [yaql] limit_iterators left at Mistral's -1: [expressions]'.
        'yaql.limitIterators': 1000000,
        # [yaql] memory_quota left at Mistral's -1: [expressions]' quota.
        'yaql.memoryQuota': 64 * 1024 * 1024,
        'yaql.convertTuplesToLists': True,
        'yaql.convertSetsToLists': False,
        'yaql.iterableDicts': False,
        'yaql.convertOutputData': True,
    }
    override('memory_quota', 1000)
    assert yaql_evaluator.engine_options()['yaql.memoryQuota'] == 1000


def test_convert_sets_to_lists(override):
    override('convert_sets_to_lists', True)
    assert expr.evaluate('<% [2, 1, 2].toSet() %>', {}) in ([1, 2], [2, 1])


def test_convert_output_data_off_keeps_yaql_types(override):
    override('convert_output_data', False)
    assert expr.evaluate('<% [1, 2] %>', {}) == (1, 2)
    # Frozen dicts are still unwrapped into plain dicts.
    assert type(expr.evaluate('<% {a => 1} %>', {})) is dict


def test_convert_input_data_off(override):
    data = {'l': [1, 2], 'd': {'a': 1}}
    assert expr.evaluate('<% $.l %>', data) == [1, 2]
    override('convert_input_data', False)
    assert expr.evaluate('<% $.l.len() %>', data) == 2
    assert expr.evaluate('<% $ %>', data) == data


def test_iterable_dicts(override):
    with pytest.raises(exc.YaqlEvaluationError):
        expr.evaluate('<% $.d.select($) %>', {'d': {'a': 1}})
    override('iterable_dicts', True)
    assert expr.evaluate('<% $.d.select($) %>', {'d': {'a': 1}}) == ['a']


def test_keyword_operator(override):
    assert expr.evaluate('<% dict(a => 1) %>', {}) == {'a': 1}
    override('keyword_operator', ':')
    assert expr.evaluate('<% dict(a: 1) %>', {}) == {'a': 1}


def test_limit_iterators(override):
    override('limit_iterators', 3)
    with pytest.raises(exc.YaqlEvaluationError):
        expr.evaluate('<% range(10).select($) %>', {})


def test_memory_quota(override):
    override('memory_quota', 100)
    with pytest.raises(exc.YaqlEvaluationError):
        expr.evaluate('<% range(1000).select($ * 1000) %>', {})


@pytest.mark.parametrize('expression', [
    "<% 'a' * 1000000000 %>",
    "{{ 'a' * 1000000000 }}",
    "{{ [1, 2] * 1000000000 }}",
    "{{ 10 ** 1000000000 }}",
])
def test_a_value_over_the_memory_quota_is_refused_before_it_is_made(
        expression):
    # By default (64 MiB), in both languages, at once: a single Python
    # operation cannot be stopped by the evaluation deadline.
    with pytest.raises(exc.ExpressionEvaluationError) as info:
        expr.evaluate(expression, {})
    assert 'memory' in str(info.value)


def test_a_collection_built_item_by_item_stops_at_the_iterator_limit():
    # By default: memory_quota sees a list only once it is built.
    with pytest.raises(exc.YaqlEvaluationError,
                       match='exceeds 1000000 elements'):
        expr.evaluate('<% range(100000000).toList() %>', {})
    assert expr.evaluate('<% range(0, 10000).toList().len() %>', {}) == 10000


@pytest.mark.parametrize('expression,value', [
    ("{{ 'ab' * 3 }}", 'ababab'), ("{{ [1] * 2 }}", [1, 1]),
    ("{{ 2 ** 10 }}", 1024), ("{{ 3 * 4 }}", 12), ("<% 'ab' * 2 %>", 'abab'),
])
def test_values_under_the_memory_quota_are_made(expression, value):
    assert expr.evaluate(expression, {}) == value


class TestCache:

    def test_yaql_expressions_are_parsed_once(self):
        before = yaql_evaluator.cache_info()
        for i in range(5):
            assert expr.evaluate('<% $.cached_a + 1 %>', {'cached_a': i}) == \
                i + 1
        after = yaql_evaluator.cache_info()
        assert after.misses == before.misses + 1
        assert after.hits == before.hits + 4

    def test_spaces_inside_delimiters_share_the_entry(self):
        expr.evaluate('<%$.cached_b%>', {'cached_b': 1})
        before = yaql_evaluator.cache_info()
        expr.evaluate('<%   $.cached_b   %>', {'cached_b': 1})
        assert yaql_evaluator.cache_info().hits == before.hits + 1

    def test_jinja_expressions_and_templates_are_compiled_once(self):
        before = jinja_evaluator.cache_info()
        for i in range(3):
            expr.evaluate('{{ _.cached_c }}', {'cached_c': i})
            expr.evaluate('v={{ _.cached_c }}', {'cached_c': i})
        after = jinja_evaluator.cache_info()
        assert after['expression'].misses == \
            before['expression'].misses + 1
        assert after['template'].misses == before['template'].misses + 1
        assert after['expression'].hits == before['expression'].hits + 2
        assert after['template'].hits == before['template'].hits + 2

    def test_reset_empties_the_caches(self):
        expr.evaluate('<% $.cached_d %>', {'cached_d': 1})
        expr.evaluate('{{ _.cached_d }}', {'cached_d': 1})
        expr.reset()
        assert yaql_evaluator.cache_info().currsize == 0
        assert jinja_evaluator.cache_info()['expression'].currsize == 0

    def test_one_context_is_prepared_per_recursive_call(self, monkeypatch):
        calls = []
        real = yaql_evaluator.make_context

        def counting(view):
            calls.append(view)
            return real(view)

        monkeypatch.setattr(yaql_evaluator, 'make_context', counting)
        result = expr.evaluate_recursively(
            {'a': '<% $.x %>', 'b': ['<% $.x %>-<% $.x %>', {'c': '<% 1 %>'}]},
            {'x': 1})
        assert result == {'a': 1, 'b': ['1-1', {'c': 1}]}
        assert len(calls) == 1


class TestPreparedContext:

    def test_reused_across_calls(self, monkeypatch):
        calls = []
        real = yaql_evaluator.make_context
        monkeypatch.setattr(yaql_evaluator, 'make_context',
                            lambda view: calls.append(1) or real(view))
        scope = expr.prepare_context({'x': 2})
        assert expr.evaluate('<% $.x %>', scope) == 2
        assert expr.evaluate('{{ _.x }}', scope) == 2
        assert expr.evaluate_recursively(['<% $.x * 2 %>'], scope) == [4]
        assert expr.prepare_context(scope) is scope
        assert len(calls) == 1

    def test_empty_prepared_context_evaluates_nothing(self):
        scope = expr.prepare_context({})
        assert expr.evaluate_recursively(['<% 1 %>'], scope) == ['<% 1 %>']


def test_parallel_parsing_is_safe():
    import concurrent.futures

    def work(i):
        return [expr.evaluate('<%% $.v + %d + %d %%>' % (i, j), {'v': 1})
                for j in range(60)]

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(work, range(16)))
    assert results == [[1 + i + j for j in range(60)] for i in range(16)]
