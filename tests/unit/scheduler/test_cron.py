"""Cron triggers: the schedule arithmetic and the firing rules, with a fixed
clock and a recording engine injected in place of the engine client."""

import datetime
import json
import threading

import pytest
import sqlalchemy as sa

from mistral_clone import context
from mistral_clone import exceptions as exc
from mistral_clone.db import models
from mistral_clone.db import session as db_session
from mistral_clone.scheduler import cron
from mistral_clone.scheduler import service
from mistral_clone.services import cron_triggers as triggers_service
from mistral_clone.services import workflows as wf_service

WF = """---
version: '2.0'
cron_wf:
  input:
    - a
    - b: 2
  tasks:
    t1:
      action: std.noop
"""

T0 = datetime.datetime(2030, 1, 1, 12, 0, 0)
CTX = context.RequestContext(project_id="proj-1")


@pytest.fixture
def wf(db):
    return wf_service.create_workflows(CTX, WF)[0]


def make_trigger(clock, name="tr", pattern="* * * * *", count=None,
                 first_time=None, params=None):
    return triggers_service.create_cron_trigger(
        CTX, name, workflow_name="cron_wf", workflow_input={"a": 1},
        workflow_params=params or {}, pattern=pattern, first_time=first_time,
        count=count, now=clock)


def load(name):
    with db_session.read_only() as session:
        return session.execute(sa.select(models.CronTrigger).where(
            models.CronTrigger.name == name)).scalar()


def test_next_execution_time():
    assert triggers_service.next_execution_time("* * * * *", T0) == \
        T0 + datetime.timedelta(minutes=1)
    assert triggers_service.next_execution_time(
        "*/5 * * * *", T0 + datetime.timedelta(minutes=1, seconds=3)) == \
        T0 + datetime.timedelta(minutes=5)
    assert triggers_service.next_execution_time("0 0 * * *", T0) == \
        datetime.datetime(2030, 1, 2)


def test_schedule_checks():
    check = triggers_service.check_schedule
    with pytest.raises(exc.InvalidModelError, match="must be specified"):
        check(None, None, None, T0)
    with pytest.raises(exc.InvalidModelError, match="at least 1 minute"):
        check(None, T0 + datetime.timedelta(seconds=59), None, T0)
    check(None, T0 + datetime.timedelta(seconds=60), 1, T0)
    with pytest.raises(exc.InvalidModelError, match="superior to 1"):
        check(None, T0 + datetime.timedelta(minutes=5), 2, T0)
    with pytest.raises(exc.InvalidModelError,
                       match="The specified pattern is not valid: 61"):
        check("61 * * * *", None, None, T0)


def test_created_trigger_times(wf, clock):
    clock.value = T0 + datetime.timedelta(seconds=10)
    row = make_trigger(clock)
    assert row.next_execution_time == T0 + datetime.timedelta(minutes=1)
    one_shot = make_trigger(clock, "once", pattern=None,
                            first_time="2030-01-01 13:30")
    assert one_shot.pattern == triggers_service.NEVER_PATTERN
    assert one_shot.remaining_executions == 1
    assert one_shot.next_execution_time == datetime.datetime(2030, 1, 1, 13,
                                                             30)


def test_due_trigger_fires_with_input_params_and_project(wf, clock, engine):
    clock.value = T0
    row = make_trigger(clock, params={"env": {"x": 1}})
    assert cron.process_due_triggers(engine.start_workflow, clock) == 0
    clock.advance(minutes=1)
    assert cron.process_due_triggers(engine.start_workflow, clock) == 1
    ctx, kwargs = engine.started[0]
    assert ctx.project_id == "proj-1" and not ctx.is_admin
    assert kwargs.pop("wf_ex_id") == cron.execution_id(cron.DueTrigger(
        **{**{f: None for f in cron.DueTrigger.__dataclass_fields__},
           "id": row.id, "next_execution_time": T0 + datetime.timedelta(
               minutes=1)}))
    assert kwargs == {
        "wf_identifier": wf.id, "wf_namespace": "",
        "wf_input": {"a": 1}, "env": {"x": 1},
        "description": json.dumps({
            "description": "Workflow execution created by cron trigger "
                           "'(%s)'." % row.id,
            "triggered_by": {"type": "cron_trigger", "id": row.id}})}
    assert load("tr").next_execution_time == T0 + datetime.timedelta(
        minutes=2)
    # Same time again: nothing more is due.
    assert cron.process_due_triggers(engine.start_workflow, clock) == 0


