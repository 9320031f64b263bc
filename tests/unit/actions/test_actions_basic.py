"""std.noop, echo, fail, async_noop, sleep, test_dict and the contract."""

import pytest

from mistral_clone import actions, exceptions as exc
from mistral_clone.actions import ActionContext, ActionResult


def test_noop():
    result = actions.run_action('std.noop', {}, ActionContext())
    assert result == ActionResult(data=None)
    assert result.is_success() and result.sync


def test_async_noop_is_not_sync():
    result = actions.run_action('std.async_noop', None)
    assert not result.sync and not result.is_error()
    assert not actions.instantiate_action('std.async_noop', {}).is_sync()


@pytest.mark.parametrize('output', ['hi', 42, None, [1, {'a': 2}]])
def test_echo(output):
    assert actions.run_action('std.echo', {'output': output}).data == output


@pytest.mark.parametrize('delay, expected', [
    ('abc', 0), (-3, 0), (None, 0), ('0.01', 0.01), (0, 0)])
def test_echo_delay_is_clamped(delay, expected):
    action = actions.instantiate_action('std.echo',
                                        {'output': 1, 'delay': delay})
    assert action.delay == expected
    assert action.run(ActionContext()) == 1
    assert action.test(ActionContext()) == 'Echo'


def test_fail_without_data_raises():
    result = actions.run_action('std.fail', {},
                                ActionContext(action_execution_id='a-1'))
    assert result.is_error()
    assert result.error == (
        "The action raised an exception [action=Fail action, "
        "action_ex_id=a-1, msg='Fail action expected exception.']")


def test_fail_with_error_data():
    result = actions.run_action('std.fail', {'error_data': {'code': 7}})
    assert result.error == {'code': 7}
    assert result.to_dict() == {'result': {'code': 7}}


def test_sleep_zero_and_invalid():
    for seconds, expected in ((0, 0), ('x', 0), (-1, 0), ('2', 2)):
        action = actions.instantiate_action('std.sleep',
                                            {'seconds': seconds})
        assert action.seconds == expected
    assert actions.run_action('std.sleep', {'seconds': 0}).data is None


def test_test_dict():
    result = actions.run_action(
        'std.test_dict', {'size': 3, 'key_prefix': 'k', 'val': 'v'})
    assert result.data == {'k0': 'v', 'k1': 'v', 'k2': 'v'}
    assert actions.run_action('std.test_dict', {}).data == {}
    bad = actions.run_action('std.test_dict', {'size': 'many'})
    assert bad.is_error() and "'size' must be an integer" in bad.error


def test_missing_and_unexpected_input_messages():
    assert actions.run_action('std.echo', {}).error == (
        "Invalid input [name=std.echo, "
        "class=mistral.actions.std_actions.EchoAction, missing=['output']]")
    assert actions.run_action('std.echo', {'output': 1, 'x': 2}).error == (
        "Invalid input [name=std.echo, "
        "class=mistral.actions.std_actions.EchoAction, unexpected=['x']]")
    assert actions.run_action('std.ssh', {'cmd': 'ls', 'y': 1}).error == (
        "Invalid input [name=std.ssh, "
        "class=mistral.actions.std_actions.SSHAction, "
        "missing=['host', 'username'], unexpected=['y']]")


def test_direct_construction_validates_input():
    echo_cls = actions.get_action_class('std.echo')
    with pytest.raises(exc.InvalidActionError, match='missing'):
        echo_cls()
    with pytest.raises(exc.InvalidActionError, match='unexpected'):
        actions.get_action_class('std.noop')(foo=1)
    assert echo_cls(output='x').output == 'x'


def test_unknown_action_is_an_error_result():
    result = actions.run_action('std.nope', {})
    assert result.error == 'Failed to find action [action_name=std.nope]'


def test_result_semantics():
    assert ActionResult(error='x', cancel=True).is_cancel()
    assert not ActionResult(error='x', cancel=True).is_error()
    assert ActionResult(data=1).to_dict() == {'result': 1}
    assert ActionResult(error=0).is_error()


def test_any_exception_becomes_an_error_result(monkeypatch):
    echo_cls = actions.get_action_class('std.echo')
    monkeypatch.setattr(echo_cls, 'run',
                        lambda self, ctx: 1 / 0)
    result = actions.run_action('std.echo', {'output': 1},
                                ActionContext(action_execution_id='x'))
    assert result.error.startswith(
        'The action raised an exception [action=<mistral.actions.'
        'std_actions.EchoAction object at 0x')
    assert result.error.endswith(
        "action_ex_id=x, msg='division by zero']")


def test_context_execution_alias():
    ctx = ActionContext(workflow_name='wf', callback_url='http://cb')
    assert ctx.execution.workflow_name == 'wf'
    assert ctx.execution.callback_url == 'http://cb'
    assert ctx.security == {}


def test_actions_copy_and_pickle_without_revalidating():
    import copy
    import pickle
    echo = actions.instantiate_action('std.echo', {'output': [1]})
    for clone in (copy.deepcopy(echo), pickle.loads(pickle.dumps(echo))):
        assert type(clone) is type(echo)
        assert clone.output == [1] and clone.run(ActionContext()) == [1]


def test_an_action_that_outlives_its_timeout_fails_when_it_ends():
    ctx = ActionContext(action_execution_id="ax-1")
    result = actions.run_action("std.sleep", {"seconds": 1}, ctx,
                                timeout=0.2)
    assert result.error == (
        "The action raised an exception [action=std.sleep, "
        "action_ex_id=ax-1, msg='Timeout after 0.2 seconds']")
    quick = actions.run_action("std.echo", {"output": 1}, ctx, timeout=5)
    assert quick.data == 1 and quick.error is None
