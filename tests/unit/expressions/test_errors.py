"""Evaluation and grammar errors, with Mistral's messages."""

import pytest

from mistral_clone import exceptions as exc
from mistral_clone import expressions as expr

DATA = {'s': 'text', 'd': {'a': 1}}


@pytest.mark.parametrize('expression, message', [
    ('<% $.nope %>',
     "Can not evaluate YAQL expression [expression=$.nope, error='nope']"),
    ('<% $.s.nope %>',
     'Can not evaluate YAQL expression [expression=$.s.nope, '
     'error=Unknown function "#property#nope"]'),
    ('<% $.s + 1 %>', None),
    ('<% 1 / 0 %>',
     'Can not evaluate YAQL expression [expression=1 / 0, '
     'error=integer division or modulo by zero]'),
    ('v=<% json_pp($) %>',
     'Can not evaluate YAQL expression [expression=json_pp($), '
     'error=Unknown function "json_pp"]'),
    ('<% task(task_name => t1) %>',
     'Can not evaluate YAQL expression [expression=task(task_name => t1), '
     'error=No function "task" matches supplied arguments]'),
    # Not validated first: a parse error surfaces at evaluation.
    ('<% $.a + %>',
     'Can not evaluate YAQL expression [expression=$.a +, '
     'error=Parse error: unexpected end of statement]'),
])
def test_yaql_evaluation_errors(expression, message):
    with pytest.raises(exc.YaqlEvaluationError) as err:
        expr.evaluate(expression, DATA)
    if message:
        assert str(err.value) == message
    assert err.value.http_code == 400


@pytest.mark.parametrize('expression, message', [
    ('{{ _.nope }}',
     "Can not evaluate Jinja expression [expression={{ _.nope }}, error="
     "'mistral.workflow.data_flow.ContextView object' has no attribute "
     "'nope']"),
    ('a {{ _.nope }}',
     "Can not evaluate Jinja expression [expression=a {{ _.nope }}, error="
     "'mistral.workflow.data_flow.ContextView object' has no attribute "
     "'nope']"),
    ('{{ _["nope"] }}',
     "Can not evaluate Jinja expression [expression={{ _[\"nope\"] }}, "
     "error='mistral.workflow.data_flow.ContextView object' has no "
     "attribute 'nope']"),
    ('{{ _.d.zz }}',
     "Can not evaluate Jinja expression [expression={{ _.d.zz }}, "
     "error='dict object' has no attribute 'zz']"),
    ('{{ _.s.nope }}',
     "Can not evaluate Jinja expression [expression={{ _.s.nope }}, "
     "error='str object' has no attribute 'nope']"),
    ('{{ nope }}',
     "Can not evaluate Jinja expression [expression={{ nope }}, "
     "error='nope' is undefined]"),
    ('{{ json_pp(_) }}',
     "Can not evaluate Jinja expression [expression={{ json_pp(_) }}, "
     "error='json_pp' is undefined]"),
    ('{{ _.s | nofilter }}',
     "Can not evaluate Jinja expression [expression={{ _.s | nofilter }}, "
     "error=No filter named 'nofilter'.]"),
    ('{% if _.s %}big{% else %}small{% endif %}',
     "Can not evaluate Jinja expression [expression={% if _.s %}big"
     "{% else %}small{% endif %}, error=list index out of range]"),
])
def test_jinja_evaluation_errors(expression, message):
    with pytest.raises(exc.JinjaEvaluationError) as err:
        expr.evaluate(expression, DATA)
    assert str(err.value) == message


def test_jinja_undefined_inside_a_parameter_string():
    # conformance case jinja_undefined_error: output="{{ _.nope.deeper }}"
    with pytest.raises(exc.JinjaEvaluationError, match='nope'):
        expr.evaluate('{{ _.nope.deeper }}', DATA)


