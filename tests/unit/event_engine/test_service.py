"""The event engine in this process, on the fake:/ transport: triggers
read from the database, notifications published with oslo.messaging's
Notifier, workflow starts recorded."""

import json
import threading

import oslo_messaging as messaging
import pytest

from mistral_clone import context as mc_context
from mistral_clone import exceptions as exc
from mistral_clone.db import maintenance as maintenance_db
from mistral_clone.db import session as db_session
from mistral_clone.event_engine import definitions
from mistral_clone.event_engine import listeners
from mistral_clone.event_engine import service
from mistral_clone.rpc import clients
from mistral_clone.services import event_triggers
from mistral_clone.services import workflows
from tests.waiting import wait_for

WF = """---
version: '2.0'
ev_wf:
  input:
    - a
  tasks:
    t1:
      action: std.noop
"""

# The fake driver's default exchange ([DEFAULT] control_exchange).
EXCHANGE = "openstack"


class Starts:
    """A stand-in for the engine client's start_workflow."""

    def __init__(self):
        self.calls = []
        self.fail_with = None
        self.lock = threading.Lock()

    def __call__(self, ctx, **kwargs):
        if self.fail_with is not None:
            raise self.fail_with
        with self.lock:
            self.calls.append((ctx, kwargs))
        return {"id": kwargs["wf_ex_id"]}


@pytest.fixture
def ctx(db, monkeypatch):
    monkeypatch.setattr(clients, "get_event_engine_client",
                        lambda: _NoNotices())
    ctx = mc_context.RequestContext()
    workflows.create_workflows(ctx, WF)
    return ctx


class ServiceContext(mc_context.RequestContext):
    """A context as services such as Nova send it (``user_id`` too)."""

    def to_dict(self):
        return dict(super().to_dict(), user_id=self.user_id)


class _NoNotices:
    def triggers_changed(self, ctx):
        pass


@pytest.fixture
def starts():
    return Starts()


@pytest.fixture
def event_engine(conf, starts):
    conf.set_override("reload_interval", 3600, "event_engine")
    engine = service.EventEngine(
        start_workflow=starts, converter=definitions.EventConverter([]))
    yield engine
    engine.stop()
    conf.clear_override("reload_interval", "event_engine")


def wf_id(ctx):
    return workflows.get_workflow(ctx, "ev_wf").id


def notifier(topic="notifications"):
    return messaging.Notifier(listeners.notification_transport(),
                              publisher_id="compute.host1",
                              driver="messaging", topics=[topic])


def reloaded_after(engine, action):
    before = engine.reloads
    action()
    wait_for(lambda: engine.reloads > before)


def test_a_notification_starts_the_triggers_workflow(ctx, event_engine,
                                                     starts):
    trigger = event_triggers.create_event_trigger(
        ctx, "t", EXCHANGE, "notifications", "ev.one", wf_id(ctx),
        workflow_input={"a": 1}, workflow_params={"env": {"k": 1}})
    event_engine.start()
    wait_for(lambda: event_engine.reloads)
    notifier().info(ServiceContext(project_id="p1", user_id="u1"),
                    "ev.one", {"x": 1})
    notifier().info({}, "ev.other", {"x": 1})
    wait_for(lambda: starts.calls)
    [(start_ctx, kwargs)] = starts.calls
    assert start_ctx.project_id == "<default-project>"
    assert kwargs["wf_identifier"] == wf_id(ctx)
    assert kwargs["wf_input"] == {"a": 1}
    assert kwargs["env"] == {"k": 1}
    params = kwargs["event_params"]
    assert (params["service"], params["project_id"], params["user_id"]) \
        == ("compute.host1", "p1", "u1")
    assert params["timestamp"]
    assert json.loads(kwargs["description"])["triggered_by"] == {
        "type": "event_trigger", "id": trigger.id, "name": "t"}


