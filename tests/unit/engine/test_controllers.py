"""The pure parts of the engine: spec + state -> decisions."""

from mistral_clone import lang
from mistral_clone.engine import commands
from mistral_clone.engine import dataflow
from mistral_clone.engine import direct
from mistral_clone.engine import reverse
from mistral_clone.engine import states

WF = """
version: '2.0'
wf:
  tasks:
    a:
      action: std.noop
      on-success:
        - b: <% $.go %>
        - c
      on-error: e
      on-complete: d
    b: {action: std.noop, on-success: j}
    c: {action: std.noop, on-success: j}
    d: {action: std.noop}
    e: {action: std.noop, on-success: fail msg="boom"}
    j: {join: all, action: std.noop}
"""


def _spec(text=WF, name="wf"):
    return [w for w in lang.parse_workflows(text).workflows
            if w.name == name][0]


def _truthy(ctx):
    return lambda value: dataflow.evaluate(value, ctx)


def test_start_tasks_and_transitions_in_mistral_order():
    spec = _spec()
    assert direct.start_task_names(spec) == ["a"]
    got = direct.next_transitions(spec.tasks["a"], states.SUCCESS,
                                  _truthy({"go": False}))
    assert [(t.target, t.event) for t in got] == [
        ("c", "on-success"), ("d", "on-complete")]
    got = direct.next_transitions(spec.tasks["a"], states.ERROR,
                                  _truthy({"go": True}))
    assert [(t.target, t.event) for t in got] == [
        ("e", "on-error"), ("d", "on-complete")]


def test_engine_command_with_message():
    spec = _spec()
    transitions = direct.next_transitions(spec.tasks["e"], states.SUCCESS,
                                          _truthy({"x": 1}))
    [cmd] = direct.transition_commands(spec, "id-e", transitions, {})
    assert (cmd.kind, cmd.msg) == (commands.FAIL, "boom")
    assert direct.next_tasks_of([cmd]) == []


def test_rearrange_stops_after_state_change_and_keeps_after_pause():
    run = commands.RunTask("x", {})
    fail = commands.WorkflowCommand(commands.FAIL)
    pause = commands.WorkflowCommand(commands.PAUSE)
    assert commands.rearrange([fail, run]) == [fail]
    assert commands.rearrange([run, fail, run]) == [run, fail]
    assert commands.rearrange([pause, run]) == [pause, run]


def test_join_states():
    spec = _spec()
    join = spec.tasks["j"]
    fact = direct.InboundFact
    assert direct.join_state(spec, join, {}).state == states.WAITING
    both = {"b": fact("1", states.SUCCESS, [["j", "on-success"]]),
            "c": fact("2", states.SUCCESS, [["j", "on-success"]])}
    result = direct.join_state(spec, join, both)
    assert result.state == states.RUNNING
    assert result.triggered_by == [{"task_id": "1", "event": "on-success"},
                                   {"task_id": "2", "event": "on-success"}]
    # b never ran and a went elsewhere: the route to j through b is gone.
    gone = {"a": fact("0", states.SUCCESS, [["c", "on-success"],
                                            ["d", "on-complete"]]),
            "c": fact("2", states.SUCCESS, [["j", "on-success"]])}
    result = direct.join_state(spec, join, gone)
    assert result.state == states.ERROR
    assert result.state_info == "Failed by tasks: ['b']"
    assert direct.downstream_joins(spec, "a", {"j"}) == {"j"}
    assert direct.reachable_joins(spec, "a") == {"j"}


def test_reverse_order():
    spec = _spec("""
version: '2.0'
wf:
  type: reverse
  tasks:
    a: {action: std.noop}
    b: {action: std.noop, requires: [a]}
    c: {action: std.noop, requires: [a, b]}
    other: {action: std.noop}
""")
    required = reverse.target_task_names(spec, {"task_name": "c"})
    assert set(required) == {"a", "b", "c"}
    assert reverse.start_task_names(spec, required) == ["a"]
    assert reverse.ready_task_names(spec, required, {"a"}, {"a"}) == ["b"]
    assert reverse.ready_task_names(spec, required, {"a", "b"},
                                    {"a", "b"}) == ["c"]


def test_data_flow_contexts():
    plain = dataflow.Options(versioning=False)
    out = dataflow.outbound_context({"a": 1, "d": {"x": 1}}, {"d": {"y": 2}},
                                    plain)
    assert out == {"a": 1, "d": {"y": 2}}
    merged = dataflow.upstream_context([({"d": {"x": 1}}, {}),
                                        ({}, {"d": {"y": 2}})], plain)
    assert merged == {"d": {"x": 1, "y": 2}}
    view = dataflow.eval_context({"i": 1, "v": 0}, {"v": 2}, {"e": 3},
                                 {"v": 4}, {"id": "t", "name": "n"})
    assert dataflow.evaluate("<% [$.i, $.v, env().e] %>", view) == [1, 4, 3]
    assert states.is_valid_transition(states.ERROR, states.RUNNING)
    assert not states.is_valid_transition(states.SUCCESS, states.ERROR)


def test_decisions_return_commands():
    """Joins, with-items and the end of a workflow decide with commands
    (the conductor applies them)."""
    from mistral_clone.db import models
    from mistral_clone.engine import completion
    from mistral_clone.engine import with_items
    task = models.TaskExecution(id="t", name="j")
    started = direct.join_commands(task, direct.JoinState(
        states.RUNNING, None, [{"task_id": "a", "event": "on-success"}]))
    assert [type(c) for c in started] == [commands.UpdateRuntimeContext,
                                          commands.StartJoin]
    failed = direct.join_commands(task, direct.JoinState(
        states.ERROR, "Failed by tasks: ['a']"))
    assert isinstance(failed[-1], commands.CompleteTask)
    assert failed[-1].state == states.ERROR
    assert direct.join_commands(task, direct.JoinState(
        states.WAITING))[1:] == []
    progress = with_items.Progress(count=2)
    runtime = {"concurrency": 1, "with_items": {"capacity": 0, "count": 2}}
    progress.next = 1
    outcome = with_items.item_done(runtime, progress, states.SUCCESS)
    [run] = with_items.item_commands(task, outcome, None)
    assert run.indexes == [1]
    outcome = with_items.item_done(outcome.runtime_context, progress,
                                   states.ERROR)
    [done] = with_items.item_commands(task, outcome, None)
    assert (done.state, done.result) == (states.ERROR,
                                         commands.ACCEPTED_RESULTS)
    assert completion.completion_commands(
        completion.CompletionFacts(1, [], 0)) == []
    [end] = completion.completion_commands(
        completion.CompletionFacts(0, [], 2))
    assert (end.state, end.msg) == (states.ERROR, commands.FAILURE_SUMMARY)
    [end] = completion.completion_commands(
        completion.CompletionFacts(0, ["b", "c"], 0))
    assert end.msg == "Cancelled tasks: b, c"