def test_jinja_memory_error_is_an_evaluation_error(monkeypatch):
    from mistral_clone.expressions import jinja_evaluator

    def boom(source):
        raise MemoryError()

    monkeypatch.setattr(jinja_evaluator, '_compiled_expression', boom)
    with pytest.raises(exc.JinjaEvaluationError) as err:
        expr.evaluate('{{ [0] * 3 }}', DATA)
    assert str(err.value) == (
        'Expression evaluation exceeded the available memory '
        '[expression= [0] * 3 ]')


def test_messages_never_contain_the_data():
    secret = {'token': 'SECRET'}
    for expression in ('<% $.nope %>', '{{ _.nope }}', 'a {{ _.nope }}'):
        with pytest.raises(exc.ExpressionEvaluationError) as err:
            expr.evaluate(expression, secret)
        assert 'SECRET' not in str(err.value)


@pytest.mark.parametrize('expression, error, message', [
    ('<% $.a + %>', exc.YaqlGrammarError,
     'Parse error: unexpected end of statement'),
    ('<% %>', exc.YaqlGrammarError,
     'Parse error: unexpected end of statement'),
    ('<% $.[ %>', exc.YaqlGrammarError,
     'Parse error: unexpected end of statement'),
    # Positions count the spaces inside the delimiters, as in Mistral.
    ('<% $.__execution.id %>', exc.YaqlGrammarError,
     "Lexical error: illegal character '_' at position 3"),
    ('<% "abc %>', exc.YaqlGrammarError,
     "Lexical error: illegal character '\"' at position 1"),
    ('a <% 1 %> b <% 1 +* 2 %>', exc.YaqlGrammarError,
     "Parse error: unexpected '*' at position 4 of expression ' 1 +* 2 '"),
    ('{{ _.a + }}', exc.JinjaGrammarError,
     "Syntax error 'unexpected 'end of print statement''."),
    ('{{ }}', exc.JinjaGrammarError,
     "Syntax error 'Expected an expression, got 'end of print "
     "statement''."),
    ('{% if %}', exc.JinjaGrammarError,
     "Syntax error 'Expected an expression, got 'end of statement "
     "block''."),
    ('x {{ 1 }} <% 2 %>', exc.ExpressionGrammarError,
     "The line already contains an expression of type 'jinja'. Mixing "
     "expression types in a single line is not allowed."),
])
def test_validate_errors(expression, error, message):
    with pytest.raises(error) as err:
        expr.validate(expression)
    assert str(err.value) == message
    assert err.value.http_code == 400


@pytest.mark.parametrize('expression', [
    '<% $.a %> and <% $.b %>', '{{ _.a }}', '{{ a }', 'plain', None, 5,
    # Unknown filters and functions are only found at run time.
    '{{ x | nofilter }}', '<% nofunction() %>',
    '{% if _.a %}x{% endif %}',
])
def test_validate_accepts(expression):
    expr.validate(expression)


def test_validated_expression_is_parsed_once():
    from mistral_clone.expressions import yaql_evaluator
    expr.validate('<%  $.validated_once  %>')
    before = yaql_evaluator.cache_info()
    assert expr.evaluate('<% $.validated_once %>', {'validated_once': 1}) == 1
    after = yaql_evaluator.cache_info()
    assert after.hits == before.hits + 1
    assert after.misses == before.misses


class TestAllowedLanguages:

    def test_disabled_language_is_refused(self, override):
        override('allowed_languages', ['yaql'], group='expressions')
        with pytest.raises(exc.ExpressionGrammarError) as err:
            expr.validate('{{ 1 }}')
        assert str(err.value) == (
            "The 'jinja' expression language is disabled by the operator.")
        with pytest.raises(exc.ExpressionEvaluationError) as err:
            expr.evaluate('{{ 1 }}', DATA)
        assert str(err.value) == (
            "The 'jinja' expression language is disabled by the operator.")
        assert expr.evaluate('<% 1 %>', DATA) == 1

    def test_yaql_can_be_disabled(self, override):
        override('allowed_languages', ['jinja'], group='expressions')
        with pytest.raises(exc.ExpressionGrammarError, match="'yaql'"):
            expr.validate('<% 1 %>')
        assert expr.evaluate('{{ 1 }}', DATA) == 1
