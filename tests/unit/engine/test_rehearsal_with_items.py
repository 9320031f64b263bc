"""with-items, rehearsed: items in order, concurrency, failures, empty
lists, reruns, and what the task shows in its runtime context."""

from mistral_clone.engine import states
from mistral_clone.engine.rehearsal import Rehearsal, error

ITEMS = """
version: '2.0'
wf:
  input:
    - names: [ann, bob, cy, dee, eve]
  output:
    greetings: <% $.greetings %>
  tasks:
    greet:
      with-items: name in <% $.names %>
      concurrency: CONCURRENCY
      action: std.echo output="hi <% $.name %>"
      publish: {greetings: <% task().result %>}
"""


def _run(concurrency=0, wf_input=None, **results):
    wf = ITEMS.replace("CONCURRENCY", str(concurrency))
    if not concurrency:
        wf = wf.replace("      concurrency: 0\n", "")
    r = Rehearsal(wf, results=results)
    return r, r.run("wf", wf_input)


def test_results_in_item_order_and_mistrals_runtime_context():
    r, wf_ex = _run()
    assert wf_ex.state == states.SUCCESS
    assert wf_ex.output["greetings"] == [
        "hi ann", "hi bob", "hi cy", "hi dee", "hi eve"]
    greet = r.task("greet")
    assert greet.runtime_context == {
        "with_items": {"capacity": None, "count": 5}}


def test_concurrency_limits_the_items_running_at_once():
    r = Rehearsal(ITEMS.replace("CONCURRENCY", "2"))
    r.start("wf")
    greet = r.task("greet")
    assert len(r.store.sent) == 2
    assert greet.runtime_context == {
        "concurrency": 2, "with_items": {"capacity": 0, "count": 5}}
    r.settle()
    assert greet.state == states.SUCCESS
    assert greet.runtime_context["with_items"] == {"capacity": 2,
                                                   "count": 5}
    assert r.result(greet) == ["hi ann", "hi bob", "hi cy", "hi dee",
                               "hi eve"]


def test_one_failing_item_fails_the_task_after_all_ran():
    def script(task_ex, action_ex, action_input):
        return error("no") if action_ex.index == 1 else action_input[
            "output"]
    r, wf_ex = _run(concurrency=2, greet=script)
    greet = r.task("greet")
    assert greet.state == states.ERROR
    assert greet.state_info == "One or more actions had failed."
    assert len(r.actions_of(greet)) == 5
    assert wf_ex.state == states.ERROR


def test_an_empty_list_succeeds_at_once():
    r, wf_ex = _run(wf_input={"names": []})
    greet = r.task("greet")
    assert greet.state == states.SUCCESS and r.result(greet) == []
    assert greet.runtime_context == {
        "with_items": {"capacity": None, "count": 0}}
    assert wf_ex.output == {"greetings": []}


def test_not_a_list_fails_the_task_and_the_workflow():
    r, wf_ex = _run(wf_input={"names": "ann"})
    greet = r.task("greet")
    assert greet.state == states.ERROR
    assert "Wrong input format for" in greet.state_info
    assert wf_ex.state == states.ERROR


def test_rerun_without_reset_runs_only_the_failed_items():
    def script(task_ex, action_ex, action_input):
        if action_ex.index == 3 and len(r.actions_of(task_ex)) <= 5:
            return error("flaky")
        return action_input["output"]
    r = Rehearsal(ITEMS.replace("      concurrency: CONCURRENCY\n", ""),
                  results={"greet": script})
    wf_ex = r.run("wf")
    assert wf_ex.state == states.ERROR
    r.rerun(r.task("greet"), reset=False)
    greet = r.task("greet")
    assert wf_ex.state == states.SUCCESS, wf_ex.state_info
    assert len(r.actions_of(greet)) == 6
    assert r.result(greet) == ["hi ann", "hi bob", "hi cy", "hi dee",
                               "hi eve"]


def test_keep_result_false_drops_the_outputs_after_publishing():
    wf = """
version: '2.0'
wf:
  tasks:
    t:
      with-items: x in [1, 2]
      action: std.echo output=<% $.x %>
      keep-result: false
      publish: {sum: <% task().result.sum() %>}
"""
    r = Rehearsal(wf)
    wf_ex = r.run("wf")
    t = r.task("t")
    assert wf_ex.state == states.SUCCESS and t.published == {"sum": 3}
    assert all(a.output == {} for a in r.actions_of(t))


def test_an_action_name_expression_does_not_see_the_item():
    """Mistral evaluates the action name once, in the task's context:
    the item's variable is not there."""
    wf = """
version: '2.0'
wf:
  vars:
    kind: std.echo
  tasks:
    t:
      with-items: kind in ["std.noop"]
      action: <% $.kind %>
      input:
        output: <% $.kind %>
"""
    r = Rehearsal(wf)
    wf_ex = r.run("wf")
    assert wf_ex.state == states.SUCCESS
    assert [a.name for a in r.actions_of(r.task("t"))] == ["std.echo"]
    assert r.result(r.task("t")) == ["std.noop"]
