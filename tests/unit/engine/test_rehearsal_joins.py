"""Joins, rehearsed: whole workflows through the engine's conductor with
scripted results, no database (Mistral 23's behaviour, checked against
the real service)."""

from mistral_clone.engine import states
from mistral_clone.engine.rehearsal import Rehearsal, error, pending

FAN_IN = """
version: '2.0'
fan_in:
  output:
    seen: <% $.seen %>
    colour: <% $.colour %>
  tasks:
    split:
      action: std.noop
      publish: {colour: grey, seen: []}
      on-success: [red, blue, green]
    red:
      action: std.noop
      publish: {colour: red}
      on-success: [paint]
    blue:
      action: std.noop
      publish: {colour: blue}
      on-complete: [paint]
    green:
      action: std.noop
      on-success: [paint]
    paint:
      join: JOIN
      action: std.echo
      input:
        output: <% [$.colour, $.keys().contains(colour)] %>
      publish: {seen: <% task().result %>}
"""


def _fan_in(join, **results):
    r = Rehearsal(FAN_IN.replace("JOIN", join), results=results)
    return r, r.run("fan_in")


def test_join_all_sees_every_branch_and_records_what_triggered_it():
    r, wf_ex = _fan_in("all")
    assert wf_ex.state == states.SUCCESS
    paint = r.task("paint")
    assert paint.state == states.SUCCESS and paint.state_info is None
    by_id = {t.id: t.name for t in r.tasks()}
    triggered = paint.runtime_context["triggered_by"]
    # In the order of the join's inbound tasks in the spec.
    assert [(by_id[t["task_id"]], t["event"]) for t in triggered] == [
        ("red", "on-success"), ("blue", "on-complete"),
        ("green", "on-success")]
    # red and blue both published "colour" once on their branch: the
    # branch that finished last wins the tie (Mistral's base context).
    assert wf_ex.output["colour"] in ("red", "blue")


def test_a_variable_published_more_often_on_a_branch_wins_the_join():
    wf = """
version: '2.0'
wf:
  output: {level: <% $.level %>, other: <% $.other %>}
  tasks:
    start:
      publish: {level: 0, other: 0}
      on-success: [deep1, shallow]
    deep1:
      publish: {level: 1}
      on-success: [deep2]
    deep2:
      publish: {other: 2}
      on-success: [meet]
    shallow:
      publish: {other: 9}
      on-success: [meet]
    meet:
      join: all
"""
    r = Rehearsal(wf)
    wf_ex = r.run("wf")
    # level: 2 versions on the deep branch, 1 on the shallow one (start's);
    # other: 2 versions on each branch: a tie, the last to finish wins.
    assert wf_ex.output["level"] == 1
    assert "__versions" not in wf_ex.output
    assert "__versions" in r.task("meet").in_context


def test_discriminator_runs_once_for_branches_arriving_together():
    r, wf_ex = _fan_in("one")
    assert wf_ex.state == states.SUCCESS
    [paint] = r.tasks(name="paint")
    assert len(r.actions_of(paint)) == 1
    assert len(paint.runtime_context["triggered_by"]) == 3


def test_a_partial_join_runs_again_when_a_late_branch_arrives():
    r = Rehearsal(FAN_IN.replace("JOIN", "2"), results={"green": [pending()]})
    wf_ex = r.run("fan_in")
    paint = r.task("paint")
    assert paint.state == states.SUCCESS
    assert wf_ex.state == states.RUNNING      # green still runs
    r.complete_action("green")
    assert wf_ex.state == states.SUCCESS
    # Still one task execution: its action ran twice, the result is the
    # list of both runs.
    assert r.tasks(name="paint") == [paint]
    assert len(r.actions_of(paint)) == 2
    assert isinstance(r.result(paint), list) and len(r.result(paint)) == 2


def test_a_waiting_join_says_so():
    r = Rehearsal(FAN_IN.replace("JOIN", "all"), results={"blue": [pending()]})
    r.run("fan_in")
    paint = r.task("paint")
    assert paint.state == states.WAITING
    assert paint.state_info == "Task is waiting."
    r.complete_action("blue")
    assert r.task("paint").state == states.SUCCESS


def test_join_all_fails_when_a_branch_cannot_reach_it():
    r = Rehearsal(FAN_IN.replace("JOIN", "all"), results={"red": [error("no paint")]})
    wf_ex = r.run("fan_in")
    paint = r.task("paint")
    assert paint.state == states.ERROR
    assert paint.state_info == "Failed by tasks: ['red']"
    [trigger] = paint.runtime_context["triggered_by"]
    assert trigger["event"] == "not triggered"
    assert r.actions_of(paint) == []
    assert wf_ex.state == states.ERROR
    assert wf_ex.state_info.startswith(
        "Failure caused by error in tasks: paint, red\n")


def test_an_impossible_route_fails_the_join_without_triggers():
    wf = """
version: '2.0'
wf:
  tasks:
    a:
      action: std.noop
      on-success:
        - b: <% false %>
        - j
    b:
      on-success: [c]
    c:
      on-success: [j]
    j:
      join: all
"""
    r = Rehearsal(wf)
    wf_ex = r.run("wf")
    j = r.task("j")
    assert j.state == states.ERROR
    assert j.state_info == "Failed by tasks: ['c']"
    assert j.runtime_context["triggered_by"] == []
    assert wf_ex.state == states.ERROR


def test_a_join_behind_a_join_that_never_exists_is_not_left_waiting():
    wf = """
version: '2.0'
wf:
  tasks:
    a:
      on-success: [b, c, outer]
    b:
      action: std.fail
      on-success: [inner]
    c:
      on-success: [inner]
    inner:
      join: all
      on-success: [outer]
    outer:
      join: all
"""
    r = Rehearsal(wf)
    wf_ex = r.run("wf")
    assert wf_ex.state == states.ERROR
    assert r.task("outer").state == states.ERROR
    assert r.task("inner").state == states.ERROR


def test_a_retried_join_waits_and_is_evaluated_again():
    wf = """
version: '2.0'
wf:
  tasks:
    a:
      on-success: [j]
    b:
      on-success: [j]
    j:
      join: all
      action: std.echo output="x"
      retry: {count: 1, delay: 5}
"""
    r = Rehearsal(wf, results={"j": [error("first"), "second"]})
    wf_ex = r.run("wf")
    j = r.task("j")
    assert wf_ex.state == states.SUCCESS and j.state == states.SUCCESS
    assert j.runtime_context["retry_task_policy"] == {"retry_no": 1}
    assert r.result(j) == "second"
