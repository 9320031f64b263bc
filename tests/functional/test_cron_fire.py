"""Cron triggers fire real executions: the scheduler service with the
engine, executor and notifier in-process on ``fake:/``.

``first_execution_time`` has minute precision and must be a minute ahead,
so the schedulers run on a clock shifted to a few seconds before it: the
trigger falls due a few real seconds after the test starts.
"""

import datetime
import json

import pytest
import sqlalchemy as sa

from mistral_clone.db import models
from mistral_clone.db import session as db_session
from mistral_clone.scheduler import service as scheduler_service
from mistral_clone.services import cron_triggers as triggers_service

from tests.waiting import wait_for

WF = """---
version: '2.0'
cron_wf:
  input:
    - a
    - b: 2
  tasks:
    t1:
      action: std.echo output=<% $.a + $.b %>
"""


def executions():
    with db_session.read_only() as session:
        model = models.WorkflowExecution
        return session.execute(
            sa.select(model.id, model.state, model.description,
                      model.workflow_name)
            .order_by(model.created_at)).all()


def load_trigger(name):
    with db_session.read_only() as session:
        return session.execute(sa.select(models.CronTrigger).where(
            models.CronTrigger.name == name)).scalar()


@pytest.fixture
def first_time():
    """A whole minute at least two minutes ahead, and clocks around it."""
    now = models.utcnow()
    first = (now + datetime.timedelta(minutes=2)).replace(second=0,
                                                          microsecond=0)
    return first


def clock_due_in(first, seconds):
    """A clock that reaches ``first`` ``seconds`` from now."""
    offset = first - models.utcnow() - datetime.timedelta(seconds=seconds)
    return lambda: models.utcnow() + offset


def create(ctx, name, first, pattern=None, count=None):
    return triggers_service.create_cron_trigger(
        ctx, name, workflow_name="cron_wf", workflow_input={"a": 1},
        workflow_params={"env": {"k": "v"}}, pattern=pattern,
        first_time=first.strftime("%Y-%m-%d %H:%M"), count=count,
        now=lambda: first - datetime.timedelta(minutes=5))


def test_trigger_fires_a_real_execution(services, ctx, create_workflows,
                                        conf, first_time):
    create_workflows(WF)
    trigger = create(ctx, "every-minute", first_time, pattern="* * * * *")
    scheduler = scheduler_service.SchedulerService(
        now=clock_due_in(first_time, 2)).start()
    try:
        (wf_ex,) = wait_for(executions, timeout=20)
        done = wait_for(lambda: [e for e in executions()
                                 if e.state in ("SUCCESS", "ERROR")])
    finally:
        scheduler.stop()
    assert wf_ex.workflow_name == "cron_wf"
    assert done[0].state == "SUCCESS"
    assert json.loads(wf_ex.description) == {
        "description": "Workflow execution created by cron trigger "
                       "'(%s)'." % trigger.id,
        "triggered_by": {"type": "cron_trigger", "id": trigger.id}}
    with db_session.read_only() as session:
        row = session.get(models.WorkflowExecution, wf_ex.id)
        assert row.input == {"a": 1, "b": 2}
        assert row.params.get("env") == {"k": "v"}
    after = load_trigger("every-minute")
    assert after.next_execution_time == first_time + datetime.timedelta(
        minutes=1)
    assert after.remaining_executions is None


def test_two_schedulers_do_not_double_fire(services, ctx, create_workflows,
                                           conf, first_time):
    create_workflows(WF)
    names = ["once-%d" % i for i in range(4)]
    for name in names:
        create(ctx, name, first_time)  # one-shot: deleted once fired
    clock = clock_due_in(first_time, 2)
    schedulers = [scheduler_service.SchedulerService(now=clock).start()
                  for _ in range(2)]
    try:
        wait_for(lambda: all(load_trigger(n) is None for n in names),
                 timeout=20)
    finally:
        # Stopping joins the loops: every start they began has returned.
        for scheduler in schedulers:
            scheduler.stop()
    fired = [json.loads(e.description)["triggered_by"]["id"]
             for e in executions()]
    assert len(fired) == len(names) == len(set(fired))
