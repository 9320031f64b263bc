"""Mistral's functions in both languages, backed by the data provider."""

import json
import uuid

import pytest

from mistral_clone import exceptions as exc
from mistral_clone import expressions as expr

from .conftest import SUB_WF_EX_ID, WF_EX_ID


def both(yaql_expr, jinja_expr, ctx):
    """Evaluate in both languages; they must agree."""
    y = expr.evaluate(yaql_expr, ctx)
    j = expr.evaluate(jinja_expr, ctx)
    assert y == j
    return y


class TestEnv:

    def test_from_env_key(self, ctx):
        assert both('<% env() %>', '{{ env() }}', ctx) == {'region': 'eu'}
        assert both('<% env().region %>', '{{ env().region }}', ctx) == 'eu'
        assert expr.evaluate('{{ _ | env }}', ctx) == {'region': 'eu'}

    def test_from_execution_params(self):
        ctx = {'__execution': {'id': 'E', 'params': {'env': {'k': 1}}}}
        assert both('<% env() %>', '{{ env() }}', ctx) == {'k': 1}
        # Visible in the data too, as in Mistral where __env is a key.
        assert expr.evaluate("<% $.get('__env') %>", ctx) == {'k': 1}

    def test_missing(self):
        assert expr.evaluate('<% env() %>', {'a': 1}) is None
        with pytest.raises(exc.JinjaEvaluationError,
                           match=r"error='__env'\]"):
            expr.evaluate('{{ env() }}', {'a': 1})


class TestExecution:

    def test_from_provider(self, ctx, provider):
        info = both('<% execution() %>', '{{ execution() }}', ctx)
        assert info['id'] == WF_EX_ID
        assert info['params'] == {'env': {'k': 'v'}}
        assert set(info) == {'id', 'name', 'spec', 'input', 'params',
                             'created_at', 'updated_at', 'root_execution_id'}
        assert ('execution_info', WF_EX_ID) in provider.calls
        assert expr.evaluate(
            "<% execution().id = $.get('__execution').id %>", ctx) is True

    def test_without_provider_uses_the_context(self):
        ctx = {'__execution': {'id': 'E', 'name': 'wf', 'input': {'a': 1},
                               'params': {}, 'context': {'big': 1}}}
        info = both('<% execution() %>', '{{ execution() }}', ctx)
        assert info == {'id': 'E', 'name': 'wf', 'spec': None,
                        'input': {'a': 1}, 'params': {},
                        'created_at': None, 'updated_at': None,
                        'root_execution_id': None}

    def test_unknown_execution(self, ctx):
        ctx['__execution'] = {'id': 'missing'}
        with pytest.raises(exc.YaqlEvaluationError,
                           match=r'Workflow execution not found \[id=missing'):
            expr.evaluate('<% execution() %>', ctx)


class TestExecutions:

    def test_all_and_filters(self, ctx, provider):
        ids = both('<% executions().select($.id) %>',
                   "{{ executions() | map(attribute='id') | list }}", ctx)
        assert ids == [WF_EX_ID, SUB_WF_EX_ID]
        assert both('<% executions(state => SUCCESS).select($.id) %>',
                    "{{ executions(state='SUCCESS') | map(attribute='id') "
                    "| list }}", ctx) == [SUB_WF_EX_ID]
        assert both(
            "<% executions(rootExecutionId => 'wf-1').len() %>",
            "{{ executions(root_execution_id='wf-1') | length }}", ctx) == 1
        assert both(
            "<% executions(fromTime => '2026-01-01 10:30:00').len() %>",
            "{{ executions(from_time='2026-01-01 10:30:00') | length }}",
            ctx) == 1
        assert expr.evaluate(
            "<% executions(null, null, null, null, '2026-01-01 10:30:00')"
            ".len() %>", ctx) == 1
        assert expr.evaluate("<% executions('wf-2')[0].name %>", ctx) == 'sub'
        assert ('executions_info', None, None, 'SUCCESS', None, None) in \
            provider.calls


class TestGlobal:

    def test_from_provider(self, ctx):
        assert both('<% global(g) %>', "{{ global('g') }}", ctx) == \
            'global-value'
        assert both('<% global(nope) %>', "{{ global('nope') }}", ctx) is None

    def test_without_provider(self):
        ctx = {'__execution': {'id': 'E', 'context': {'g': 2}}}
        assert both("<% global('g') %>", "{{ global('g') }}", ctx) == 2


