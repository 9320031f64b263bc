"""Durable timers: scheduling in the caller's transaction, claims that make
a call fire once, targets by name or import path, and the service's poll."""

import datetime
import threading

import pytest
import sqlalchemy as sa

from mistral_clone import scheduler
from mistral_clone.db import models
from mistral_clone.db import session as db_session
from mistral_clone.scheduler import calls
from mistral_clone.scheduler import service

RECORDED = []
RECORD_LOCK = threading.Lock()


def record(**kwargs):
    """A target found by its import path."""
    with RECORD_LOCK:
        RECORDED.append(kwargs)


@pytest.fixture(autouse=True)
def _clean_records():
    RECORDED.clear()
    yield
    RECORDED.clear()


def count_calls():
    with db_session.read_only() as session:
        return session.execute(
            sa.select(sa.func.count()).select_from(models.DelayedCall)
        ).scalar()


def schedule(func_name=__name__ + ".record", delay=0, key=None, **args):
    with db_session.transaction() as session:
        return scheduler.schedule_call(session, func_name, delay, key=key,
                                       **args)


def make_service(conf, clock, **kwargs):
    return service.SchedulerService(conf, now=clock, cron_enabled=False,
                                    **kwargs)


def test_call_is_part_of_the_callers_transaction(db):
    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        with db_session.transaction() as session:
            scheduler.schedule_call(session, __name__ + ".record", 1, x=1)
            raise Boom()
    assert count_calls() == 0
    schedule(x=1)
    assert count_calls() == 1


def test_unknown_target_and_bad_args_fail_at_once(db):
    with db_session.transaction() as session:
        with pytest.raises(LookupError):
            scheduler.schedule_call(session, "no.such.module.func", 1)
        with pytest.raises(LookupError):
            scheduler.schedule_call(session, "unregistered", 1)
        with pytest.raises(ValueError):
            scheduler.schedule_call(session, __name__ + ".record", 1,
                                    x=object())


def test_due_call_runs_once_and_is_removed(db, conf, clock):
    svc = make_service(conf, clock)
    clock.value = models.utcnow()
    schedule(delay=60, x=1)
    assert svc.run_due_calls(wait=True) == 0  # not due yet
    clock.advance(seconds=61)
    assert svc.run_due_calls(wait=True) == 1
    assert RECORDED == [{"x": 1}]
    assert count_calls() == 0
    assert svc.run_due_calls(wait=True) == 0
    svc.stop()


def test_late_calls_fire_at_once_oldest_first(db, conf, clock):
    clock.value = models.utcnow() + datetime.timedelta(hours=1)
    schedule(delay=20, n=2)
    schedule(delay=10, n=1)
    conf.set_override("workers", 1, "scheduler")
    svc = make_service(conf, clock)
    assert svc.run_due_calls(wait=True) == 1
    assert svc.run_due_calls(wait=True) == 1
    assert RECORDED == [{"n": 1}, {"n": 2}]
    svc.stop()


def test_registered_target(db, conf, clock):
    seen = []
    scheduler.register_target("test.short-name", lambda **kw: seen.append(kw))
    try:
        schedule("test.short-name", 0, y="z")
        clock.value = models.utcnow() + datetime.timedelta(seconds=1)
        svc = make_service(conf, clock)
        svc.run_due_calls(wait=True)
        svc.stop()
    finally:
        scheduler.unregister_target("test.short-name")
    assert seen == [{"y": "z"}]


def test_delete_calls_by_key(db):
    schedule(delay=10, key="task-1", a=1)
    schedule(delay=10, key="task-1", a=2)
    schedule(delay=10, key="task-2", a=3)
    with db_session.transaction() as session:
        assert scheduler.delete_calls(session, "task-1") == 2
        assert scheduler.delete_calls(session, "task-2", "other.func") == 0
    assert count_calls() == 1


def test_a_claim_is_won_once_and_expires(db, clock):
    clock.value = models.utcnow() + datetime.timedelta(seconds=5)
    schedule(x=1)
    with db_session.transaction() as session:
        first = calls.claim_due_calls(session, clock(), 30)
    with db_session.transaction() as session:
        second = calls.claim_due_calls(session, clock(), 30)
    assert len(first) == 1 and second == []
    # Its scheduler died: after captured_job_timeout another one takes it.
    clock.advance(seconds=31)
    with db_session.transaction() as session:
        third = calls.claim_due_calls(session, clock(), 30)
    assert [c.id for c in third] == [first[0].id]
    with db_session.transaction() as session:
        assert not calls.finish_call(session, first[0])  # lost its claim
        assert calls.finish_call(session, third[0])
    assert count_calls() == 0


def write_marker(session, name):
    """A target that works in the scheduler's transaction."""
    session.add(models.Environment(name=name, project_id="p",
                                   variables={}))


def write_then_fail(session, name):
    write_marker(session, name)
    session.flush()
    raise RuntimeError("target failed")


def environment_names():
    with db_session.read_only() as session:
        return session.execute(sa.select(models.Environment.name)
                               ).scalars().all()


def test_session_target_commits_with_the_timer_end(db, conf, clock):
    schedule(__name__ + ".write_marker", name="ok")
    schedule(__name__ + ".write_then_fail", name="bad")
    clock.value = models.utcnow() + datetime.timedelta(seconds=1)
    svc = make_service(conf, clock)
    assert svc.run_due_calls(wait=True) == 2
    svc.stop()
    # The failing target's write is rolled back; both timers are gone.
    assert environment_names() == ["ok"]
    assert count_calls() == 0


def test_failing_target_is_removed_not_retried(db, conf, clock):
    def fail(**_):
        raise RuntimeError("boom")

    scheduler.register_target("test.fail", fail)
    try:
        schedule("test.fail", 0)
        clock.value = models.utcnow() + datetime.timedelta(seconds=1)
        svc = make_service(conf, clock)
        assert svc.run_due_calls(wait=True) == 1
        svc.stop()
    finally:
        scheduler.unregister_target("test.fail")
    assert count_calls() == 0


def test_two_schedulers_fire_each_call_once(db, conf, clock):
    clock.value = models.utcnow()
    for i in range(40):
        schedule(delay=0, i=i)
    clock.advance(seconds=1)
    conf.set_override("batch_size", 3, "scheduler")
    services = [make_service(conf, clock) for _ in range(2)]
    barrier = threading.Barrier(2)

    def drain(svc):
        barrier.wait()
        while svc.run_due_calls(wait=True):
            pass

    threads = [threading.Thread(target=drain, args=(s,)) for s in services]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for s in services:
        s.stop()
    assert sorted(r["i"] for r in RECORDED) == list(range(40))
    assert count_calls() == 0


def test_running_service_fires_a_short_timer_promptly(db, conf):
    # The poll is 30 s apart: only the wake-up can make this fire in time.
    conf.set_override("fixed_delay", 30, "scheduler")
    fired = threading.Event()
    scheduler.register_target("test.event", lambda: fired.set())
    svc = service.SchedulerService(conf, cron_enabled=False).start()
    try:
        schedule("test.event", 0.2)
        assert fired.wait(10)
    finally:
        svc.stop()
        scheduler.unregister_target("test.event")
    assert count_calls() == 0
