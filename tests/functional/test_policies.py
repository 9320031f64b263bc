"""Task policies end to end through the engine client, in one process
(engine, executor, notifier on fake:/, plus a scheduler firing the durable
timers). Delays are a second at most; every wait is bounded."""

import socket

import pytest
import sqlalchemy as sa

from mistral_clone.db import models
from mistral_clone.db import session as db_session
from tests.functional.conftest import wait_for
from tests.functional.helpers import (action_exs_of, children_of, tasks_of,
                                      wait_state)


@pytest.fixture
def scheduler(services):
    from mistral_clone.scheduler import service
    running = service.SchedulerService(cron_enabled=False).start()
    yield running
    running.stop()


@pytest.fixture
def run(engine, ctx, create_workflows, scheduler):
    def _run(text, name="wf", wf_input=None, timeout=15.0):
        create_workflows(text)
        wf_ex = engine.start_workflow(ctx, name, wf_input=wf_input or {})
        return wf_ex, wait_state(wf_ex["id"], timeout=timeout)
    return _run


def _delayed_calls(key):
    with db_session.read_only() as session:
        model = models.DelayedCall
        return session.execute(sa.select(model.func_name).where(
            model.key == key)).scalars().all()


def _task_state(wf_ex_id, name, *wanted):
    def check():
        task = tasks_of(wf_ex_id).get(name)
        return task if task and task["state"] in wanted else None
    return wait_for(check, 10)


def test_wait_before_delays_the_task_with_a_durable_timer(
        engine, ctx, create_workflows, scheduler):
    create_workflows("""
version: '2.0'
wf:
  input: [d]
  tasks:
    t1:
      action: std.echo output=1
      wait-before: <% $.d %>
      publish: {r: <% task().result %>}
  output: {r: <% $.r %>}
""")
    wf_ex = engine.start_workflow(ctx, "wf", wf_input={"d": 1})
    task = tasks_of(wf_ex["id"])["t1"]
    assert task["state"] == "DELAYED"
    assert task["state_info"] == \
        "Delayed by 'wait-before' policy [delay=1]"
    assert task["runtime_context"] == {"wait_before_policy": {"skip": True}}
    # The timer was committed with the step that delayed the task.
    assert _delayed_calls(task["id"]) == [
        "task.continue"]
    assert action_exs_of(task["id"]) == []
    done = wait_state(wf_ex["id"])
    assert done["state"] == "SUCCESS"
    assert done["output"] == {"r": 1}
    assert _delayed_calls(task["id"]) == []


def test_wait_after_defers_completion(engine, ctx, create_workflows,
                                      scheduler):
    create_workflows("""
version: '2.0'
wf:
  tasks:
    t1:
      action: std.echo output=1
      wait-after: 1
      on-success: t2
    t2:
      action: std.noop
""")
    wf_ex = engine.start_workflow(ctx, "wf")
    task = _task_state(wf_ex["id"], "t1", "DELAYED")
    assert task["state_info"] == "Delayed by 'wait-after' policy [delay=1]"
    assert "t2" not in tasks_of(wf_ex["id"])
    assert wait_state(wf_ex["id"])["state"] == "SUCCESS"
    tasks = tasks_of(wf_ex["id"])
    assert tasks["t1"]["state"] == "SUCCESS"
    assert tasks["t1"]["runtime_context"]["wait_after_policy"] == {
        "skip": True}
    assert tasks["t2"]["state"] == "SUCCESS"


def test_retry_from_task_defaults(run):
    wf_ex, done = run("""
version: '2.0'
wf:
  task-defaults:
    retry: {count: 2, delay: 0}
  tasks:
    t1:
      action: std.fail
""")
    assert done["state"] == "ERROR"
    task = tasks_of(wf_ex["id"])["t1"]
    assert task["runtime_context"] == {"retry_task_policy": {"retry_no": 2}}
    runs = action_exs_of(task["id"])
    assert [a["state"] for a in runs] == ["ERROR"] * 3
    assert [a["accepted"] for a in runs].count(True) == 1


