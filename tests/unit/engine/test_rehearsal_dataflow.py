"""Data flow, rehearsed: publish (branch, global, on-error, on-skip), what
a workflow outputs when it ends well or badly, engine commands with
messages, and the merge strategy."""

from mistral_clone.engine import dataflow
from mistral_clone.engine import states
from mistral_clone.engine.rehearsal import Rehearsal, error


def test_branch_and_global_publish():
    wf = """
version: '2.0'
wf:
  output:
    seen: <% $.seen %>
    total: <% $.total %>
  tasks:
    count:
      action: std.echo output=3
      on-success:
        next: [report]
        publish:
          branch: {seen: <% task().result %>}
          global: {total: <% task().result * 10 %>}
    report:
      action: std.echo output=<% [$.seen, $.total] %>
      publish: {pair: <% task().result %>}
"""
    r = Rehearsal(wf)
    wf_ex = r.run("wf")
    assert wf_ex.state == states.SUCCESS
    assert wf_ex.output == {"seen": 3, "total": 30}
    assert r.task("report").published == {"pair": [3, 30]}
    assert wf_ex.context["total"] == 30


def test_publish_on_error_and_the_failed_workflow_output():
    wf = """
version: '2.0'
wf:
  tasks:
    first:
      action: std.echo output=1
      publish: {a: 1}
      on-success: [second]
    second:
      action: std.fail
      publish-on-error: {why: <% task().result %>}
"""
    r = Rehearsal(wf, results={"second": [error("disk full")]})
    wf_ex = r.run("wf")
    assert wf_ex.state == states.ERROR
    assert r.task("second").published == {"why": "disk full"}
    # Without output-on-error the output holds the final context too.
    assert wf_ex.output["a"] == 1 and wf_ex.output["why"] == "disk full"
    assert wf_ex.output["result"] == wf_ex.state_info
    assert "__versions" not in wf_ex.output


def test_output_on_error_replaces_the_final_context():
    wf = """
version: '2.0'
wf:
  output-on-error:
    cause: <% $.why %>
  tasks:
    only:
      action: std.fail
      publish-on-error: {why: boom, other: 1}
"""
    r = Rehearsal(wf)
    wf_ex = r.run("wf")
    assert set(wf_ex.output) == {"result", "cause"}
    assert wf_ex.output["cause"] == "boom"


def test_fail_with_a_structured_message():
    wf = """
version: '2.0'
wf:
  tasks:
    t:
      action: std.echo
      input:
        output: {code: 7}
      publish: {p: 1}
      on-success: fail msg=<% task().result %>
"""
    r = Rehearsal(wf)
    wf_ex = r.run("wf")
    assert wf_ex.state == states.ERROR
    assert r.task("t").state == states.SUCCESS
    assert wf_ex.state_info == '{"code": 7}'
    assert wf_ex.output == {"result": "{'code': 7}", "p": 1}


def test_an_error_in_a_transition_condition_fails_task_and_workflow():
    wf = """
version: '2.0'
wf:
  tasks:
    t:
      action: std.noop
      on-success:
        - next: <% $.missing.deeper %>
    next:
      action: std.noop
"""
    r = Rehearsal(wf)
    wf_ex = r.run("wf")
    t = r.task("t")
    assert t.state == states.ERROR
    assert t.state_info.startswith(
        "Failed to handle action completion [error=")
    assert t.state_info.endswith("wf=wf, task=t, action=std.noop]")
    assert wf_ex.state == states.ERROR and wf_ex.state_info == t.state_info


def test_a_handled_error_with_a_false_condition_is_not_handled():
    wf = """
version: '2.0'
wf:
  tasks:
    t:
      action: std.fail
      on-error:
        - cleanup: <% false %>
    cleanup:
      action: std.noop
"""
    r = Rehearsal(wf)
    wf_ex = r.run("wf")
    assert r.task("t").error_handled is False
    assert wf_ex.state == states.ERROR
    # The task has an on-error clause: the message does not name it.
    assert wf_ex.state_info == "Failure caused by error in tasks: \n"


