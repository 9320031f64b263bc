"""Executor, scheduler, trigger and error metrics at their instrumentation
points: action runs by a bounded action label, timers fired by outcome,
cron firings, database errors and retries, RPC errors, queue gauges read
at scrape time."""

import datetime
import threading

import oslo_messaging as messaging
import prometheus_client
import pytest
import sqlalchemy as sa

from mistral_clone import context
from mistral_clone import exceptions as exc
from mistral_clone import scheduler
from mistral_clone.db import models
from mistral_clone.db import retry
from mistral_clone.db import session as db_session
from mistral_clone.event_engine import definitions
from mistral_clone.event_engine import matching
from mistral_clone.event_engine import service as event_service
from mistral_clone.executor import endpoint as executor_endpoint
from mistral_clone.metrics import actions as action_metrics
from mistral_clone.metrics import queues
from mistral_clone.rpc import clients
from mistral_clone.scheduler import cron
from mistral_clone.scheduler import service as scheduler_service
from tests.unit.metrics.sampling import change, value

RUNS = "mistral_action_run_duration_seconds_count"


def test_executor_times_each_run_by_action_and_outcome():
    with change(RUNS, action="std.echo", outcome="success") as echoed, \
            change(RUNS, action="std.fail", outcome="error") as failed:
        executor_endpoint.run(None, "ax-1", "std.echo", {"output": 1}, {})
        executor_endpoint.run(None, "ax-2", "std.fail", {}, {})
    assert (echoed(), failed()) == (1, 1)


def test_unregistered_names_share_one_label():
    with change(RUNS, action="other", outcome="error") as other:
        executor_endpoint.run(None, "ax-3", "my.own_name", {}, {})
        executor_endpoint.run(None, "ax-4", "another.name", {}, {})
    assert other() == 2
    assert value(RUNS, action="my.own_name", outcome="error") == 0


def test_dynamic_actions_share_one_label():
    with change(RUNS, action="dynamic", outcome="success") as dynamic:
        action_metrics.observe_run("users_class", True, False, 0.1,
                                   lambda name: True)
    assert dynamic() == 1


def _schedule(func_name):
    with db_session.transaction() as session:
        scheduler.schedule_call(session, func_name, 0)


def _fail(**_):
    raise RuntimeError("boom")


def test_timers_fired_by_outcome(db, conf):
    scheduler.register_target("test.metrics.ok", lambda **_: None)
    scheduler.register_target("test.metrics.fail", _fail)
    now = [models.utcnow() + datetime.timedelta(seconds=1)]
    svc = scheduler_service.SchedulerService(conf, now=lambda: now[0],
                                             cron_enabled=False)
    try:
        _schedule("test.metrics.ok")
        _schedule("test.metrics.ok")
        _schedule("test.metrics.fail")
        assert svc.count_due() == 3
        with change("mistral_scheduler_timers_fired_total",
                    outcome="success") as fired, \
                change("mistral_scheduler_timers_fired_total",
                       outcome="error") as failed:
            assert svc.run_due_calls(wait=True) == 3
        assert (fired(), failed()) == (2, 1)
        assert svc.count_due() == 0
    finally:
        svc.stop()
        scheduler.unregister_target("test.metrics.ok")
        scheduler.unregister_target("test.metrics.fail")


def test_scheduler_gauges_are_read_at_scrape_time(db, conf):
    svc = scheduler_service.SchedulerService(conf, cron_enabled=False)
    svc.start()
    scheduler.register_target("test.metrics.later", lambda **_: None)
    try:
        with db_session.transaction() as session:
            scheduler.schedule_call(session, "test.metrics.later", 3600)
        # Scheduled, not due.
        assert sample("mistral_scheduler_timers_due") == 0
        assert sample("mistral_scheduler_timers_running") == 0
    finally:
        svc.stop()
        scheduler.unregister_target("test.metrics.later")
    assert prometheus_sample_absent("mistral_scheduler_timers_due")


def sample(name):
    return prometheus_client.REGISTRY.get_sample_value(name)


def prometheus_sample_absent(name):
    return sample(name) is None


def test_cron_firings_count_started_executions():
    trigger = cron.DueTrigger(
        id="tr-1", name="tr", pattern="* * * * *", workflow_id="wf-1",
        workflow_name="wf", workflow_namespace="", workflow_input={},
        workflow_params={}, project_id="p", trust_id=None,
        next_execution_time=datetime.datetime(2030, 1, 1),
        remaining_executions=None)
    started = []
    with change("mistral_cron_trigger_firings_total") as fired:
        cron.fire(trigger, lambda ctx, **kw: started.append(kw), "ex-1")
        with pytest.raises(exc.NoReplyError):
            cron.fire(trigger, _no_reply, "ex-2")
    assert (fired(), len(started)) == (1, 1)