class TestTask:

    def test_current_task(self, ctx, provider):
        info = both('<% task() %>', '{{ task() }}', ctx)
        assert info['id'] == 't-b'
        assert set(info) == {
            'id', 'name', 'spec', 'state', 'state_info', 'result',
            'published', 'type', 'workflow_execution_id', 'created_at',
            'updated_at'}
        assert both('<% task().result %>', '{{ task().result }}', ctx) == 2
        # Its own name means this very run, looked up by id.
        assert expr.evaluate('<% task(b).id %>', ctx) == 't-b'
        assert provider.calls.count(('task_info', 't-b')) >= 3

    def test_by_name_takes_the_latest_run(self, ctx):
        assert both('<% task(a).result %>', "{{ task('a').result }}",
                    ctx) == 11
        assert expr.evaluate('<% task(taskName => a).id %>', ctx) == 't-a2'
        assert expr.evaluate("{{ task(task_name='a').id }}", ctx) == 't-a2'

    def test_unknown_task_is_null(self, ctx):
        assert both('<% task(zzz) %>', "{{ task('zzz') }}", ctx) is None

    def test_outside_a_task(self, ctx):
        del ctx['__task_execution']
        assert expr.evaluate('<% task() %>', ctx) is None
        assert expr.evaluate('<% task(c).state %>', ctx) == 'ERROR'
        with pytest.raises(exc.JinjaEvaluationError,
                           match=r"error='__task_execution'\]"):
            expr.evaluate('{{ task() }}', ctx)

    def test_as_filter_on_the_context(self, ctx):
        assert expr.evaluate("{{ _ | task('a') }}", ctx)['id'] == 't-a2'

    def test_without_provider(self, ctx):
        del ctx['__data_provider']
        with pytest.raises(exc.YaqlEvaluationError) as err:
            expr.evaluate('<% task() %>', ctx)
        assert str(err.value) == (
            "Can not evaluate YAQL expression [expression=task(), error="
            "task() needs run-time data, but the evaluation context has "
            "no '__data_provider']")


class TestTasks:

    def test_arguments(self, ctx, provider):
        names = both(
            "<% tasks('wf-1').select($.name) %>",
            "{{ tasks('wf-1') | map(attribute='name') | list }}", ctx)
        assert names == ['a', 'a', 'b', 'c', 'sub']
        assert both(
            "<% tasks('wf-1', state => ERROR).select($.id) %>",
            "{{ tasks('wf-1', state='ERROR') | map(attribute='id') "
            "| list }}", ctx) == ['t-c']
        assert expr.evaluate(
            "<% tasks(execution().id, true).select($.name).last() %>",
            ctx) == 'leaf'
        assert expr.evaluate(
            "<% tasks(workflowExecutionId => 'wf-1', recursive => true, "
            "flat => true).select($.name) %>", ctx) == [
                'a', 'a', 'b', 'c', 'leaf']
        assert expr.evaluate('<% tasks().len() %>', ctx) == 6
        assert ('tasks_info', 'wf-1', False, 'ERROR', False) in provider.calls

    def test_conformance_jinja_tasks_function(self, ctx):
        # conformance case jinja_tasks_function
        assert expr.evaluate(
            "{{ tasks(execution().id, state='SUCCESS') "
            "| map(attribute='name') | sort | list }}", ctx) == [
                'a', 'a', 'b', 'sub']


class TestPassthroughErrors:

    def test_listed_errors_propagate_unwrapped(self, ctx, provider):
        class Deadlock(Exception):
            pass

        def fail(*args, **kwargs):
            raise Deadlock('retry me')

        provider.passthrough_errors = (Deadlock,)
        provider.task_info = fail
        for expression in ('<% task() %>', '{{ task() }}', 'a {{ task() }}'):
            with pytest.raises(Deadlock):
                expr.evaluate(expression, ctx)

    def test_errors_the_provider_calls_its_own_propagate(self, ctx,
                                                        provider):
        class ConnectionLost(Exception):
            pass

        def fail(*args, **kwargs):
            raise ConnectionLost('server closed the connection')

        provider.passes_through = lambda error: isinstance(
            error, ConnectionLost)
        provider.task_info = fail
        for expression in ('<% task() %>', '{{ task() }}', 'a {{ task() }}',
                           '<% 1 + len(task()) %>'):
            with pytest.raises(ConnectionLost):
                expr.evaluate(expression, ctx)

    def test_other_provider_errors_are_wrapped(self, ctx, provider):
        def fail(*args, **kwargs):
            raise RuntimeError('db is down')

        provider.task_info = fail
        with pytest.raises(exc.YaqlEvaluationError, match='db is down'):
            expr.evaluate('<% task() %>', ctx)


