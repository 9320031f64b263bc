"""The polling loops that no engine step covers (cron triggers, delayed
calls, the action heartbeat checker) live through a database outage: a
round that fails is logged in one line, the thread goes on, and work
resumes once the database is back, done once. The database is reached
through a TcpProxy, cut and restored; the shared server is never
touched."""

import datetime
import logging

import pytest

from mistral_clone import context as mc_context
from mistral_clone.db import models
from mistral_clone.engine import heartbeats
from mistral_clone.scheduler import service as scheduler_service
from mistral_clone.services import cron_triggers as triggers_service
from mistral_clone.services import workflows
from tests.conftest import PG_URL
from tests.waiting import wait_for

pytestmark = [
    pytest.mark.postgresql,
    pytest.mark.skipif(not PG_URL, reason="MISTRAL_CLONE_TEST_PG_URL unset"),
]

WF = "version: '2.0'\ncron_wf:\n  tasks:\n    t1:\n      action: std.noop\n"
UNAVAILABLE = "the database is unavailable for now"


def _outage_warnings(caplog):
    return [r for r in caplog.records if UNAVAILABLE in r.getMessage()]


def _failed_rounds(caplog, what, after):
    return sum(what in r.getMessage()
               for r in _outage_warnings(caplog)[after:])


def test_cron_and_delayed_call_loops_go_on_after_an_outage(db_proxy,
                                                           caplog):
    ctx = mc_context.RequestContext()
    workflows.create_workflows(ctx, WF)
    first = (models.utcnow() + datetime.timedelta(minutes=2)).replace(
        second=0, microsecond=0)
    triggers_service.create_cron_trigger(
        ctx, "daily", workflow_name="cron_wf", workflow_input={},
        workflow_params={}, pattern="0 0 * * *",
        first_time=first.strftime("%Y-%m-%d %H:%M"), count=None,
        now=lambda: first - datetime.timedelta(minutes=5))
    started = []
    # The trigger is due 3 s from now, in the middle of the outage.
    offset = first - models.utcnow() - datetime.timedelta(seconds=3)
    clock = lambda: models.utcnow() + offset  # noqa: E731
    scheduler = scheduler_service.SchedulerService(
        now=clock,
        start_workflow=lambda ctx, **kw: started.append(kw),
        cron_enabled=True)
    db_proxy.cut()
    with caplog.at_level(logging.WARNING):
        scheduler.start()
        try:
            # The trigger fell due; both loops failed rounds, and go on.
            wait_for(lambda: clock() > first, timeout=30)
            seen = len(_outage_warnings(caplog))
            wait_for(lambda: _failed_rounds(caplog, "Cron trigger poll",
                                            seen) >= 2 and
                     _failed_rounds(caplog, "Scheduler poll", seen) >= 2,
                     timeout=60)
            assert not started
            assert all(t.is_alive() for t in scheduler._threads)
            db_proxy.restore()
            wait_for(lambda: started, timeout=30)
            wait_for(lambda: len(scheduler._threads) == 2 and all(
                t.is_alive() for t in scheduler._threads))
        finally:
            scheduler.stop()
    assert [kw["wf_identifier"] for kw in started] == [
        started[0]["wf_identifier"]]
    assert "Traceback" not in caplog.text


def test_heartbeat_checker_goes_on_after_an_outage(db_proxy, conf, caplog,
                                                   monkeypatch):
    conf.set_override("check_interval", 1, "action_heartbeat")
    conf.set_override("max_missed_heartbeats", 1, "action_heartbeat")
    rounds = []
    real_check_once = heartbeats.check_once

    def counted(**kwargs):
        outcome = real_check_once(**kwargs)
        rounds.append(outcome)
        return outcome

    monkeypatch.setattr(heartbeats, "check_once", counted)
    db_proxy.cut()
    with caplog.at_level(logging.WARNING):
        checker = heartbeats.Checker(conf).start()
        try:
            wait_for(lambda: len(_outage_warnings(caplog)) >= 2, timeout=60)
            assert not rounds
            db_proxy.restore()
            wait_for(lambda: len(rounds) >= 2, timeout=30)
            assert checker._thread.is_alive()
        finally:
            checker.stop()
    assert "Traceback" not in caplog.text