def test_skip_publishes_on_skip_and_takes_on_skip():
    wf = """
version: '2.0'
wf:
  tasks:
    t:
      action: std.fail
      publish-on-skip: {skipped: yes}
      on-skip: [after]
    after:
      action: std.echo output=<% $.skipped %>
      publish: {got: <% task().result %>}
"""
    r = Rehearsal(wf)
    wf_ex = r.run("wf")
    assert wf_ex.state == states.ERROR
    r.skip(r.task("t"))
    t = r.task("t")
    assert t.state == states.SKIPPED and t.state_info == "Task was skipped."
    assert wf_ex.state == states.SUCCESS
    assert r.task("after").published == {"got": True}


def test_merge_strategy_merges_nested_dicts():
    wf = """
version: '2.0'
wf:
  input:
    - cfg: {a: 1}
  output:
    cfg: <% $.cfg %>
  tasks:
    t:
      action: std.noop
      publish: {cfg: {b: 2}}
"""
    replace = Rehearsal(wf).run("wf")
    assert replace.output == {"cfg": {"b": 2}}
    merge = Rehearsal(wf, options=dataflow.Options(strategy="merge")).run(
        "wf")
    assert merge.output == {"cfg": {"a": 1, "b": 2}}


def test_vars_and_env_are_seen_and_env_comes_from_the_root():
    wf = """
version: '2.0'
main:
  vars:
    greeting: hello
  tasks:
    call:
      workflow: sub
      publish: {said: <% task().result.said %>}
sub:
  output:
    said: <% env().who %>
  tasks:
    t:
      action: std.noop
"""
    r = Rehearsal(wf)
    wf_ex = r.run("main", params={"env": {"who": "root"}})
    assert wf_ex.state == states.SUCCESS
    assert r.task("call").published == {"said": "root"}
    [child] = r.children(r.task("call"))
    assert child.params["env"] == {}


ADHOC = """
version: '2.0'
name: kit
actions:
  greet:
    base: std.echo
    input:
      - who
      - greeting: hello
    base-input:
      output: <% $.greeting %> <% $.who %>
    output: <% $.toUpper() %>
  broken:
    base: std.echo
    input: [who]
    base-input:
      output: <% $.who %>
    output: <% $.no_such_key %>
workflows:
  wf:
    tasks:
      t:
        action: greet who="ann"
        publish: {said: <% task().result %>}
        on-success: [u]
      u:
        action: broken who="bob"
"""


def test_ad_hoc_actions_keep_their_defaults_and_transform_output():
    r = Rehearsal(ADHOC)
    wf_ex = r.run("kit.wf")
    t = r.task("t")
    assert t.published == {"said": "HELLO ANN"}
    [action_ex] = r.actions_of(t)
    assert action_ex.name == "kit.greet"
    assert action_ex.input == {"who": "ann", "greeting": "hello"}
    # An output that cannot be evaluated fails the action, unaccepted,
    # and the task and the workflow with Mistral's message.
    u = r.task("u")
    [broken] = r.actions_of(u)
    assert (broken.state, broken.accepted) == (states.ERROR, False)
    assert u.state_info.startswith("Failed to complete action [error=")
    assert u.state_info.endswith("action=kit.broken, task=u]")
    assert broken.output == {"result": u.state_info}
    assert wf_ex.state == states.ERROR and wf_ex.state_info == u.state_info


def test_a_reverse_workflow_needs_a_target():
    wf = """
version: '2.0'
main:
  tasks:
    call:
      workflow: rev
rev:
  type: reverse
  tasks:
    a:
      action: std.noop
"""
    r = Rehearsal(wf)
    wf_ex = r.run("main")
    call = r.task("call")
    assert call.state == states.ERROR
    assert call.state_info == (
        "Invalid task name [wf_spec=ReverseWorkflowSpec {'type': "
        "'reverse', 'tasks': {'a': {'action': 'std.noop', 'type': "
        "'reverse', 'name': 'a', 'version': '2.0'}}, 'name': 'rev', "
        "'version': '2.0'}, task_name=None]")
    # No sub-execution is left behind (Mistral leaves one RUNNING).
    assert r.children(call) == []
    assert wf_ex.state == states.ERROR


def test_skip_starts_the_task_from_a_clean_runtime_context():
    wf = """
version: '2.0'
wf:
  tasks:
    t:
      action: std.fail
      retry: {count: 1, delay: 1}
"""
    r = Rehearsal(wf)
    r.run("wf")
    t = r.task("t")
    assert t.runtime_context == {"retry_task_policy": {"retry_no": 1}}
    r.skip(t)
    assert t.state == states.SKIPPED and t.runtime_context == {}
