"""A notification handled twice (delivered again after an event engine
died before acknowledging it) starts one execution: the real engine,
executor and notifier in-process on ``fake:/``."""

import json

import sqlalchemy as sa

from mistral_clone.db import models
from mistral_clone.db import session as db_session
from mistral_clone.event_engine import definitions
from mistral_clone.event_engine import service as event_service
from mistral_clone.rpc import clients
from mistral_clone.services import event_triggers
from mistral_clone.services import workflows
from tests.functional.helpers import wait_state

WF = """---
version: '2.0'
redelivered_wf:
  input:
    - a
  tasks:
    t1:
      action: std.echo output=<% $.a %>
"""


def executions():
    with db_session.read_only() as session:
        model = models.WorkflowExecution
        return session.execute(sa.select(model.id, model.description)).all()


def test_the_same_notification_twice_starts_one_execution(
        services, ctx, create_workflows, conf, monkeypatch):
    monkeypatch.setattr(clients, "get_event_engine_client",
                        lambda: _Silent())
    create_workflows(WF)
    wf_id = workflows.get_workflow(ctx, "redelivered_wf").id
    trigger = event_triggers.create_event_trigger(
        ctx, "t", "nova", "notifications", "thing.created", wf_id,
        workflow_input={"a": 1})
    engine = event_service.EventEngine(
        converter=definitions.EventConverter([]))
    try:
        engine.reload()
        metadata = {"message_id": "msg-1", "timestamp": "2026-12-07"}
        for _ in range(2):
            assert engine.handle("nova", "notifications",
                                 {"project_id": "p"}, "compute.host1",
                                 "thing.created", {"n": 1}, metadata)
    finally:
        engine.stop()
    [(wf_ex_id, description)] = executions()
    assert json.loads(description)["triggered_by"]["id"] == trigger.id
    assert wait_state(wf_ex_id)["state"] == "SUCCESS"


class _Silent:
    def triggers_changed(self, ctx):
        pass
