"""``[engine] execution_field_size_limit_kb`` on what the engine stores
after a task ran: an action's output, a task's published variables, a
workflow's output; rehearsed, and the cheap bound that spares writing the
text of every result."""

import sys

import pytest
from oslo_config import cfg

from mistral_clone import exceptions as exc
from mistral_clone.engine import field_sizes
from mistral_clone.engine import states
from mistral_clone.engine.rehearsal import Rehearsal, error, ok


@pytest.fixture
def limit_1kb():
    cfg.CONF.set_override("execution_field_size_limit_kb", 1, "engine")
    yield
    cfg.CONF.clear_override("execution_field_size_limit_kb", "engine")


def _limit_message(field, size_kb):
    return ("Field size limit exceeded [class=TaskExecution, field=%s, "
            "size=%dKB, limit=1KB]" % (field, size_kb))


BIG = "x" * 2100          # sys.getsizeof(str({'result': BIG})) is 2KB

ACTION_OUTPUT = """
version: '2.0'
wf:
  tasks:
    t1:
      action: std.echo output=1
      publish: {seen: <% task().result %>}
      on-error: [t2]
    t2:
      action: std.noop
"""


def test_an_action_output_over_the_limit_fails_its_task_and_workflow(
        limit_1kb):
    r = Rehearsal(ACTION_OUTPUT, results={"t1": [ok(BIG)]})
    wf_ex = r.run("wf")
    msg = ("Failed to complete action [error=%s, action=std.echo, task=t1]"
           % _limit_message("output", 2))
    t1 = r.task("t1")
    # Forced: the task's on-error does not run, nothing is published.
    assert (wf_ex.state, wf_ex.state_info) == (states.ERROR, msg)
    assert (t1.state, t1.state_info, t1.processed) == (
        states.ERROR, msg, False)
    assert not t1.published
    assert [t.name for t in r.tasks()] == ["t1"]
    [action_ex] = r.actions_of(t1)
    assert (action_ex.state, action_ex.accepted, action_ex.output) == (
        states.ERROR, False, {"result": msg})
    assert wf_ex.output == {"result": msg}


def test_an_error_result_over_the_limit_is_refused_too(limit_1kb):
    r = Rehearsal(ACTION_OUTPUT, results={"t1": [error(BIG)]})
    wf_ex = r.run("wf")
    assert wf_ex.state == states.ERROR
    assert wf_ex.state_info.startswith("Failed to complete action [error="
                                       + _limit_message("output", 2))
    assert [t.name for t in r.tasks()] == ["t1"]


def test_a_with_items_item_over_the_limit_fails_the_task(limit_1kb):
    wf = """
version: '2.0'
wf:
  tasks:
    t1:
      with-items: i in [1, 2]
      action: std.echo output=<% $.i %>
"""
    r = Rehearsal(wf, results={"t1": [ok(BIG), ok(1)]})
    wf_ex = r.run("wf")
    assert wf_ex.state == states.ERROR
    assert r.task("t1").state_info == (
        "Failed to complete action [error=%s, action=std.echo, task=t1]"
        % _limit_message("output", 2))


def test_a_publish_over_the_limit_fails_the_task_and_workflow(limit_1kb):
    wf = """
version: '2.0'
wf:
  tasks:
    t1:
      action: std.echo output=1
      publish:
        big: <% [task().result, task().result] %>
      on-complete: [t2]
    t2:
      action: std.noop
"""
    # The output ({'result': 'yy...'}, 1KB) fits; twice that does not.
    r = Rehearsal(wf, results={"t1": [ok("y" * 1000)]})
    wf_ex = r.run("wf")
    msg = ("Failed to handle action completion [error=%s, wf=wf, task=t1, "
           "action=std.echo]" % _limit_message("published", 2))
    t1 = r.task("t1")
    assert r.actions_of(t1)[0].state == states.SUCCESS
    assert (wf_ex.state, wf_ex.state_info) == (states.ERROR, msg)
    assert (t1.state, t1.state_info) == (states.ERROR, msg)
    assert not t1.published
    assert [t.name for t in r.tasks()] == ["t1"]


