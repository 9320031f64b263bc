"""Whole workflows through the engine client, in one process (fake:/)."""

import pytest

from mistral_clone import exceptions as exc
from tests.functional.helpers import (action_exs_of, children_of, get_wf_ex,
                                      tasks_of, wait_state)

SUBWF = """
version: '2.0'
parent:
  input: [n]
  tasks:
    call:
      workflow: child m=<% $.n %>
      publish: {got: <% task().result.doubled %>}
  output: {got: <% $.got %>}
child:
  input: [m]
  tasks:
    t:
      action: std.echo output=<% $.m * 2 %>
      publish: {doubled: <% task().result %>}
  output: {doubled: <% $.doubled %>}
"""


def test_subworkflow_result_and_ids(engine, ctx, create_workflows):
    create_workflows(SUBWF)
    wf_ex = engine.start_workflow(ctx, "parent", wf_input={"n": 4})
    done = wait_state(wf_ex["id"])
    assert done["state"] == "SUCCESS", done["state_info"]
    assert done["output"] == {"got": 8}
    call = tasks_of(wf_ex["id"])["call"]
    assert call["type"] == "WORKFLOW"
    [child] = children_of(call["id"])
    assert child["root_execution_id"] == wf_ex["id"]
    assert child["output"] == {"doubled": 8}


def test_subworkflow_failure_propagates(engine, ctx, create_workflows):
    create_workflows("""
version: '2.0'
parent:
  tasks:
    call:
      workflow: child
child:
  output-on-error: {stage: failed}
  tasks:
    boom:
      action: std.fail
""")
    wf_ex = engine.start_workflow(ctx, "parent")
    done = wait_state(wf_ex["id"])
    assert done["state"] == "ERROR"
    call = tasks_of(wf_ex["id"])["call"]
    assert call["state"] == "ERROR"
    assert call["result"]["stage"] == "failed"
    assert "boom" in done["state_info"]


def test_input_errors_reach_the_caller(engine, ctx, create_workflows):
    create_workflows("""
version: '2.0'
wf:
  input: [a]
  tasks:
    t: {action: std.noop}
""")
    with pytest.raises(exc.InputError) as e:
        engine.start_workflow(ctx, "wf", wf_input={"b": 1})
    assert "missing=['a']" in str(e.value)
    assert "unexpected=['b']" in str(e.value)
    with pytest.raises(exc.NotFoundError):
        engine.start_workflow(ctx, "nope")


def test_idempotent_create_with_id(engine, ctx, create_workflows):
    create_workflows("""
version: '2.0'
wf:
  tasks:
    t: {action: std.noop}
""")
    first = engine.start_workflow(ctx, "wf", wf_ex_id=
                                  "0b9b3c9e-3c55-4f7e-a1b7-61c3d8c5a0b1")
    again = engine.start_workflow(ctx, "wf", wf_ex_id=first["id"])
    assert again["id"] == first["id"]
    assert wait_state(first["id"])["state"] == "SUCCESS"


def test_start_racing_another_of_the_same_id_returns_it(
        engine, ctx, create_workflows, monkeypatch):
    """The other start commits between this one's look-up and its insert
    (an API re-send, a client's retry): this one answers with it."""
    from mistral_clone.engine import queries
    create_workflows("version: '2.0'\nwf:\n  tasks:\n"
                     "    t: {action: std.noop}\n")
    first = engine.start_workflow(ctx, "wf")
    missed = []
    real_workflow = queries.workflow

    def not_committed_yet(session, wf_ex_id):
        if wf_ex_id == first["id"] and not missed:
            missed.append(wf_ex_id)
            return None
        return real_workflow(session, wf_ex_id)

    monkeypatch.setattr(queries, "workflow", not_committed_yet)
    again = engine.start_workflow(ctx, "wf", wf_ex_id=first["id"])
    assert missed == [first["id"]]
    assert again["id"] == first["id"]
    assert wait_state(first["id"])["state"] == "SUCCESS"


def test_join_all_and_failed_branch(engine, ctx, create_workflows):
    create_workflows("""
version: '2.0'
ok_wf:
  tasks:
    a: {action: std.echo output=1, publish: {a: 1}, on-success: j}
    b: {action: std.echo output=2, publish: {b: 2}, on-success: j}
    j:
      join: all
      action: std.echo output=<% $.a + $.b %>
      publish: {s: <% task().result %>}
  output: {s: <% $.s %>}
bad_wf:
  tasks:
    ok: {action: std.noop, on-success: j}
    bad: {action: std.fail, on-success: j}
    j: {join: all, action: std.noop}
""")
    ok = wait_state(engine.start_workflow(ctx, "ok_wf")["id"])
    assert ok["output"] == {"s": 3}
    bad_id = engine.start_workflow(ctx, "bad_wf")["id"]
    bad = wait_state(bad_id)
    assert bad["state"] == "ERROR"
    tasks = tasks_of(bad_id)
    assert tasks["j"]["state"] == "ERROR"
    assert tasks["j"]["state_info"] == "Failed by tasks: ['bad']"


def test_on_error_handled_and_engine_commands(engine, ctx,
                                              create_workflows):
    create_workflows("""
version: '2.0'
handled:
  tasks:
    t1:
      action: std.fail
      publish-on-error: {e: handled}
      on-error: t2
    t2: {action: std.noop}
  output: {e: <% $.e %>}
failing:
  tasks:
    t1:
      action: std.noop
      on-success: fail msg="custom"
""")
    handled = wait_state(engine.start_workflow(ctx, "handled")["id"])
    assert handled["state"] == "SUCCESS"
    assert handled["output"] == {"e": "handled"}
    failing = wait_state(engine.start_workflow(ctx, "failing")["id"])
    assert failing["state"] == "ERROR"
    assert failing["state_info"] == "custom"
    assert failing["output"] == {"result": "custom"}


