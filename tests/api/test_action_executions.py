"""/v2/action_executions through the WSGI app."""

import pytest

from mistral_clone import exceptions as exc

from tests.api.helpers import fault
from tests.api.runtime_rows import action_ex, at, task_ex, wf_ex

UUID = "123e4567-e89b-12d3-a456-426655440000"


def test_get_action_execution(app):
    task = task_ex(wf_ex(workflow_name="wf"))
    ax = action_ex(task, input={"output": 5}, output={"result": 5})
    body = app.get("/v2/action_executions/%s" % ax.id).json
    assert list(body) == [
        "id", "workflow_name", "workflow_namespace", "task_execution_id",
        "state", "state_info", "tags", "name", "description", "project_id",
        "accepted", "input", "output", "created_at", "updated_at"]
    assert body["tags"] is None
    assert body["input"] == '{"output": 5}'
    assert body["output"] == '{"result": 5}'
    assert body["workflow_name"] == "wf"
    fields = app.get("/v2/action_executions/%s?fields=name" % ax.id).json
    assert fields == {"id": ax.id, "name": "std.echo"}
    resp = app.get("/v2/action_executions/abc", status=404)
    assert fault(resp) == "ActionExecution not found [id=abc]"


def test_list_action_executions(app):
    ex = wf_ex()
    t1 = task_ex(ex, name="t1")
    a1 = action_ex(t1, created_at=at(1), name="std.echo")
    a2 = action_ex(task_ex(ex, name="t2"), created_at=at(2),
                   name="std.noop", state="ERROR", accepted=False,
                   input={})
    adhoc = action_ex(created_at=at(3), name="std.noop")

    def ids(query=""):
        return [a["id"] for a in app.get(
            "/v2/action_executions?" + query).json["action_executions"]]

    assert ids() == [a1.id, a2.id, adhoc.id]
    first = app.get("/v2/action_executions").json["action_executions"][0]
    assert "output" not in first
    assert app.get("/v2/action_executions?include_output=true").json[
        "action_executions"][0]["output"] == '{"result": 1}'
    assert ids("name=std.noop") == [a2.id, adhoc.id]
    assert ids("state=ERROR") == [a2.id]
    assert ids("accepted=false") == [a2.id]
    assert ids("task_execution_id=%s" % t1.id) == [a1.id]
    assert ids("task_name=t2") == [a2.id]
    assert ids("input=%7B%7D") == [a2.id]
    page = app.get("/v2/action_executions?limit=2").json
    assert page["next"].endswith("limit=2&marker=%s" % a2.id)
    assert ids("marker=%s" % a2.id) == [adhoc.id]


@pytest.mark.parametrize("query, status, message", [
    ("all_projects=true", 400, 'Unknown argument: "all_projects"'),
    ("params=%7B%7D", 400, "Action executions can not be filtered by "
     "'params': it is not a stored field."),
    ("sort_keys=bogus", 400, "Sort key supplied is invalid: bogus"),
])
def test_list_errors(app, query, status, message):
    resp = app.get("/v2/action_executions?" + query, status=status)
    assert fault(resp) == message


# Run an action.

def test_run_action_goes_to_the_engine(app, engine):
    engine.answers["start_action"] = {
        "id": None, "name": "std.echo", "state": "SUCCESS",
        "input": {"output": "hi"}, "output": {"result": "hi"},
        "workflow_namespace": "", "created_at": None}
    resp = app.post_json("/v2/action_executions", {
        "name": "std.echo", "input": {"output": "hi"},
        "params": {"run_sync": True, "save_result": False},
        "description": "d"}, status=201)
    [(method, kwargs)] = engine.calls
    # The API names the action execution, and asks first for an answer
    # that comes at once (tests/api/test_engine_unanswered.py).
    assert len(kwargs.pop("action_ex_id")) == 36
    assert (method, kwargs) == ("start_action", {
        "args": ("std.echo", {"output": "hi"}), "description": "d",
        "namespace": "", "run_now": False, "run_sync": True,
        "save_result": False})
    assert resp.json["output"] == '{"result": "hi"}'
    assert resp.json["id"] is None