WF_OUTPUT = """
version: '2.0'
child:
  output:
    big: <% 'x' * 2100 %>
  tasks:
    t1:
      action: std.noop
parent:
  tasks:
    t1:
      workflow: child
      on-error: [handled]
    handled:
      action: std.noop
"""


def test_a_workflow_output_over_the_limit_fails_the_workflow(limit_1kb):
    r = Rehearsal(WF_OUTPUT)
    wf_ex = r.run("child")
    assert wf_ex.state == states.ERROR
    assert wf_ex.state_info == (
        "Failed to check and complete [wf_ex_id=%s, wf_name=child]: %s"
        % (wf_ex.id, _limit_message("output", 2)))
    assert wf_ex.output == {"result": wf_ex.state_info}


def test_a_sub_workflow_output_over_the_limit_fails_its_parent_task(
        limit_1kb):
    r = Rehearsal(WF_OUTPUT)
    wf_ex = r.run("parent")
    # The error is handled by the parent's on-error.
    assert wf_ex.state == states.SUCCESS
    t1 = r.task("t1", wf_ex)
    assert t1.state == states.ERROR
    assert _limit_message("output", 2) in t1.state_info
    assert r.task("handled", wf_ex).state == states.SUCCESS


def test_an_output_on_error_over_the_limit_is_not_stored(limit_1kb):
    wf = """
version: '2.0'
wf:
  output-on-error:
    big: <% 'x' * 2100 %>
  tasks:
    t1:
      action: std.fail
"""
    r = Rehearsal(wf)
    wf_ex = r.run("wf")
    assert wf_ex.state == states.ERROR
    assert wf_ex.state_info.startswith("Failure caused by error in tasks: t1")
    assert not wf_ex.output


def test_no_limit():
    cfg.CONF.set_override("execution_field_size_limit_kb", -1, "engine")
    try:
        r = Rehearsal(ACTION_OUTPUT, results={"t1": [ok("x" * 3000000)]})
        assert r.run("wf").state == states.SUCCESS
    finally:
        cfg.CONF.clear_override("execution_field_size_limit_kb", "engine")


@pytest.mark.parametrize("value", [
    "", "a", "it's \"quoted\" \\ ", "\x7f\x00\n\t\x08", "é", "\U0001F600",
    "\U000e0001" * 30, "\ud800", 0, -1, 10 ** 400, 2 ** 64, 1.5, -1e-300,
    float("nan"), float("inf"), True, None, [], (), (1,), {}, {"k": "v"},
    {1: [None, True, 2.5, "x'\""]}, [{"a": ["\x7f" * 100, "é"]}] * 10,
    {"result": {"content": "x" * 100000, "headers": {"a": "b"}}},
])
def test_the_bound_is_never_below_the_size(value):
    sys.set_int_max_str_digits(0)
    bound = field_sizes.size_bound(value)
    assert bound is not None and bound >= sys.getsizeof(str(value))


def test_the_bound_gives_up_on_many_values_and_odd_types():
    assert field_sizes.size_bound(list(range(5000))) is None
    assert field_sizes.size_bound({"s": {1, 2}}) is None


def test_the_size_is_exact_where_the_bound_is_not_enough():
    limit_kb = 4
    for value in (["\x7f" * 1000] * 3, "é" * 1900, list(range(3000))):
        size_kb = sys.getsizeof(str(value)) // 1024
        if size_kb > limit_kb:
            with pytest.raises(exc.SizeLimitExceededError) as caught:
                field_sizes.check("output", value, limit_kb)
            assert "size=%dKB" % size_kb in str(caught.value)
        else:
            field_sizes.check("output", value, limit_kb)
