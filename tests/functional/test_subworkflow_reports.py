"""A sub-workflow's end counts once for its parent task, however often it
is reported (recovery reports children again when the first report may
have been lost with a dead engine)."""

from tests.functional.helpers import action_exs_of, children_of, tasks_of
from tests.functional.helpers import get_wf_ex
from tests.functional.helpers import wait_state
from tests.waiting import wait_for

WFS = """
version: '2.0'
parent:
  tasks:
    each:
      with-items: i in <% [1, 2, 3] %>
      concurrency: 1
      workflow: child
child:
  tasks:
    wait:
      action: std.async_noop
"""


def _waiting_action(child):
    tasks = tasks_of(child["id"])
    if "wait" not in tasks:
        return None
    actions = action_exs_of(tasks["wait"]["id"])
    return actions[0] if actions and actions[0]["state"] == "RUNNING" \
        else None


def _finish(engine, ctx, child):
    action = wait_for(lambda: _waiting_action(child))
    engine.on_action_complete(ctx, action["id"], {"data": "done"})
    wait_state(child["id"], "SUCCESS")


def test_a_child_reported_twice_counts_once(engine, ctx, create_workflows):
    create_workflows(WFS)
    wf_ex = engine.start_workflow(ctx, "parent")
    each = wait_for(lambda: tasks_of(wf_ex["id"]).get("each"))
    [first] = wait_for(lambda: children_of(each["id"]))
    _finish(engine, ctx, first)
    children = wait_for(lambda: len(children_of(each["id"])) == 2
                        and children_of(each["id"]))
    # The first child's end again, while the second still runs: it must
    # not free a second slot nor count as a second item.
    engine.report_subworkflow_result(ctx, first["id"])
    engine.report_subworkflow_result(ctx, first["id"])
    second = [c for c in children if c["id"] != first["id"]][0]
    _finish(engine, ctx, second)
    third = wait_for(lambda: [c for c in children_of(each["id"])
                              if c["id"] not in (first["id"], second["id"])])
    assert len(third) == 1
    assert tasks_of(wf_ex["id"])["each"]["state"] == "RUNNING"
    _finish(engine, ctx, third[0])
    done = wait_state(wf_ex["id"])
    assert done["state"] == "SUCCESS", done["state_info"]
    assert len(children_of(each["id"])) == 3


ONE_CHILD = """
version: '2.0'
parent:
  tasks:
    call:
      workflow: child
child:
  tasks:
    wait:
      action: std.async_noop
"""


def _start_one_child(engine, ctx, create_workflows):
    """(the parent execution, its running child) of ONE_CHILD."""
    create_workflows(ONE_CHILD)
    wf_ex = engine.start_workflow(ctx, "parent")
    call = wait_for(lambda: tasks_of(wf_ex["id"]).get("call"))
    [child] = wait_for(lambda: children_of(call["id"]))
    return wf_ex, child


def test_a_lost_report_is_sent_again_within_seconds(
        engine, ctx, create_workflows, conf, monkeypatch):
    from mistral_clone.engine import store
    wf_ex, child = _start_one_child(engine, ctx, create_workflows)
    # The engine that ends the child dies between its commit and its
    # report to the parent: the message never leaves.
    monkeypatch.setattr(store.DbStore, "report_to_parent",
                        lambda self, wf_ex: None)
    _finish(engine, ctx, child)
    assert tasks_of(wf_ex["id"])["call"]["state"] == "RUNNING"
    done = _sweep_until(conf, monkeypatch, lambda: wait_state(wf_ex["id"]))
    assert done["state"] == "SUCCESS", done["state_info"]
    assert tasks_of(wf_ex["id"])["call"]["state"] == "SUCCESS"


def _sweep_until(conf, monkeypatch, predicate):
    """Run the recovery sweeper (no grace, a short interval) until
    ``predicate()``."""
    from mistral_clone.engine import recovery
    monkeypatch.setattr(recovery, "GRACE_S", 0.0)
    conf.set_override("recovery_interval", 0.1, "engine")
    sweeper = recovery.Sweeper().start()
    try:
        return wait_for(predicate, timeout=30)
    finally:
        sweeper.stop()
        conf.clear_override("recovery_interval", "engine")


def _states(wf_ex_id):
    return get_wf_ex(wf_ex_id)["state"], tasks_of(wf_ex_id)["call"][
        "state"]


def test_a_lost_pause_or_resume_of_a_child_is_sent_again(
        engine, ctx, create_workflows, conf, monkeypatch):
    from mistral_clone.engine import store
    wf_ex, child = _start_one_child(engine, ctx, create_workflows)
    wait_for(lambda: _waiting_action(child))
    # Every engine that changes the child dies between its commit and its
    # message to the parent.
    monkeypatch.setattr(store.DbStore, "child_changed",
                        lambda self, wf_ex: None)
    engine.pause_workflow(ctx, child["id"])
    assert _states(wf_ex["id"]) == ("RUNNING", "RUNNING")
    _sweep_until(conf, monkeypatch,
                 lambda: _states(wf_ex["id"]) == ("PAUSED", "PAUSED"))
    engine.resume_workflow(ctx, child["id"])
    assert _states(wf_ex["id"]) == ("PAUSED", "PAUSED")
    _sweep_until(conf, monkeypatch,
                 lambda: _states(wf_ex["id"]) == ("RUNNING", "RUNNING"))
    _finish(engine, ctx, child)
    done = wait_state(wf_ex["id"])
    assert done["state"] == "SUCCESS", done["state_info"]
