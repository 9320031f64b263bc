"""The API when no engine answers: the real RPC client on the in-process
transport, with no engine (or a late one) on a topic of the test's own
(a broker away: tests/functional/test_engine_unanswered.py). Never a 500,
never the RPC timeout: the outcome read from the database, or 503 with
Retry-After."""

import re
import threading
import time
import uuid

import oslo_messaging as messaging
import pytest

from mistral_clone.engine import accepting
from mistral_clone.engine import service as engine_service
from mistral_clone.executor import service as executor_service
from mistral_clone.rpc import clients
from mistral_clone.rpc import transport
from tests.api.helpers import fault, post_text
from tests.api.runtime_rows import action_ex, task_ex, wf_ex
from tests.waiting import wait_for

WF = "version: '2.0'\nwf:\n  tasks:\n    t1: {action: std.noop}\n"

REPLY_TIMEOUT = 1
# Far more than the API should take (two sends of REPLY_TIMEOUT), far less
# than the RPC timeout it must not wait for.
QUICK_S = 30


@pytest.fixture
def no_engine(conf):
    """The engine topic is the test's own, and nobody listens on it."""
    transport.transport_url()  # registers oslo.messaging's options
    conf.set_override("engine_reply_timeout", REPLY_TIMEOUT, "api")
    conf.set_override("topic", "mc_nobody_%s" % uuid.uuid4().hex, "engine")
    clients.cleanup()
    yield
    clients.cleanup()


@pytest.fixture
def wf(app, no_engine):
    post_text(app, "/v2/workflows", WF, status=201)


def _timed(request, *args, **kwargs):
    started = time.monotonic()
    resp = request(*args, **kwargs)
    return resp, time.monotonic() - started


def _assert_unavailable(resp, elapsed):
    assert resp.status_int == 503, resp.text
    assert resp.headers["Retry-After"].isdigit()
    assert elapsed < QUICK_S
    assert "oslo" not in resp.text and "Timed out" not in resp.text


def _id_to_retry(resp) -> str:
    return re.search(r'"id": "([0-9a-f-]{36})"', fault(resp)).group(1)


def test_start_without_engine_is_accepted_and_run_once_one_comes(app, wf):
    resp, elapsed = _timed(app.post_json, "/v2/executions",
                           {"workflow_name": "wf", "description": "d"},
                           status=201)
    assert elapsed < QUICK_S
    assert resp.json["state"] == "RUNNING" and resp.json["description"] == "d"
    ex_id = resp.json["id"]
    again = app.post_json("/v2/executions",
                          {"id": ex_id, "workflow_name": "wf"}, status=201)
    assert again.json == resp.json
    assert app.get("/v2/tasks").json["tasks"] == []
    # The hint went to nobody; the engine's sweep finds the execution.
    started = [engine_service.start(recover=False),
               executor_service.start(), accepting.Sweeper().start()]
    try:
        wait_for(lambda: app.get("/v2/executions/%s" % ex_id)
                 .json["state"] == "SUCCESS", timeout=QUICK_S)
    finally:
        for service in reversed(started):
            service.stop()
    listed = app.get("/v2/executions").json["executions"]
    assert [e["id"] for e in listed] == [ex_id]
    tasks = app.get("/v2/tasks").json["tasks"]
    assert [(t["name"], t["state"]) for t in tasks] == [("t1", "SUCCESS")]


def test_pause_and_resume_before_the_start_run_its_tasks(app, no_engine,
                                                         monkeypatch):
    """The hint is lost and no sweep runs: the pause starts it first, so
    the resume does not find a workflow with nothing run and call it
    done."""
    monkeypatch.setattr(accepting, "hint", lambda *hint_args: None)
    post_text(app, "/v2/workflows", WF.replace("wf:", "waits:").replace(
        "std.noop", "std.async_noop"), status=201)
    ex_id = app.post_json("/v2/executions", {"workflow_name": "waits"},
                          status=201).json["id"]
    started = [engine_service.start(recover=False), executor_service.start()]
    try:
        for state in ("PAUSED", "RUNNING"):
            assert app.put_json("/v2/executions/%s" % ex_id,
                                {"state": state}).json["state"] == state
        tasks = wait_for(lambda: app.get("/v2/tasks").json["tasks"])
    finally:
        for service in reversed(started):
            service.stop()
    assert [(t["name"], t["state"]) for t in tasks] == [("t1", "RUNNING")]
    assert app.get("/v2/executions/%s" % ex_id).json["state"] == "RUNNING"


