"""Engine metrics: transitions count once their step has committed (a
rolled-back step counts nothing), and the store records every state
change a step makes; step durations and result batches are observed."""

import types

import pytest

from mistral_clone import context
from mistral_clone.db import models
from mistral_clone.engine import machines
from mistral_clone.engine import step as step_mod
from mistral_clone.engine import store as store_mod
from mistral_clone.metrics import engine as engine_metrics
from tests.unit.metrics.sampling import change

WF = "mistral_workflow_execution_transitions_total"
TASK = "mistral_task_execution_transitions_total"
CTX = context.RequestContext(project_id="proj-1")


def test_kinds_are_the_state_machines_kinds():
    assert (engine_metrics.WORKFLOW, engine_metrics.TASK) == \
        (machines.WORKFLOW, machines.TASK)


def test_transitions_of_a_committed_step_are_counted(db):
    with change(WF, from_state="NONE", to_state="RUNNING") as started, \
            change(TASK, from_state="RUNNING", to_state="SUCCESS") as done, \
            change("mistral_engine_step_duration_seconds_count") as steps:
        with step_mod.step(CTX) as step:
            step.transitions.append((machines.WORKFLOW, None, "RUNNING"))
            step.transitions.append((machines.TASK, "RUNNING", "SUCCESS"))
            step.transitions.append((machines.TASK, "RUNNING", "SUCCESS"))
            step.transitions.append((machines.ACTION, None, "RUNNING"))
            # Not before the commit.
            assert started() == 0
    assert (started(), done(), steps()) == (1, 2, 1)


def test_a_rolled_back_step_counts_nothing(db):
    with change(WF, from_state="RUNNING", to_state="ERROR") as failed, \
            change("mistral_engine_step_duration_seconds_count") as steps:
        with pytest.raises(RuntimeError):
            with step_mod.step(CTX) as step:
                step.transitions.append((machines.WORKFLOW, "RUNNING",
                                         "ERROR"))
                raise RuntimeError("rolled back")
    assert (failed(), steps()) == (0, 0)


def test_the_store_records_each_change_of_its_step():
    step = step_mod.Step(session=None, ctx=CTX)
    store = store_mod.DbStore(step)
    wf_ex = types.SimpleNamespace(id="wf-1", params={})
    task_ex = models.TaskExecution(state="RUNNING", spec={})
    machines.fire(machines.TASK, task_ex, machines.SUCCEED,
                  notify=lambda change: store.notify(wf_ex, change))
    assert step.transitions == [(machines.TASK, "RUNNING", "SUCCESS")]


def test_result_batches_are_observed():
    with change("mistral_engine_result_batch_size_count") as batches, \
            change("mistral_engine_result_batch_size_sum") as results:
        engine_metrics.observe_result_batch(7)
    assert (batches(), results()) == (1, 7)