def _no_reply(ctx, **_):
    raise exc.NoReplyError()


def test_database_errors_by_class_and_retries(db):
    with change("mistral_database_errors_total",
                error="OperationalError") as errors:
        with pytest.raises(sa.exc.OperationalError):
            with db_session.read_only() as session:
                session.execute(sa.text("SELECT * FROM no_such_table"))
    assert errors() == 1

    attempts = []

    def busy_once():
        attempts.append(1)
        if len(attempts) == 1:
            raise sa.exc.TimeoutError("QueuePool limit")
        return "done"
    with change("mistral_database_transaction_retries_total") as retries:
        assert retry.call(busy_once) == "done"
    assert retries() == 1


class _Timeout:
    timeout = None

    def prepare(self, **_):
        return self

    def call(self, *_args, **_kwargs):
        raise messaging.MessagingTimeout("no answer")

    def cast(self, *_args, **_kwargs):
        raise messaging.MessageDeliveryFailure("broker away")


def test_rpc_errors_by_method_and_reason(monkeypatch):
    client = clients.EngineClient.__new__(clients.EngineClient)
    client._client = _Timeout()
    client._deadline = False
    ctx = context.RequestContext()
    with change("mistral_rpc_errors_total", method="pause_workflow",
                reason="timeout") as timeouts, \
            change("mistral_rpc_errors_total", method="start_accepted",
                   reason="unreachable") as unreachable:
        with pytest.raises(exc.NoReplyError):
            client.pause_workflow(ctx, "wf-1")
        with pytest.raises(messaging.MessagingException):
            client.start_accepted(ctx, "wf-1")
    assert (timeouts(), unreachable()) == (1, 1)


def test_queue_gauges_skip_a_count_that_fails():
    def broken():
        raise RuntimeError("database away")
    queues.watch("mistral_test_queue_depth", "A test queue.", lambda: 4)
    queues.watch("mistral_test_broken_depth", "A broken count.", broken)
    try:
        assert value("mistral_test_queue_depth") == 4
        assert prometheus_sample_absent("mistral_test_broken_depth")
    finally:
        queues.unwatch("mistral_test_queue_depth")
        queues.unwatch("mistral_test_broken_depth")
    assert prometheus_sample_absent("mistral_test_queue_depth")


def test_executor_counts_running_and_waiting_actions(monkeypatch):
    release = threading.Event()
    started = threading.Event()

    def blocking_run(*_args):
        started.set()
        release.wait(60)
        return {"data": None, "error": None}
    monkeypatch.setattr(executor_endpoint, "run", blocking_run)
    endpoint = executor_endpoint.ExecutorEndpoint(workers=1)
    try:
        for ax_id in ("ax-10", "ax-11"):
            endpoint.run_action(None, ax_id, "std.noop", {}, {},
                                reply=False)
        assert started.wait(30)
        assert (endpoint.running(), endpoint.waiting()) == (1, 1)
    finally:
        release.set()
        endpoint.shutdown(timeout=30)
    assert (endpoint.running(), endpoint.waiting()) == (0, 0)


def test_event_trigger_firings_by_outcome(conf):
    outcomes = [None, exc.MistralError("refused"), exc.NoReplyError()]

    def start_workflow(ctx, **_):
        outcome = outcomes.pop(0)
        if outcome is not None:
            raise outcome
    engine = event_service.EventEngine(
        conf, start_workflow=start_workflow,
        converter=definitions.EventConverter([]))
    trigger = matching.Trigger(
        id="et-1", name="et", project_id="p", scope="private",
        exchange="nova", topic="notifications", event="compute.start",
        workflow_id="wf-1", workflow_namespace="", workflow_input={},
        workflow_params={})
    name = "mistral_event_trigger_firings_total"
    with change(name, outcome="success") as fired, \
            change(name, outcome="error") as failed:
        assert engine._fire(trigger, "msg-1", {}) is True
        assert engine._fire(trigger, "msg-2", {}) is True
        # Left for a later delivery: not counted.
        assert engine._fire(trigger, "msg-3", {}) is False
    assert (fired(), failed()) == (1, 1)