def test_state_change_without_engine_answers_503(app, no_engine):
    ex = wf_ex(state="RUNNING")
    resp, elapsed = _timed(app.put_json, "/v2/executions/%s" % ex.id,
                           {"state": "PAUSED"}, status="*")
    _assert_unavailable(resp, elapsed)
    assert fault(resp) == (
        "No engine answered in time; execution %s may not be PAUSED yet. "
        "Check it, or send this request again." % ex.id)


def test_state_change_that_took_place_is_answered(app, no_engine):
    """The outcome is read from the database: here the change the request
    asks for is already there."""
    ex = wf_ex(state="PAUSED")
    resp = app.put_json("/v2/executions/%s" % ex.id, {"state": "PAUSED"},
                        status=200)
    assert (resp.json["id"], resp.json["state"]) == (ex.id, "PAUSED")


def test_task_rerun_without_engine_answers_503(app, no_engine):
    ex = wf_ex(state="ERROR")
    task = task_ex(ex, state="ERROR")
    resp, elapsed = _timed(app.put_json, "/v2/tasks/%s" % task.id,
                           {"state": "RUNNING", "reset": True}, status="*")
    _assert_unavailable(resp, elapsed)
    assert task.id in fault(resp)


def test_action_result_without_engine_answers_503(app, no_engine):
    ax = action_ex(state="RUNNING", output=None)
    resp, elapsed = _timed(app.put_json, "/v2/action_executions/%s" % ax.id,
                           {"state": "SUCCESS", "output": '{"x": 1}'},
                           status="*")
    _assert_unavailable(resp, elapsed)
    assert ax.id in fault(resp)


def test_action_run_without_engine_answers_503_naming_the_id(app,
                                                             no_engine):
    resp, elapsed = _timed(app.post_json, "/v2/action_executions",
                           {"name": "std.noop"}, status="*")
    _assert_unavailable(resp, elapsed)
    ax_id = _id_to_retry(resp)
    assert fault(resp).startswith("No engine answered in time; action "
                                  "std.noop was not started yet.")
    assert ax_id in fault(resp)


def test_action_retried_with_the_id_once_an_engine_listens_runs_once(
        app, no_engine):
    body = {"name": "std.async_noop", "params": '{"save_result": true}'}
    first = app.post_json("/v2/action_executions", body, status=503)
    ax_id = _id_to_retry(first)
    engine = engine_service.start(recover=False)
    try:
        retried = app.post_json("/v2/action_executions",
                                dict(body, id=ax_id), status=201)
        again = app.post_json("/v2/action_executions",
                              dict(body, id=ax_id), status=201)
    finally:
        engine.stop()
    assert retried.json["id"] == again.json["id"] == ax_id
    assert retried.json["state"] == "RUNNING"
    listed = app.get("/v2/action_executions").json["action_executions"]
    assert [a["id"] for a in listed] == [ax_id]


class EngineDyingInARun:
    """Answers the first call of a synchronous action's start (run it
    now), then never the one that runs it."""

    target = messaging.Target(version="1.0")

    def __init__(self):
        self.release = threading.Event()
        self.calls = []

    def start_action(self, ctx, action_name, action_input, run_now=True,
                     **kwargs):
        self.calls.append(run_now)
        if not run_now:
            return {clients.RUN_NOW: True}
        self.release.wait(QUICK_S)
        return {}


def test_action_run_unanswered_answers_503(app, no_engine, conf,
                                           monkeypatch):
    # A synchronous run may last as long as the action: shortened here.
    monkeypatch.setattr(clients, "_sync_timeout", lambda: REPLY_TIMEOUT)
    endpoint = EngineDyingInARun()
    server = transport.get_server(conf.engine.topic, "dying", [endpoint])
    server.start()
    try:
        resp, elapsed = _timed(app.post_json, "/v2/action_executions",
                               {"name": "std.noop"}, status="*")
    finally:
        endpoint.release.set()
        server.stop()
        server.wait()
    _assert_unavailable(resp, elapsed)
    assert endpoint.calls == [False, True]
    assert fault(resp).startswith("No engine answered in time; action "
                                  "std.noop may have run")