def test_missed_times_fire_once_then_resume_after_now(wf, clock, engine):
    clock.value = T0
    make_trigger(clock, count=10)
    clock.advance(hours=1, seconds=30)  # 60 runs were missed
    assert cron.process_due_triggers(engine.start_workflow, clock) == 1
    row = load("tr")
    assert row.next_execution_time == T0 + datetime.timedelta(hours=1,
                                                              minutes=1)
    assert row.remaining_executions == 9


def test_trigger_is_deleted_after_its_last_run(wf, clock, engine):
    clock.value = T0
    make_trigger(clock, count=2)
    clock.advance(minutes=1)
    cron.process_due_triggers(engine.start_workflow, clock)
    assert load("tr").remaining_executions == 1
    clock.advance(minutes=1)
    cron.process_due_triggers(engine.start_workflow, clock)
    assert load("tr") is None
    assert len(engine.started) == 2


def _owed_starts():
    with db_session.read_only() as session:
        return session.execute(sa.select(models.DelayedCall).where(
            models.DelayedCall.func_name == cron.OWED_START)).scalars().all()


def test_a_started_due_time_owes_nothing(wf, clock, engine):
    clock.value = T0
    make_trigger(clock)
    clock.advance(minutes=1)
    assert cron.process_due_triggers(engine.start_workflow, clock) == 1
    assert _owed_starts() == []


def test_a_start_refused_is_not_retried(wf, clock, engine):
    clock.value = T0
    make_trigger(clock)
    engine.fail = True
    clock.advance(minutes=1)
    assert cron.process_due_triggers(engine.start_workflow, clock) == 0
    assert len(engine.started) == 1
    assert load("tr").next_execution_time == T0 + datetime.timedelta(
        minutes=2)
    assert _owed_starts() == []


def test_an_unanswered_start_is_owed_and_made_later_with_the_same_id(
        wf, clock, engine, monkeypatch):
    clock.value = T0
    row = make_trigger(clock)
    engine.fail = True
    engine.error = exc.NoReplyError()
    clock.advance(minutes=1)
    assert cron.process_due_triggers(engine.start_workflow, clock) == 0
    [(_, first)] = engine.started
    assert load("tr").next_execution_time == T0 + datetime.timedelta(
        minutes=2)
    [owed] = _owed_starts()
    assert owed.key == row.id
    # Any scheduler runs the owed start (here: the delayed call's target).
    monkeypatch.setattr(cron, "_engine_start_workflow",
                        lambda: engine.start_workflow)
    engine.fail = False
    cron.start_owed(**owed.func_args)
    [_, (_, again)] = engine.started
    assert again == first


def test_an_owed_start_no_engine_answered_is_owed_again(
        wf, clock, engine, monkeypatch):
    clock.value = T0
    make_trigger(clock)
    engine.fail = True
    engine.error = exc.NoReplyError()
    clock.advance(minutes=1)
    cron.process_due_triggers(engine.start_workflow, clock)
    [owed] = _owed_starts()

    def unanswered(ctx, **kwargs):
        raise exc.NoReplyError()
    monkeypatch.setattr(cron, "_engine_start_workflow", lambda: unanswered)
    cron.start_owed(**owed.func_args)
    assert sorted((o.id != owed.id, o.func_args == owed.func_args)
                  for o in _owed_starts()) == [(False, True), (True, True)]


def test_advance_is_a_claim(wf, clock):
    clock.value = T0
    make_trigger(clock)
    clock.advance(minutes=1)
    with db_session.read_only() as session:
        (due,) = cron.due_triggers(session, clock())
    with db_session.transaction() as session:
        assert cron.advance(session, due, clock())
    with db_session.transaction() as session:
        assert not cron.advance(session, due, clock())


def test_two_schedulers_fire_each_due_time_once(wf, clock, engine):
    clock.value = T0
    for i in range(5):
        make_trigger(clock, name="tr%d" % i)
    clock.advance(minutes=1)
    services = [service.SchedulerService(now=clock,
                                         start_workflow=engine.start_workflow)
                for _ in range(3)]
    barrier = threading.Barrier(len(services))

    def run(svc):
        barrier.wait()
        for _ in range(3):
            svc.process_cron_triggers()

    threads = [threading.Thread(target=run, args=(s,)) for s in services]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for s in services:
        s.stop()
    fired = sorted(kw["description"] for _, kw in engine.started)
    assert len(fired) == 5 and len(set(fired)) == 5
