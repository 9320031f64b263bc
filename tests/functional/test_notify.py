"""``params.notify`` webhooks: the events Mistral 23 emits, in its order
and with its payload shape, delivered to a local HTTP receiver."""

import http.server
import json
import threading

import pytest

from mistral_clone import config
from tests.waiting import wait_for
from tests.functional import webhooks
from tests.functional.helpers import wait_state

WF = """
version: '2.0'
wf:
  tasks:
    t1:
      action: std.noop
      on-success: [t2]
    t2:
      action: std.fail
"""

WF_KEYS = {"id", "name", "workflow_name", "workflow_namespace", "workflow_id",
           "state", "state_info", "project_id", "task_execution_id",
           "root_execution_id", "created_at", "updated_at", "event"}
TASK_KEYS = {"id", "name", "workflow_execution_id", "workflow_name",
             "workflow_namespace", "workflow_id", "state", "state_info",
             "type", "project_id", "created_at", "updated_at", "started_at",
             "finished_at", "event"}


@pytest.fixture
def receiver():
    """A webhook receiver on loopback: the posted events, in order."""
    received = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the stdlib's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, json.loads(body)))
            self.send_response(500 if self.path == "/broken" else 200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % server.server_address[1], received
    server.shutdown()
    server.server_close()


@pytest.fixture
def loopback_allowed(conf):
    """The default egress policy denies loopback for webhooks too (as the
    reference does); the test receiver lives there."""
    config.CONF.set_override("webhook_denied_cidrs", ["169.254.0.0/16"],
                             "notifier")
    yield
    config.CONF.clear_override("webhook_denied_cidrs", "notifier")


def test_events_in_order_with_mistral_payloads(engine, ctx, create_workflows,
                                               receiver, loopback_allowed):
    base, received = receiver
    create_workflows(WF)
    wf_ex = engine.start_workflow(
        ctx, "wf", notify=[{"type": "webhook", "url": base + "/hook"}])
    assert wait_state(wf_ex["id"])["state"] == "ERROR"
    wait_for(lambda: len(received) >= 6)
    events = [(body["event"], body["name"], body["state"])
              for _path, body in received]
    assert events == [
        ("WORKFLOW_LAUNCHED", "wf", "RUNNING"),
        ("TASK_LAUNCHED", "t1", "RUNNING"),
        ("TASK_SUCCEEDED", "t1", "SUCCESS"),
        ("TASK_LAUNCHED", "t2", "RUNNING"),
        ("TASK_FAILED", "t2", "ERROR"),
        ("WORKFLOW_FAILED", "wf", "ERROR"),
    ]
    bodies = [body for _path, body in received]
    assert set(bodies[0]) == WF_KEYS
    assert set(bodies[1]) == TASK_KEYS
    assert bodies[0]["id"] == wf_ex["id"]
    assert bodies[1]["workflow_execution_id"] == wf_ex["id"]
    assert bodies[1]["type"] == "ACTION"
    assert bodies[-1]["state_info"].startswith(
        "Failure caused by error in tasks: t2")


def test_event_types_filter(engine, ctx, create_workflows, receiver,
                            loopback_allowed):
    base, received = receiver
    create_workflows(WF)
    wf_ex = engine.start_workflow(ctx, "wf", notify=[{
        "type": "webhook", "url": base + "/hook",
        "event_types": ["WORKFLOW_FAILED", "TASK_FAILED"]}])
    wait_state(wf_ex["id"])
    wait_for(lambda: len(received) >= 2)
    assert [b["event"] for _p, b in received] == ["TASK_FAILED",
                                                  "WORKFLOW_FAILED"]


def test_failing_and_refused_hooks_do_not_break_the_workflow(
        engine, ctx, create_workflows, receiver):
    """A hook answering 500 gets its first event again (later events wait
    behind it); one that is closed and one of an unknown type do not hold
    the others up; one the egress policy refuses (loopback by default) is
    dropped. The workflow runs to its end anyway."""
    base, received = receiver
    create_workflows("""
version: '2.0'
ok:
  tasks:
    t1: {action: std.noop}
""")
    config.CONF.set_override("webhook_denied_cidrs", ["169.254.0.0/16"],
                             "notifier")
    try:
        wf_ex = engine.start_workflow(ctx, "ok", notify=[
            {"type": "webhook", "url": base + "/broken"},
            {"type": "webhook", "url": "http://127.0.0.1:9/closed"},
            {"type": "no-such-publisher"},
            {"type": "webhook", "url": base + "/hook"}])
        assert wait_state(wf_ex["id"])["state"] == "SUCCESS"
        wait_for(lambda: len([p for p, _b in received if p == "/hook"]) >= 4)
        wait_for(lambda: len([p for p, _b in received
                              if p == "/broken"]) >= 2)
    finally:
        config.CONF.clear_override("webhook_denied_cidrs", "notifier")
    assert {b["event"] for p, b in received if p == "/broken"} == {
        "WORKFLOW_LAUNCHED"}
    wf_ex = engine.start_workflow(ctx, "ok", notify=[
        {"type": "webhook", "url": base + "/refused"}])
    assert wait_state(wf_ex["id"])["state"] == "SUCCESS"
    assert not [p for p, _b in received if p == "/refused"]


def test_a_webhook_down_at_first_gets_every_event_once_in_order(
        engine, ctx, create_workflows, loopback_allowed):
    """Embedded mode (every service in this process): the hook answers
    503 to its first four requests; it then accepts each event once, in
    the order they happened."""
    hook = webhooks.Receiver(failures=4).start()
    try:
        create_workflows(webhooks.WF)
        wf_ex = engine.start_workflow(
            ctx, "wf", notify=[{"type": "webhook", "url": hook.url}])
        done = wait_state(wf_ex["id"])
        assert done["state"] == "SUCCESS", done["state_info"]
        wait_for(lambda: len(hook.accepted) >= len(webhooks.WF_EVENTS),
                 timeout=60)
        assert hook.events_of(wf_ex["id"]) == webhooks.WF_EVENTS
        assert hook.tried() == len(webhooks.WF_EVENTS) + 4
    finally:
        hook.stop()
