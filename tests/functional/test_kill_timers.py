"""Durable timers and cron triggers with the processes that hold them
killed: a cron trigger's due time fires exactly once, seconds late at
most, when the scheduler dies at that moment (even after it claimed the
time and before its start left); a task's ``timeout:`` still fires after
the engine and the scheduler that held it died. Services run as processes
of their own (``kill_cluster.Cluster``).
"""

import datetime

import pytest
import sqlalchemy as sa

from tests.functional import kill_cluster
from tests.functional import processes
from tests.functional import tcp_proxy
from tests.functional.helpers import tasks_of, wait_state
from tests.waiting import wait_for

pytestmark = kill_cluster.NEEDS_SERVERS

WFS = """
version: '2.0'
noop:
  tasks:
    t: {action: std.noop}
timed:
  tasks:
    t:
      action: std.async_noop
      timeout: 8
"""
# Generous for a loaded machine; with the defaults a firing owed by a dead
# scheduler comes about 10 s after its due time (README, Reliability).
LATE_S = 60


def _started_by(trigger_id):
    from mistral_clone.db import models
    from mistral_clone.db import session as db_session
    Wf = models.WorkflowExecution
    with db_session.read_only() as session:
        return session.execute(
            sa.select(Wf.id, Wf.created_at).where(
                Wf.description.contains(trigger_id))).all()


def _set_due(trigger_id, seconds):
    """The trigger falls due in ``seconds`` (its first time has minute
    precision through the API)."""
    from mistral_clone.db import models
    from mistral_clone.db import session as db_session
    due = models.utcnow() + datetime.timedelta(seconds=seconds)
    with db_session.transaction() as session:
        session.execute(sa.update(models.CronTrigger).where(
            models.CronTrigger.id == trigger_id).values(
            next_execution_time=due))
    return due


def _due_time(trigger_id):
    from mistral_clone.db import models
    from mistral_clone.db import session as db_session
    with db_session.read_only() as session:
        return session.get(models.CronTrigger,
                           trigger_id).next_execution_time


def _owed_starts(trigger_id):
    from mistral_clone.db import models
    from mistral_clone.db import session as db_session
    with db_session.read_only() as session:
        return session.execute(sa.select(models.DelayedCall.id).where(
            models.DelayedCall.key == trigger_id)).all()


def _cluster(tmp_path, db_url, *names):
    cluster = kill_cluster.Cluster(tmp_path, db_url)
    for name in names:
        cluster.start(name)
    status, answer, _ = cluster.request("POST", "/workflows", WFS)
    assert status == 201, answer
    return cluster


@pytest.mark.postgresql
def test_a_cron_time_claimed_by_a_scheduler_killed_before_its_start_fires_once(
        tmp_path, db_url, db):
    with tcp_proxy.proxy_for(processes.RABBIT_URL) as mq_proxy:
        cluster = _cluster(tmp_path, db_url, "engine1", "executor1", "api1")
        try:
            status, trigger, _ = cluster.request(
                "POST", "/cron_triggers", {"name": "yearly",
                                           "workflow_name": "noop",
                                           "pattern": "0 0 1 1 *"})
            assert status == 201, trigger
            cluster.start("scheduler1", conf_file=cluster.conf_through(
                "scheduler1", **{processes.RABBIT_URL: mq_proxy.url_for(
                    processes.RABBIT_URL)}))
            due = _set_due(trigger["id"], 4)
            # The scheduler claims the due time, then cannot send the start:
            # it dies there.
            mq_proxy.cut()
            wait_for(lambda: _due_time(trigger["id"]) != due, LATE_S, 0.1)
            cluster.kill("scheduler1")
            assert _started_by(trigger["id"]) == []
            cluster.start("scheduler2")
            [(wf_ex_id, created_at)] = wait_for(
                lambda: _started_by(trigger["id"]), LATE_S, 0.2)
            assert wait_state(wf_ex_id, timeout=LATE_S)["state"] == \
                "SUCCESS"
            late = (created_at - due).total_seconds()
            print("cron time owed by a killed scheduler fired %.1f s late"
                  % late)
            assert late < LATE_S
            # Exactly once: nothing more is owed for that due time.
            wait_for(lambda: not _owed_starts(trigger["id"]), LATE_S, 0.2)
            assert len(_started_by(trigger["id"])) == 1
        finally:
            cluster.close()


@pytest.mark.postgresql
def test_a_task_timeout_fires_after_its_engine_and_scheduler_died(
        tmp_path, db_url, db):
    cluster = _cluster(tmp_path, db_url, "engine1", "executor1",
                       "scheduler1", "api1")
    try:
        status, wf_ex, _ = cluster.request("POST", "/executions",
                                           {"workflow_name": "timed"})
        assert status == 201, wf_ex
        wait_for(lambda: kill_cluster.running_action(wf_ex["id"], "t"),
                 LATE_S, 0.1)
        # The engine that scheduled the timeout dies, the scheduler stops.
        cluster.kill("engine1")
        cluster.term("scheduler1")
        cluster.start("engine2")
        cluster.start("scheduler2")
        done = wait_state(wf_ex["id"], timeout=LATE_S)
        task = tasks_of(wf_ex["id"])["t"]
        assert done["state"] == "ERROR"
        assert (task["state"], task["state_info"]) == (
            "ERROR", "Task timed out [timeout(s)=8].")
        late = (task["updated_at"] - task["started_at"]).total_seconds() - 8
        print("timeout fired %.1f s late after its engine and scheduler "
              "died" % late)
        assert late < LATE_S
    finally:
        cluster.close()