def test_a_retry_leaves_the_earlier_runs_updated_at_alone(run):
    """Mistral 23: each failed run's ``updated_at`` stays when it ended;
    a later retry only takes its result back (accepted false)."""
    wf_ex, done = run("""
version: '2.0'
wf:
  tasks:
    t1:
      action: std.fail
      retry: {count: 2, delay: 1}
""")
    assert done["state"] == "ERROR"
    runs = action_exs_of(tasks_of(wf_ex["id"])["t1"]["id"])
    assert [a["accepted"] for a in runs] == [False, False, True]
    for earlier, later in zip(runs, runs[1:]):
        assert earlier["updated_at"] < later["created_at"]


def test_a_retry_leaves_the_earlier_sub_workflows_updated_at_alone(run):
    """The same for a sub-workflow task (compared with Mistral 23): each
    failed child keeps the ``updated_at`` of its own end."""
    wf_ex, done = run("""
version: '2.0'
failing:
  tasks:
    a:
      action: std.fail
wf:
  tasks:
    call:
      workflow: failing
      retry: {count: 2, delay: 1}
""")
    assert done["state"] == "ERROR"
    children = sorted(children_of(tasks_of(wf_ex["id"])["call"]["id"]),
                      key=lambda c: c["created_at"])
    assert [c["accepted"] for c in children] == [False, False, True]
    for earlier, later in zip(children, children[1:]):
        assert earlier["updated_at"] < later["created_at"]


def test_retry_continue_on_and_break_on(run):
    wf_ex, done = run("""
version: '2.0'
wf:
  input: [n: 0]
  tasks:
    t1:
      action: std.echo output=1
      retry:
        count: 2
        delay: 0
        continue-on: <% $.n = 1 %>
      publish: {n: <% $.n + 1 %>}
      on-success: t0
    t0:
      action: std.echo output=0
      retry: {count: 2, delay: 0, continue-on: <% $.n = 5 %>}
      on-success: t2
    t2:
      action: std.fail
      retry: {count: 5, delay: 0, break-on: <% true %>}
""")
    assert done["state"] == "ERROR"
    tasks = tasks_of(wf_ex["id"])
    assert tasks["t1"]["state"] == "SUCCESS", tasks["t1"]["state_info"]
    assert tasks["t1"]["published"] == {"n": 1}
    assert tasks["t1"]["runtime_context"]["retry_task_policy"] == {
        "retry_no": 2}
    assert len(action_exs_of(tasks["t1"]["id"])) == 3
    assert tasks["t0"]["runtime_context"]["retry_task_policy"] == {}
    assert len(action_exs_of(tasks["t0"]["id"])) == 1
    assert len(action_exs_of(tasks["t2"]["id"])) == 1


def test_retry_of_a_subworkflow_task(run):
    wf_ex, done = run("""
version: '2.0'
wf:
  tasks:
    call:
      workflow: child
      retry: {count: 1, delay: 0}
child:
  tasks:
    boom:
      action: std.fail
""")
    assert done["state"] == "ERROR"
    call = tasks_of(wf_ex["id"])["call"]
    assert call["runtime_context"] == {"retry_task_policy": {"retry_no": 1}}
    children = children_of(call["id"])
    assert len(children) == 2
    assert [c["accepted"] for c in children].count(True) == 1


def test_timeout_fails_the_task_and_ignores_the_late_result(
        engine, ctx, run):
    wf_ex, done = run("""
version: '2.0'
wf:
  tasks:
    t1:
      action: std.async_noop
      timeout: 1
      on-error: h
    h:
      action: std.echo output="timed_out"
""")
    assert done["state"] == "SUCCESS"
    tasks = tasks_of(wf_ex["id"])
    assert tasks["t1"]["state"] == "ERROR"
    assert tasks["t1"]["state_info"] == "Task timed out [timeout(s)=1]."
    [action_ex] = action_exs_of(tasks["t1"]["id"])
    assert action_ex["state"] == "RUNNING"
    engine.on_action_complete(ctx, action_ex["id"], {"data": "late"})
    tasks = tasks_of(wf_ex["id"])
    assert tasks["t1"]["state"] == "ERROR"
    assert tasks["t1"]["state_info"] == "Task timed out [timeout(s)=1]."