def test_a_redelivered_notification_asks_for_the_same_execution(
        ctx, event_engine, starts):
    event_triggers.create_event_trigger(
        ctx, "t", EXCHANGE, "notifications", "ev.one", wf_id(ctx),
        workflow_input={"a": 1})
    event_engine.reload()
    metadata = {"message_id": "m-1", "timestamp": "t"}
    for _ in range(2):
        assert event_engine.handle(EXCHANGE, "notifications", {}, "pub",
                                   "ev.one", {}, metadata)
    first, second = starts.calls
    assert first[1]["wf_ex_id"] == second[1]["wf_ex_id"]


def test_no_answer_hands_the_notification_back(ctx, event_engine, starts,
                                               monkeypatch):
    monkeypatch.setattr(service, "REQUEUE_DELAY_S", 0)
    event_triggers.create_event_trigger(
        ctx, "t", EXCHANGE, "notifications", "ev.one", wf_id(ctx),
        workflow_input={"a": 1})
    event_engine.reload()
    starts.fail_with = exc.NoReplyError()
    assert not event_engine.handle(EXCHANGE, "notifications", {}, "pub",
                                   "ev.one", {}, {"message_id": "m"})
    # A start refused for good is not tried again.
    starts.fail_with = exc.InputError("bad input")
    assert event_engine.handle(EXCHANGE, "notifications", {}, "pub",
                               "ev.one", {}, {"message_id": "m"})


def test_changes_take_effect_without_restart(ctx, event_engine, starts):
    event_engine.start()
    wait_for(lambda: event_engine.reloads)
    assert event_engine._listeners.listened() == set()
    trigger = None

    def create():
        nonlocal trigger
        trigger = event_triggers.create_event_trigger(
            ctx, "t", EXCHANGE, "topic_a", "ev.one", wf_id(ctx),
            workflow_input={"a": 1})
        event_engine.triggers_changed()
    reloaded_after(event_engine, create)
    assert event_engine._listeners.listened() == {(EXCHANGE, "topic_a")}
    notifier("topic_a").info({}, "ev.one", {})
    wait_for(lambda: len(starts.calls) == 1)

    def update():
        event_triggers.update_event_trigger(ctx, trigger.id,
                                            {"workflow_input": {"a": 2}})
        event_engine.triggers_changed()
    reloaded_after(event_engine, update)
    notifier("topic_a").info({}, "ev.one", {})
    wait_for(lambda: len(starts.calls) == 2)
    assert starts.calls[1][1]["wf_input"] == {"a": 2}

    def delete():
        event_triggers.delete_event_trigger(ctx, trigger.id)
        event_engine.triggers_changed()
    reloaded_after(event_engine, delete)
    assert event_engine._listeners.listened() == set()


def test_unconvertible_event_starts_nothing(ctx, conf, starts):
    converter = definitions.parse(
        "- event_types: ev.*\n  properties:\n    x: <% $.payload.nope() %>\n")
    engine = service.EventEngine(start_workflow=starts, converter=converter)
    event_triggers.create_event_trigger(
        ctx, "t", EXCHANGE, "notifications", "ev.one", wf_id(ctx),
        workflow_input={"a": 1})
    engine.reload()
    try:
        assert engine.handle(EXCHANGE, "notifications", {}, "pub", "ev.one",
                             {}, {"message_id": "m"})
        assert starts.calls == []
    finally:
        engine.stop()


def test_in_maintenance_a_notification_starts_nothing(ctx, event_engine,
                                                      starts):
    # As Mistral: dropped while the cluster is PAUSING or PAUSED.
    event_triggers.create_event_trigger(
        ctx, "t", EXCHANGE, "notifications", "ev.one", wf_id(ctx),
        workflow_input={"a": 1})
    event_engine.reload()
    with db_session.transaction() as session:
        maintenance_db.lock(session).status = maintenance_db.PAUSED
    assert event_engine.handle(EXCHANGE, "notifications", {}, "pub",
                               "ev.one", {}, {"message_id": "m-1"})
    assert starts.calls == []
    with db_session.transaction() as session:
        maintenance_db.lock(session).status = maintenance_db.RUNNING
    assert event_engine.handle(EXCHANGE, "notifications", {}, "pub",
                               "ev.one", {}, {"message_id": "m-2"})
    assert len(starts.calls) == 1
