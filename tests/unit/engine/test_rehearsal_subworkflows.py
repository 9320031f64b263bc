"""Sub-workflows, rehearsed: how they are started (inline parameters,
params, description), what their parents see when they end, pause and
resume through the tree."""

from mistral_clone.engine import states
from mistral_clone.engine.rehearsal import Rehearsal, error, pending

TREE = """
version: '2.0'
parent:
  output:
    got: <% $.got %>
  tasks:
    call:
      workflow: child arg=<% 2 + 3 %>
      publish: {got: <% task().result.out %>}
child:
  input: [arg]
  output:
    out: <% $.arg * 2 %>
  tasks:
    work:
      action: std.noop
"""


def test_a_subworkflow_gets_its_input_and_mistrals_params():
    r = Rehearsal(TREE)
    wf_ex = r.run("parent", params={"env": {"k": "v"}})
    assert wf_ex.state == states.SUCCESS and wf_ex.output == {"got": 10}
    call = r.task("call")
    [child] = r.children(call)
    assert child.description == "sub-workflow execution"
    assert child.input == {"arg": 5}
    assert child.params == {"root_execution_id": wf_ex.id,
                            "task_execution_id": call.id, "index": 0,
                            "namespace": "", "env": {}}
    assert child.root_execution_id == wf_ex.id
    assert r.result(call) == {"out": 10}


def test_a_reverse_subworkflow_takes_its_target_inline():
    wf = """
version: '2.0'
main:
  tasks:
    call:
      workflow: rev task_name="last"
      publish: {r: <% task().result %>}
rev:
  type: reverse
  output:
    order: <% $.order %>
  tasks:
    first:
      action: std.noop
      publish: {order: [first]}
    last:
      requires: [first]
      action: std.noop
      publish:
        order: <% $.order + [last] %>
"""
    r = Rehearsal(wf)
    wf_ex = r.run("main")
    assert wf_ex.state == states.SUCCESS, wf_ex.state_info
    [child] = r.children(r.task("call"))
    assert child.params["task_name"] == "last"
    assert r.task("call").published == {"r": {"order": ["first", "last"]}}


def test_a_failed_subworkflow_fails_its_task_with_its_message():
    wf = TREE.replace("action: std.noop", "action: std.fail")
    r = Rehearsal(wf, results={"work": [error("broken")]})
    wf_ex = r.run("parent")
    call = r.task("call")
    [child] = r.children(call)
    assert child.state == states.ERROR
    assert call.state == states.ERROR
    assert call.state_info == child.output["result"]
    assert wf_ex.state == states.ERROR
    assert "[wf_ex_id=%s, idx=0]" % child.id in wf_ex.state_info


def test_an_unknown_subworkflow_fails_only_its_task():
    wf = """
version: '2.0'
wf:
  tasks:
    call:
      workflow: nowhere
      on-error: [recover]
    recover:
      action: std.noop
"""
    r = Rehearsal(wf)
    wf_ex = r.run("wf")
    assert r.task("call").state_info == \
        "Failed to find workflow [name=nowhere] [namespace=]"
    assert wf_ex.state == states.SUCCESS


def test_a_subworkflow_refusing_its_input_fails_its_task():
    wf = TREE.replace("workflow: child arg=<% 2 + 3 %>",
                      "workflow: child")
    r = Rehearsal(wf)
    wf_ex = r.run("parent")
    call = r.task("call")
    assert call.state == states.ERROR
    assert call.state_info.startswith("Invalid input [name=child")
    assert r.children(call) == []
    assert wf_ex.state == states.ERROR


def test_pausing_and_resuming_goes_through_the_tree():
    wf = TREE.replace("action: std.noop", "action: std.async_noop")
    r = Rehearsal(wf, results={"work": [pending()]})
    wf_ex = r.run("parent")
    [child] = r.children(r.task("call"))
    r.pause(wf_ex)
    assert (wf_ex.state, child.state) == (states.PAUSED, states.PAUSED)
    assert r.task("call").state == states.PAUSED
    r.resume(wf_ex)
    assert (wf_ex.state, child.state) == (states.RUNNING, states.RUNNING)
    assert r.task("call").state == states.RUNNING
    r.complete_action("work", None)
    assert wf_ex.state == states.SUCCESS


def test_with_items_over_subworkflows_keeps_item_order():
    wf = """
version: '2.0'
parent:
  output:
    outs: <% $.outs %>
  tasks:
    fan:
      with-items: n in <% [3, 1, 2] %>
      concurrency: 2
      workflow: child arg=<% $.n %>
      publish: {outs: <% task().result.select($.out) %>}
child:
  input: [arg]
  output:
    out: <% $.arg * 2 %>
  tasks:
    work:
      action: std.noop
"""
    r = Rehearsal(wf)
    wf_ex = r.run("parent")
    assert wf_ex.output == {"outs": [6, 2, 4]}
    indexes = sorted(c.params["index"] for c in r.children(r.task("fan")))
    assert indexes == [0, 1, 2]