def test_provider_is_not_part_of_the_data(ctx):
    assert '__data_provider' not in expr.evaluate('<% $ %>', ctx)
    assert '__data_provider' not in expr.evaluate('{{ _ }}', ctx)
    assert expr.evaluate("<% $.get('__data_provider') %>", ctx) is None
    assert '__data_provider' in ctx  # the caller's dict is untouched


class TestUuid:

    def test_uuid(self, ctx):
        for value in (expr.evaluate('<% uuid() %>', ctx),
                      expr.evaluate('{{ uuid() }}', ctx)):
            assert str(uuid.UUID(value)) == value
        assert expr.evaluate('{{ uuid() | length }}', ctx) == 36
        assert expr.evaluate('<% uuid() %>', ctx) != \
            expr.evaluate('<% uuid() %>', ctx)


class TestJson:

    def test_parse(self, ctx):
        ctx['js'] = '{"k": [1, 2, {"z": null}]}'
        expected = {'k': [1, 2, {'z': None}]}
        assert both('<% json_parse($.js) %>', '{{ json_parse(_.js) }}',
                    ctx) == expected
        assert expr.evaluate(
            '<% json_parse(json_dump(json_parse($.js))) %>', ctx) == expected

    def test_dump_is_indented_by_four(self, ctx):
        assert both('<% json_dump({a => 1}) %>',
                    "{{ json_dump({'a': 1}) }}", ctx) == '{\n    "a": 1\n}'
        assert json.loads(expr.evaluate(
            '<% json_dump($.l) %>', ctx)) == [1, {'b': 2}]
        assert json.loads(expr.evaluate(
            '<% json_dump(set(1)) %>', ctx)) == [1]

    def test_filter_form_fails_as_in_mistral(self, ctx):
        # conformance case jinja_filter_style_custom
        with pytest.raises(exc.JinjaEvaluationError) as err:
            expr.evaluate('{{ _.d | json_dump }}', ctx)
        assert str(err.value) == (
            "Can not evaluate Jinja expression [expression={{ _.d | "
            "json_dump }}, error=json_dump_() missing 1 required positional "
            "argument: 'data']")


class TestYaml:

    def test_parse(self, ctx):
        assert both("<% yaml_parse('x: 1') %>", "{{ yaml_parse('x: 1') }}",
                    ctx) == {'x': 1}

    def test_parse_ignores_anchors_and_aliases(self, ctx):
        ctx['y'] = 'a: &x [1]\nb: *x\nc: @at\n'
        assert expr.evaluate('<% yaml_parse($.y) %>', ctx) == {
            'a': '&x [1]', 'b': '*x', 'c': '@at'}

    def test_dump(self, ctx):
        assert both("<% yaml_dump({y => [1]}) %>",
                    "{{ yaml_dump({'y': [1]}) }}", ctx) == 'y:\n- 1\n'
        assert expr.evaluate('<% yaml_dump({a => [1, {b => 2}]}) %>',
                             ctx) == 'a:\n- 1\n- b: 2\n'
        ctx['shared'] = [1]
        ctx['twice'] = {'p': ctx['shared'], 'q': ctx['shared']}
        assert expr.evaluate('{{ yaml_dump(_.twice) }}', ctx) == \
            'p:\n- 1\nq:\n- 1\n'

    def test_dump_of_a_set_fails(self, ctx):
        with pytest.raises(exc.YaqlEvaluationError,
                           match='cannot represent an object'):
            expr.evaluate('<% yaml_dump([1, 2].toSet()) %>', ctx)


def test_function_names_are_mistrals():
    from mistral_clone.expressions import functions
    assert sorted(functions.FUNCTIONS) == [
        'env', 'execution', 'executions', 'global', 'json_dump',
        'json_parse', 'task', 'tasks', 'uuid', 'yaml_dump', 'yaml_parse']
