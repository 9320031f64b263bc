"""A broken workflow never leaves an execution RUNNING: each error ends
in ERROR with Mistral 23's state_info, and the engine keeps serving."""

import pytest

from tests.functional.helpers import tasks_of, wait_state

CASES = {
    "publish": ("""
    t1:
      action: std.echo output=1
      publish:
        x: <% $.nope %>
      on-error: [h]
    h:
      action: std.noop
""", "Failed to handle action completion [error=Can not evaluate YAQL "
     "expression [expression=$.nope, error='nope'], wf=wf, task=t1, "
     "action=std.echo]", "ERROR"),
    "transition": ("""
    t1:
      action: std.echo output=1
      on-success:
        - t2: <% $.nope > 1 %>
    t2:
      action: std.noop
""", "Failed to handle action completion [error=Can not evaluate YAQL "
     "expression [expression=$.nope > 1, error='nope'], wf=wf, task=t1, "
     "action=std.echo]", "ERROR"),
    "input": ("""
    t1:
      action: std.echo output=<% $.nope %>
""", "Failed to run task [error=Can not evaluate YAQL expression "
     "[expression=$.nope, error='nope'], wf=wf, task=t1]", "ERROR"),
    "unknown_action": ("""
    t1:
      action: zz.no_such_action
""", "Failed to run task [error=Failed to find action "
     "[action_name=zz.no_such_action, namespace=], wf=wf, task=t1]",
     "ERROR"),
    "missing_subworkflow": ("""
    t1:
      workflow: zz_no_such_wf
""", "Failed to find workflow [name=zz_no_such_wf] [namespace=]", "ERROR"),
}


def _wf(tasks: str, output: str = "") -> str:
    return "version: '2.0'\nwf:\n  tasks:" + tasks + output


@pytest.mark.parametrize("case", sorted(CASES))
def test_task_errors_end_in_error(engine, ctx, create_workflows, case):
    tasks, info, task_state = CASES[case]
    create_workflows(_wf(tasks))
    wf_ex = engine.start_workflow(ctx, "wf")
    done = wait_state(wf_ex["id"])
    assert done["state"] == "ERROR"
    t1 = tasks_of(wf_ex["id"])["t1"]
    assert t1["state"] == task_state
    assert t1["state_info"] == info
    assert info in done["state_info"]
    assert done["output"]["result"] == done["state_info"]
    # Nothing else ran after the forced failure (the on-error handler of a
    # publish error included, as in Mistral).
    assert set(tasks_of(wf_ex["id"])) == {"t1"}


def test_output_error(engine, ctx, create_workflows):
    create_workflows(_wf("\n    t1:\n      action: std.noop\n",
                         "  output:\n    o: <% $.nope %>\n"))
    wf_ex = engine.start_workflow(ctx, "wf")
    done = wait_state(wf_ex["id"])
    assert done["state"] == "ERROR"
    assert done["state_info"] == (
        "Failed to check and complete [wf_ex_id=%s, wf_name=wf]: Can not "
        "evaluate YAQL expression [expression=$.nope, error='nope']"
        % wf_ex["id"])
    assert tasks_of(wf_ex["id"])["t1"]["state"] == "SUCCESS"


def test_succeed_command_with_a_broken_output_fails_its_task(
        engine, ctx, create_workflows):
    """Mistral evaluates the output while handling t1: t1 fails."""
    create_workflows(_wf("""
    t1:
      action: std.echo output="ok"
      publish: {r: <% task().result %>}
      on-success:
        - succeed
        - t2
    t2:
      action: std.noop
""", "  output:\n    r: <% $.r %>\n"))
    wf_ex = engine.start_workflow(ctx, "wf")
    done = wait_state(wf_ex["id"])
    assert done["state"] == "ERROR"
    t1 = tasks_of(wf_ex["id"])["t1"]
    assert t1["state"] == "ERROR"
    assert t1["published"] == {"r": "ok"}
    assert t1["state_info"].startswith("Failed to handle action completion")


def test_engine_keeps_serving_after_errors(engine, ctx, create_workflows):
    create_workflows(_wf("\n    t1:\n      action: zz.no_such_action\n"))
    create_workflows("""
version: '2.0'
good:
  tasks:
    t1:
      action: std.echo output="fine"
      publish: {v: <% task().result %>}
  output: {v: <% $.v %>}
""")
    assert wait_state(engine.start_workflow(ctx, "wf")["id"])["state"] \
        == "ERROR"
    done = wait_state(engine.start_workflow(ctx, "good")["id"])
    assert (done["state"], done["output"]) == ("SUCCESS", {"v": "fine"}), \
        done["state_info"]