def test_expression_error_fails_with_state_info(engine, ctx,
                                                create_workflows):
    create_workflows("""
version: '2.0'
wf:
  tasks:
    t1:
      action: std.echo output=<% $.nope.deeper + 1 %>
""")
    done = wait_state(engine.start_workflow(ctx, "wf")["id"])
    assert done["state"] == "ERROR"
    assert "$.nope.deeper + 1" in done["state_info"]


def test_pause_command_and_resume(engine, ctx, create_workflows):
    create_workflows("""
version: '2.0'
wf:
  tasks:
    t1:
      action: std.echo output=1
      publish: {a: <% task().result %>}
      on-success: [pause, t2]
    t2:
      action: std.echo output=<% $.a + 1 %>
      publish: {b: <% task().result %>}
  output: {b: <% $.b %>}
""")
    wf_ex_id = engine.start_workflow(ctx, "wf")["id"]
    assert wait_state(wf_ex_id, "PAUSED")["state"] == "PAUSED"
    assert "t2" not in tasks_of(wf_ex_id)
    engine.resume_workflow(ctx, wf_ex_id)
    done = wait_state(wf_ex_id)
    assert done["state"] == "SUCCESS"
    assert done["output"] == {"b": 2}


def test_async_action_completed_through_the_client(engine, ctx,
                                                   create_workflows):
    create_workflows("""
version: '2.0'
wf:
  tasks:
    t1:
      action: std.async_noop
      publish: {r: <% task().result %>}
  output: {r: <% $.r %>}
""")
    wf_ex_id = engine.start_workflow(ctx, "wf")["id"]

    def running_action():
        tasks = tasks_of(wf_ex_id)
        if "t1" not in tasks:
            return None
        actions = action_exs_of(tasks["t1"]["id"])
        return actions[0] if actions and not actions[0]["is_sync"] \
            else None

    from tests.waiting import wait_for
    action_ex = wait_for(running_action)
    engine.on_action_complete(ctx, action_ex["id"],
                              {"data": "done", "error": None,
                               "cancel": False})
    done = wait_state(wf_ex_id)
    assert done["output"] == {"r": "done"}


def test_stop_rerun_and_skip(engine, ctx, create_workflows):
    create_workflows("""
version: '2.0'
wf:
  tasks:
    t1:
      action: std.fail
      publish-on-skip: {skipped: true}
      on-success: t2
    t2: {action: std.noop}
  output: {skipped: <% $.skipped %>}
""")
    wf_ex_id = engine.start_workflow(ctx, "wf")["id"]
    assert wait_state(wf_ex_id)["state"] == "ERROR"
    t1 = tasks_of(wf_ex_id)["t1"]
    engine.rerun_workflow(ctx, t1["id"])
    assert wait_state(wf_ex_id)["state"] == "ERROR"
    assert len(action_exs_of(t1["id"])) == 2
    engine.skip_task(ctx, t1["id"])
    done = wait_state(wf_ex_id)
    assert done["state"] == "SUCCESS"
    assert done["output"] == {"skipped": True}
    assert tasks_of(wf_ex_id)["t2"]["state"] == "SUCCESS"
    # As in Mistral 23, failing a finished workflow is a silent no-op.
    assert engine.stop_workflow(ctx, wf_ex_id, "ERROR", "late")["state"] \
        == "SUCCESS"


def test_cancel_running_workflow(engine, ctx, create_workflows):
    create_workflows("""
version: '2.0'
wf:
  tasks:
    t1: {action: std.async_noop}
""")
    wf_ex_id = engine.start_workflow(ctx, "wf")["id"]
    engine.stop_workflow(ctx, wf_ex_id, "CANCELLED", "enough")
    wf_ex = get_wf_ex(wf_ex_id)
    assert wf_ex["state"] == "CANCELLED"
    assert wf_ex["state_info"] == "enough"


def test_with_items_order_and_concurrency(engine, ctx, create_workflows):
    create_workflows("""
version: '2.0'
wf:
  input: [xs, ys]
  tasks:
    t:
      with-items: [x in <% $.xs %>, y in <% $.ys %>]
      concurrency: 2
      action: std.echo output=<% $.x + $.y %>
      publish: {r: <% task().result %>}
  output: {r: <% $.r %>}
""")
    wf_ex_id = engine.start_workflow(
        ctx, "wf", wf_input={"xs": [1, 2, 3, 4, 5], "ys": [10, 20, 30, 40,
                                                          50]})["id"]
    done = wait_state(wf_ex_id)
    assert done["output"] == {"r": [11, 22, 33, 44, 55]}


def test_reverse_workflow(engine, ctx, create_workflows):
    create_workflows("""
version: '2.0'
wf:
  type: reverse
  tasks:
    a:
      action: std.echo output="a"
      publish: {a: <% task().result %>}
    b:
      action: std.echo output=<% $.a + "b" %>
      publish: {b: <% task().result %>}
      requires: [a]
    c: {action: std.noop, requires: [b]}
  output: {b: <% $.b %>}
""")
    wf_ex_id = engine.start_workflow(ctx, "wf", task_name="b")["id"]
    done = wait_state(wf_ex_id)
    assert done["output"] == {"b": "ab"}
    assert set(tasks_of(wf_ex_id)) == {"a", "b"}


def test_standalone_action(engine, ctx, db):
    action_ex = engine.start_action(ctx, "std.echo", {"output": "hi"})
    assert action_ex["state"] == "SUCCESS"
    assert action_ex["output"] == {"result": "hi"}
    with pytest.raises(exc.InvalidActionError):
        engine.start_action(ctx, "std.nope", {})
