"""Inline forms: raw values, interpolation, dispatch and the recursive walk."""

import pytest

from mistral_clone import expressions as expr

DATA = {'s': 'x', 'd': {'a': 1}, 'l': [1, {'b': 2}], 'n': None, 't': True,
        'i': 7, 'f': 1.5}


@pytest.mark.parametrize('expression, expected', [
    ('<% $.d %>', {'a': 1}),
    ('<% $.l %>', [1, {'b': 2}]),
    ('<% $.n %>', None),
    ('<% $.i %>', 7),
    ('<% 7 / 2 %>', 3),
    ('<%$.s%>', 'x'),
    ('{{ _.d }}', {'a': 1}),
    ('{{ _.l }}', [1, {'b': 2}]),
    ('{{ _.n }}', None),
    ('{{ _.i + 1 }}', 8),
    ('{{ (1, 2) }}', (1, 2)),
    ('{{ none }}', None),
])
def test_single_expression_gives_raw_value(expression, expected):
    assert expr.evaluate(expression, DATA) == expected


@pytest.mark.parametrize('expression, expected', [
    ('v=<% $.d %>', "v={'a': 1}"),
    ('v=<% $.l %>', "v=[1, {'b': 2}]"),
    ('v=<% $.n %>', 'v=None'),
    ('v=<% $.t %>', 'v=True'),
    ('v=<% $.f %>', 'v=1.5'),
    ('v=<% {a => [1, 2]} %>', "v={'a': [1, 2]}"),
    ('<% $.s %>-<% $.s %>', 'x-x'),
    (' <% $.s %> ', ' x '),
    ('<% $.s %>B', 'xB'),
    ('a<% set(1, 2) %>', 'a{1, 2}'),
    ('v={{ _.d }}', "v={'a': 1}"),
    ('v={{ _.l }}', "v=[1, {'b': 2}]"),
    ('v={{ _.n }}', 'v=None'),
    ('v={{ _.t }}', 'v=True'),
    ('{{ _.s }}-{{ _.s }}', 'x-x'),
    ('{{ _.i }}\n', '7'),
    ('{% if _.t %}yes{% endif %} {{ _.s }}', 'yes x'),
    ('{% for x in [1, 2] %}{{ x }}{% endfor %}', '12'),
    ("x{{ _.d }}y{% raw %}{{{% endraw %}", "x{'a': 1}y{{"),
])
def test_embedded_expressions_are_stringified(expression, expected):
    assert expr.evaluate(expression, DATA) == expected


def test_yaql_sets_stay_sets_by_default():
    assert expr.evaluate('<% [1, 2].toSet() %>', DATA) == {1, 2}


def test_jinja_lazy_results_are_materialized():
    assert expr.evaluate('{{ [1, 2] | map("string") }}', DATA) == ['1', '2']


def test_strings_without_expressions_and_non_strings_are_returned():
    for value in ('plain', '{{ a }', '<% a', '', 5, None, [1], {'a': 1}):
        assert expr.evaluate(value, DATA) is value


def test_expressions_do_not_span_lines():
    # Mistral's patterns do not match across a newline.
    assert expr.evaluate('<% $.s\n %>', DATA) == '<% $.s\n %>'


def test_jinja_wins_when_both_languages_are_present():
    assert expr.evaluate('{{ _.s }} <% $.s %>', DATA) == 'x <% $.s %>'
    assert expr.expression_language('<% 1 %> {{ 2 }}') == 'jinja'


def test_underscore_is_not_data_in_yaql():
    # A bare identifier is a string in YAQL, as in Mistral.
    assert expr.evaluate('<% _ %>', DATA) == '_'


def test_dollar_is_the_data_in_yaql_and_underscore_in_jinja():
    assert expr.evaluate('<% $ %>', DATA) == DATA
    assert expr.evaluate('{{ _ }}', DATA) == DATA
    assert type(expr.evaluate('{{ _ }}', DATA)) is dict


def test_yaql_keyword_strings_and_internal_keys():
    ctx = dict(DATA, __execution={'id': 'E'})
    assert expr.evaluate("<% $.get('__execution').id %>", ctx) == 'E'
    assert expr.evaluate('{{ _.__execution.id }}', ctx) == 'E'
    assert expr.evaluate('{{ __execution.id }}', ctx) == 'E'


def test_is_expression_and_language():
    assert expr.is_expression('a <% 1 %>')
    assert expr.is_expression('{{ 1 }}')
    assert expr.is_expression('{% if 1 %}{% endif %}')
    assert not expr.is_expression('a { b }')
    assert not expr.is_expression(3)
    assert expr.expression_language('<% 1 %>') == 'yaql'
    assert expr.expression_language('x') is None


def test_patterns_are_mistrals():
    assert list(expr.PATTERNS) == ['jinja', 'yaql']
    assert expr.PATTERNS['yaql'] == '<%.*?%>'
    assert expr.PATTERNS['jinja'] == '({{(.*?)}})'
    assert expr.YAQL_INLINE_PATTERN == '<%.*?%>'
    assert expr.JINJA_ANY_PATTERN == '{{.*}}|{%.*%}'


class TestEvaluateRecursively:

    def test_walks_dicts_and_lists(self):
        data = {
            'a': '<% $.i %>',
            'b': ['{{ _.s }}', {'c': 'v=<% $.i %>'}, 3, None],
            'plain': 'text',
            '<% $.s %>': 'keys are not evaluated',
        }
        assert expr.evaluate_recursively(data, DATA) == {
            'a': 7,
            'b': ['x', {'c': 'v=7'}, 3, None],
            'plain': 'text',
            '<% $.s %>': 'keys are not evaluated',
        }

    def test_returns_a_copy(self):
        data = {'a': ['<% $.i %>'], 'b': {'c': [1]}}
        result = expr.evaluate_recursively(data, DATA)
        assert data == {'a': ['<% $.i %>'], 'b': {'c': [1]}}
        result['b']['c'].append(2)
        assert data['b']['c'] == [1]

    def test_top_level_string(self):
        assert expr.evaluate_recursively('<% $.i %>', DATA) == 7

    def test_tuples_are_not_walked(self):
        assert expr.evaluate_recursively({'t': ('<% 1 %>',)}, DATA) == {
            't': ('<% 1 %>',)}

    def test_empty_context_evaluates_nothing(self):
        # Mistral's rule, kept on purpose.
        assert expr.evaluate_recursively({'a': '<% 1 %>'}, {}) == {
            'a': '<% 1 %>'}
        assert expr.evaluate_recursively(['{{ 1 }}'], None) == ['{{ 1 }}']

    def test_evaluate_works_without_context(self):
        assert expr.evaluate('<% 1 + 1 %>', {}) == 2
        assert expr.evaluate('<% $ %>', None) is None
        assert expr.evaluate('{{ 1 + 1 }}', None) == 2

    def test_non_mapping_context(self):
        assert expr.evaluate('<% $[1] %>', [5, 6]) == 6
        assert expr.evaluate('{{ _[0] }}', [5, 6]) == 5