def test_pause_before_then_resume(engine, ctx, create_workflows, scheduler):
    create_workflows("""
version: '2.0'
wf:
  tasks:
    t1:
      action: std.echo output=2
      pause-before: true
      publish: {r: <% task().result %>}
  output: {r: <% $.r %>}
""")
    wf_ex = engine.start_workflow(ctx, "wf")
    assert wait_state(wf_ex["id"], "PAUSED")["state"] == "PAUSED"
    task = tasks_of(wf_ex["id"])["t1"]
    assert task["state"] == "IDLE"
    assert task["state_info"] == "Set by 'pause-before' policy"
    engine.resume_workflow(ctx, wf_ex["id"])
    done = wait_state(wf_ex["id"])
    assert done["state"] == "SUCCESS"
    assert done["output"] == {"r": 2}


def test_fail_on_turns_a_success_into_an_error(run):
    wf_ex, done = run("""
version: '2.0'
wf:
  tasks:
    t1:
      action: std.echo
      input:
        output: {status: bad}
      fail-on: <% task().result.status = 'bad' %>
""")
    assert done["state"] == "ERROR"
    task = tasks_of(wf_ex["id"])["t1"]
    assert task["state_info"] == "Failed by 'fail-on' policy"
    [action_ex] = action_exs_of(task["id"])
    assert action_ex["state"] == "SUCCESS"


def test_bad_policy_value_fails_the_task(run):
    wf_ex, done = run("""
version: '2.0'
wf:
  tasks:
    t1:
      action: std.noop
      wait-before: <% 'x' %>
""")
    assert done["state"] == "ERROR"
    task = tasks_of(wf_ex["id"])["t1"]
    assert task["state"] == "ERROR"
    assert task["state_info"].startswith(
        "Failed to run task [error=Invalid data type in WaitBeforePolicy: "
        "'x' is not of type 'integer'")
    assert task["state_info"].endswith(", wf=wf, task=t1]")


def test_concurrency_expression_limits_with_items(run):
    wf_ex, done = run("""
version: '2.0'
wf:
  input: [c]
  tasks:
    t1:
      with-items: x in [1, 2, 3, 4]
      action: std.echo output=<% $.x %>
      concurrency: <% $.c %>
      publish: {r: <% task().result %>}
  output: {r: <% $.r %>}
""", wf_input={"c": 2})
    assert done["state"] == "SUCCESS"
    assert done["output"] == {"r": [1, 2, 3, 4]}
    task = tasks_of(wf_ex["id"])["t1"]
    assert task["runtime_context"]["concurrency"] == 2


def test_keep_result_false_still_publishes(run):
    wf_ex, done = run("""
version: '2.0'
wf:
  tasks:
    t1:
      action: std.echo output="big"
      keep-result: false
      publish: {r: <% task().result %>}
  output: {r: <% $.r %>}
""")
    assert done["output"] == {"r": "big"}
    task = tasks_of(wf_ex["id"])["t1"]
    assert task["result"] is None
    [action_ex] = action_exs_of(task["id"])
    assert action_ex["output"] == {}


def test_target_routes_to_the_executor_of_that_host(run):
    wf_ex, done = run("""
version: '2.0'
wf:
  input: [where]
  tasks:
    t1:
      action: std.echo output=1
      target: <% $.where %>
""", wf_input={"where": socket.gethostname()})
    assert done["state"] == "SUCCESS"
    [action_ex] = action_exs_of(tasks_of(wf_ex["id"])["t1"]["id"])
    assert action_ex["runtime_context"]["target"] == socket.gethostname()
