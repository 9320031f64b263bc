"""``/maintenance`` on the wire, as Mistral 23 answers it: GET and PUT
bodies, the refused states, and the 423 every write gets while the mode
is not RUNNING (except the paths and requests Mistral lets through)."""

import json

from mistral_clone.api import maintenance_status
from mistral_clone.db import maintenance as maintenance_db
from mistral_clone.db import session as db_session
from tests.waiting import wait_for

WF = """---
version: '2.0'
wf:
  tasks:
    t1:
      action: std.noop
"""


def _put(app, body, status=200):
    return app.put("/maintenance", json.dumps(body),
                   headers={"Content-Type": "application/json"},
                   status=status)


def _set_status(status):
    """As an engine or another API process changes it: this API sees it
    within ``maintenance_status.MAX_AGE_S`` (at once, here)."""
    with db_session.transaction() as session:
        row = maintenance_db.lock(session)
        maintenance_db.move(session, row.status, status)
    maintenance_status.forget()


def test_get_starts_running(app):
    response = app.get("/maintenance")
    assert response.content_type == "application/json"
    assert response.json == {"status": "RUNNING"}
    assert app.get("/maintenance/").json == {"status": "RUNNING"}
    app.get("/v2/maintenance", status=404)


def test_put_paused_answers_pausing_then_running(app):
    assert _put(app, {"status": "PAUSED"}).json == {"status": "PAUSING"}
    assert app.get("/maintenance").json == {"status": "PAUSING"}
    # Asked again while pausing: still pausing.
    assert _put(app, {"status": "PAUSED"}).json == {"status": "PAUSING"}
    assert _put(app, {"status": "RUNNING"}).json == {"status": "RUNNING"}
    assert _put(app, {"status": "RUNNING"}).json == {"status": "RUNNING"}
    with db_session.read_only() as session:
        assert maintenance_db.resume_pending(session)


def test_put_refuses_unknown_and_intermediate_states(app):
    body = _put(app, {"status": "FOO"}, status=400).json
    assert body["faultstring"] == (
        "Not found FOO maintenance state. List of states: "
        "['PAUSING', 'PAUSED', 'RUNNING']")
    body = _put(app, {}, status=400).json
    assert body["faultstring"].startswith("Not found Unset maintenance")
    body = _put(app, {"status": None}, status=400).json
    assert body["faultstring"].startswith("Not found None maintenance")
    # Mistral 23 answers 500 to a body that is not an object.
    body = _put(app, [], status=400).json
    assert body["faultstring"] == (
        "Invalid request body: a JSON object is expected, got list.")
    body = _put(app, {"status": "RUNNING", "x": 1}, status=400).json
    assert body["faultstring"] == (
        "Unknown attribute for argument new_maintenance_status: x")
    body = _put(app, {"status": "PAUSING"}, status=400).json
    assert body["faultstring"] == (
        "PAUSING is intermediate state. Consider PAUSED, RUNNING as new "
        "state")
    assert app.get("/maintenance").json == {"status": "RUNNING"}


def test_writes_are_locked_while_paused(app, engine):
    app.post("/v2/workflows", WF, headers={"Content-Type": "text/plain"},
             status=201)
    _set_status("PAUSED")
    message = "Current Mistral state is PAUSED. Method is not allowed"
    response = app.post("/v2/executions",
                        json.dumps({"workflow_name": "wf"}),
                        headers={"Content-Type": "application/json",
                                 "Accept": "application/json"},
                        status=423)
    assert response.headers["Server-Error-Message"] == message
    assert response.json == {"code": 423, "title": "Locked",
                             "description": message}
    # As python-mistralclient asks (no Accept): the message in the header
    # it shows, and in Mistral's error body.
    response = app.post("/v2/workflows", WF.replace("wf:", "wf2:"),
                        headers={"Content-Type": "text/plain"}, status=423)
    assert response.headers["Server-Error-Message"] == message
    assert response.json["faultstring"] == message
    app.delete("/v2/workflows/wf", status=423)
    # Reads, the maintenance endpoint and cancelling go on.
    app.get("/v2/workflows/wf")
    app.get("/v2/executions")
    assert engine.calls == []
    assert _put(app, {"status": "RUNNING"}).json == {"status": "RUNNING"}
    app.post("/v2/workflows", WF.replace("wf:", "wf2:"),
             headers={"Content-Type": "text/plain"}, status=201)


def test_action_results_pass_while_pausing_only(app):
    _set_status("PAUSING")
    # Let through by the hook: the action execution does not exist.
    app.put("/v2/action_executions/nope",
            json.dumps({"state": "SUCCESS", "output": "{}"}),
            headers={"Content-Type": "application/json"}, status=404)
    _set_status("PAUSED")
    app.put("/v2/action_executions/nope",
            json.dumps({"state": "SUCCESS", "output": "{}"}),
            headers={"Content-Type": "application/json"}, status=423)


def test_cancel_passes_while_paused(app):
    _set_status("PAUSED")
    app.put("/v2/executions/nope", json.dumps({"state": "CANCELLED"}),
            headers={"Content-Type": "application/json"}, status=404)
    app.put("/v2/executions/nope", json.dumps({"state": "PAUSED"}),
            headers={"Content-Type": "application/json"}, status=423)


def test_a_change_made_elsewhere_is_seen_within_the_cache_age(app):
    def pause_refused() -> bool:
        # 404 (the execution does not exist) while RUNNING, 423 after.
        return app.put("/v2/executions/nope",
                       json.dumps({"state": "PAUSED"}),
                       headers={"Content-Type": "application/json"},
                       status="*").status_int == 423

    assert not pause_refused()
    # Another process (an engine, another API) changes the mode: this API
    # reads the database again at most MAX_AGE_S later.
    with db_session.transaction() as session:
        maintenance_db.move(session, maintenance_db.lock(session).status,
                            "PAUSED")
    wait_for(pause_refused, timeout=10 * maintenance_status.MAX_AGE_S)
    # A change through this API is seen at once.
    assert _put(app, {"status": "RUNNING"}).json == {"status": "RUNNING"}
    assert not pause_refused()