@pytest.mark.parametrize("body, message", [
    ({}, "Please provide at least action name to run action."),
    ({"name": "std.echo", "bogus": 1},
     "Unknown attribute for argument action_ex: bogus"),
    ({"name": "std.echo", "input": "abc"},
     "Invalid input for field/attribute action_ex. Value: "
     "'{'name': 'std.echo', 'input': 'abc'}'. Expecting value: line 1 "
     "column 1 (char 0)"),
    ({"name": "std.echo", "params": "[1]"},
     "JsonType field value must be a dictionary [actual=[1]]"),
])
def test_run_action_errors(app, engine, body, message):
    resp = app.post_json("/v2/action_executions", body, status=400)
    assert fault(resp) == message
    assert engine.calls == []


def test_run_action_engine_error(app, engine):
    engine.error = exc.InvalidActionError(
        "Failed to find action [action_name=nope.x]")
    resp = app.post_json("/v2/action_executions", {"name": "nope.x"},
                         status=400)
    assert fault(resp) == "Failed to find action [action_name=nope.x]"


# Deliver a result.

@pytest.mark.parametrize("body, result", [
    ({"state": "SUCCESS", "output": {"x": 1}},
     {"data": {"x": 1}, "error": None, "cancel": False}),
    ({"state": "SUCCESS", "output": '{"x": 2}'},
     {"data": {"x": 2}, "error": None, "cancel": False}),
    ({"state": "ERROR", "output": {"e": 1}},
     {"data": None, "error": {"e": 1}, "cancel": False}),
    ({"state": "ERROR"},
     {"data": None, "error": "Unknown error", "cancel": False}),
    ({"state": "CANCELLED"}, {"data": None, "error": None, "cancel": True}),
    # Mistral stores an omitted output of a success as {}.
    ({"state": "SUCCESS"}, {"data": {}, "error": None, "cancel": False}),
])
def test_put_delivers_the_result(app, engine, body, result):
    ax = action_ex(state="RUNNING", name="std.async_noop")
    engine.answers["on_action_complete"] = {"id": ax.id,
                                            "state": body["state"]}
    resp = app.put_json("/v2/action_executions/%s" % ax.id, body)
    assert engine.calls == [("on_action_complete",
                             {"args": (ax.id, result)})]
    assert resp.json["state"] == body["state"]


@pytest.mark.parametrize("body, status, message", [
    ({"state": "BOGUS"}, 400, "Error. Expected one of ['SUCCESS', 'ERROR', "
     "'CANCELLED', 'PAUSED', 'RUNNING'], actual: BOGUS"),
    ({"state": "SUCCESS", "output": "abc"}, 400,
     "Invalid input for field/attribute action_ex. Value: "
     "'{'state': 'SUCCESS', 'output': 'abc'}'. Expecting value: line 1 "
     "column 1 (char 0)"),
    ({"state": "SUCCESS", "output": '"abc"'}, 400,
     "JsonType field value must be a dictionary [actual=abc]"),
])
def test_put_errors(app, engine, body, status, message):
    ax = action_ex(state="RUNNING")
    resp = app.put_json("/v2/action_executions/%s" % ax.id, body,
                        status=status)
    assert fault(resp) == message
    assert engine.calls == []


def test_put_unknown(app, engine):
    resp = app.put_json("/v2/action_executions/abc", {"state": "SUCCESS"},
                        status=404)
    assert fault(resp) == "ActionExecution not found [id=abc]"


# Delete.

def test_delete_is_off_by_default(app):
    ax = action_ex()
    resp = app.delete("/v2/action_executions/%s" % ax.id, status=403)
    assert fault(resp) == "Action execution deletion is not allowed."


@pytest.fixture
def deletion_allowed(conf):
    conf.set_override("allow_action_execution_deletion", True, "api")
    yield
    conf.clear_override("allow_action_execution_deletion", "api")


def test_delete_when_allowed(app, deletion_allowed):
    adhoc = action_ex()
    app.delete("/v2/action_executions/%s" % adhoc.id, status=204)
    app.get("/v2/action_executions/%s" % adhoc.id, status=404)
    running = action_ex(state="RUNNING")
    resp = app.delete("/v2/action_executions/%s" % running.id, status=403)
    assert fault(resp) == "Only completed action execution can be deleted."
    in_task = action_ex(task_ex(wf_ex()))
    resp = app.delete("/v2/action_executions/%s" % in_task.id, status=403)
    assert fault(resp) == "Only ad-hoc action execution can be deleted."
    resp = app.delete("/v2/action_executions/%s" % UUID, status=404)
    assert fault(resp) == "ActionExecution not found [id=%s]" % UUID
