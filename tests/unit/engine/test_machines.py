"""The state machines: the tables refuse what they do not list, and one
function stamps the times and hands the change to the notifier."""

import datetime

import pytest

from mistral_clone.db import models
from mistral_clone.engine import machines
from mistral_clone.engine import states

NOW = datetime.datetime(2026, 5, 1, 12, 0, 0)


def _task(state=None):
    return models.TaskExecution(id="t", name="t", state=state)


def test_a_new_task_starts_and_is_stamped_and_notified():
    seen = []
    task = _task()
    change = machines.fire(machines.TASK, task, machines.START,
                           notify=seen.append, now=NOW)
    assert task.state == states.RUNNING and task.started_at == NOW
    assert (change.from_state, change.to_state) == (None, states.RUNNING)
    assert seen == [change]


def test_ending_stamps_finished_at_and_keeps_or_sets_the_info():
    task = _task(states.RUNNING)
    task.state_info = "old"
    machines.fire(machines.TASK, task, machines.SUCCEED, now=NOW)
    assert task.state == states.SUCCESS and task.finished_at == NOW
    assert task.state_info == "old" and task.updated_at == NOW


def test_a_retry_delay_does_not_restart_the_clock():
    task = _task(states.RUNNING)
    task.started_at = NOW
    machines.fire(machines.TASK, task, machines.FAIL, "x", now=NOW)
    later = NOW + datetime.timedelta(seconds=5)
    machines.fire(machines.TASK, task, machines.DELAY, "retry", now=later)
    machines.fire(machines.TASK, task, machines.START, None, now=later)
    assert task.started_at == NOW and task.finished_at is None


@pytest.mark.parametrize("kind,state,event", [
    (machines.TASK, states.SUCCESS, machines.SKIP),
    (machines.TASK, states.SKIPPED, machines.RERUN),
    (machines.TASK, states.WAITING, machines.DELAY),
    (machines.WORKFLOW, states.SUCCESS, machines.FAIL),
    (machines.WORKFLOW, states.RUNNING, machines.RESUME),
    (machines.ACTION, states.SUCCESS, machines.CANCEL),
])
def test_illegal_transitions_are_refused(kind, state, event):
    record = {machines.TASK: _task,
              machines.WORKFLOW: lambda s: models.WorkflowExecution(state=s),
              machines.ACTION: lambda s: models.ActionExecution(state=s)
              }[kind](state)
    with pytest.raises(machines.IllegalTransition):
        machines.fire(kind, record, event)
    assert record.state == state


def test_state_info_is_stored_as_mistral_does():
    task = _task(states.RUNNING)
    machines.fire(machines.TASK, task, machines.FAIL, {"code": 7})
    assert task.state_info == '{"code": 7}'
    task = _task(states.RUNNING)
    machines.fire(machines.TASK, task, machines.FAIL, [1, "a"])
    assert task.state_info == "[1, 'a']"
    task = _task(states.RUNNING)
    machines.fire(machines.TASK, task, machines.FAIL, "x" * 70000)
    assert len(task.state_info) == machines.STATE_INFO_LIMIT + 3


def test_a_workflow_is_accepted_once_it_ends():
    wf_ex = models.WorkflowExecution(state=None)
    machines.fire(machines.WORKFLOW, wf_ex, machines.START)
    assert wf_ex.accepted is False
    machines.fire(machines.WORKFLOW, wf_ex, machines.FAIL, "boom")
    assert wf_ex.accepted is True and wf_ex.state_info == "boom"
    machines.fire(machines.WORKFLOW, wf_ex, machines.RERUN, None)
    assert wf_ex.state == states.RUNNING and wf_ex.accepted is False


def test_every_table_entry_leads_to_a_known_state():
    for table in machines.TABLES.values():
        for (from_state, _event), to_state in table.items():
            assert from_state is None or states.is_valid(from_state)
            assert states.is_valid(to_state)
    assert machines.legal_events(machines.TASK, states.ERROR) == sorted(
        [machines.DELAY, machines.FAIL, machines.RERUN, machines.SKIP,
         machines.WAIT])
