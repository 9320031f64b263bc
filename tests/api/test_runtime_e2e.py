"""The runtime API end to end: workflows run to completion by the embedded
engine and executor (``fake:/`` transport, in process), driven and read
only through the REST API."""

import json

import pytest

from tests.api.helpers import post_text
from tests.waiting import wait_for

WF = """
version: '2.0'
e2e_wf:
  input:
    - a: 1
  output:
    res: <% $.r %>
  tasks:
    t1:
      action: std.echo output=<% $.a %>
      publish:
        r: <% task().result %>
      on-success: [t2]
    t2:
      action: std.noop
e2e_fail:
  tasks:
    f1:
      action: std.fail
e2e_async:
  tasks:
    a1:
      action: std.async_noop
e2e_parent:
  tasks:
    p1:
      workflow: e2e_fail
e2e_env:
  output:
    k: <% env().k %>
  tasks:
    t1:
      action: std.noop
"""


@pytest.fixture
def services(app):
    from mistral_clone.engine import service as engine_service
    from mistral_clone.executor import service as executor_service
    from mistral_clone.notifier import service as notifier_service
    from mistral_clone.rpc import clients
    started = [engine_service.start(), executor_service.start(),
               notifier_service.start()]
    post_text(app, "/v2/workflows", WF, status=201)
    yield app
    for service in reversed(started):
        service.stop()
    clients.cleanup()


def wait_execution(app, ex_id, *wanted):
    wanted = wanted or ("SUCCESS", "ERROR", "CANCELLED")

    def done():
        body = app.get("/v2/executions/%s" % ex_id).json
        return body if body["state"] in wanted else None
    return wait_for(done)


def start(app, body):
    return app.post_json("/v2/executions", body, status=201).json


def put_state(app, ex_id, state, **expect):
    return app.put_json("/v2/executions/%s" % ex_id, {"state": state},
                        **expect)


def test_run_to_success_and_read_everything(services):
    app = services
    ex = start(app, {"workflow_name": "e2e_wf", "input": {"a": 5},
                     "description": "d1", "params": {"env": {"x": 1}}})
    assert ex["state"] == "RUNNING" and ex["input"] == '{"a": 5}'
    assert json.loads(ex["params"])["env"] == {"x": 1}
    done = wait_execution(app, ex["id"])
    assert done["state"] == "SUCCESS", done["state_info"]
    assert json.loads(done["output"]) == {"res": 5}
    tasks = app.get("/v2/executions/%s/tasks" % ex["id"]).json["tasks"]
    assert sorted(t["name"] for t in tasks) == ["t1", "t2"]
    t1 = [t for t in tasks if t["name"] == "t1"][0]
    assert t1["published"] == '{"r": 5}'
    task = app.get("/v2/tasks/%s" % t1["id"]).json
    assert task["result"] == "5"
    actions = app.get("/v2/tasks/%s/action_executions" % t1["id"]).json[
        "action_executions"]
    assert [a["name"] for a in actions] == ["std.echo"]
    report = app.get("/v2/executions/%s/report" % ex["id"]).json
    assert report["statistics"]["success_tasks_count"] == 2
    listed = app.get("/v2/executions?include_output=true").json[
        "executions"]
    assert json.loads(listed[0]["output"]) == {"res": 5}
    app.delete("/v2/executions/%s" % ex["id"], status=204)


def test_failure_rerun_and_sub_executions(services):
    app = services
    ex = start(app, {"workflow_name": "e2e_parent"})
    done = wait_execution(app, ex["id"])
    assert done["state"] == "ERROR"
    subs = app.get("/v2/executions/%s/executions" % ex["id"]).json[
        "executions"]
    assert [s["workflow_name"] for s in subs] == ["e2e_parent", "e2e_fail"]
    report = app.get("/v2/executions/%s/report?errors_only=true"
                     % ex["id"]).json
    assert report["statistics"]["error_tasks_count"] == 2
    p1 = app.get("/v2/executions/%s/tasks" % ex["id"]).json["tasks"][0]
    children = app.get("/v2/tasks/%s/workflow_executions" % p1["id"]).json[
        "executions"]
    assert [c["workflow_name"] for c in children] == ["e2e_fail"]
    resp = app.put_json("/v2/tasks/%s" % p1["id"], {"state": "RUNNING"},
                        status=400)
    assert resp.json["faultstring"] == \
        "Reset field is mandatory to rerun task."


def test_async_action_result_through_put(services):
    app = services
    ex = start(app, {"workflow_name": "e2e_async"})

    def action():
        tasks = app.get("/v2/executions/%s/tasks" % ex["id"]).json["tasks"]
        if not tasks:
            return None
        items = app.get("/v2/tasks/%s/action_executions"
                        % tasks[0]["id"]).json["action_executions"]
        return items[0] if items else None

    ax = wait_for(action)
    assert ax["state"] == "RUNNING"
    app.put_json("/v2/action_executions/%s" % ax["id"],
                 {"state": "SUCCESS", "output": {"x": 1}})
    assert wait_execution(app, ex["id"])["state"] == "SUCCESS"


def test_pause_resume_cancel(services):
    app = services
    ex = start(app, {"workflow_name": "e2e_async"})
    assert put_state(app, ex["id"], "PAUSED").json["state"] == "PAUSED"
    env = app.put_json("/v2/executions/%s" % ex["id"],
                       {"params": {"env": {"k": "v"}}}).json
    assert json.loads(env["params"])["env"] == {"k": "v"}
    resumed = app.put_json("/v2/executions/%s" % ex["id"],
                           {"state": "RUNNING"}).json
    assert resumed["state"] == "RUNNING"
    cancelled = app.put_json("/v2/executions/%s" % ex["id"],
                             {"state": "CANCELLED", "state_info": "bye"}).json
    assert cancelled["state"] == "CANCELLED"
    assert cancelled["state_info"] == "bye"
    app.delete("/v2/executions/%s" % ex["id"], status=204)


def test_named_environment_and_replay(services):
    app = services
    app.post_json("/v2/environments", {"name": "e2e", "variables":
                                       {"k": "from-env"}})
    ex = start(app, {"workflow_name": "e2e_env", "params": {"env": "e2e"}})
    done = wait_execution(app, ex["id"])
    assert json.loads(done["output"]) == {"k": "from-env"}, done
    again = start(app, {"source_execution_id": ex["id"]})
    assert again["workflow_name"] == "e2e_env"
    assert wait_execution(app, again["id"])["state"] == "SUCCESS"
    same = start(app, {"id": again["id"], "workflow_name": "e2e_wf"})
    assert same["id"] == again["id"] and same["workflow_name"] == "e2e_env"


def test_run_action_directly(services):
    app = services
    resp = app.post_json("/v2/action_executions",
                         {"name": "std.echo", "input": {"output": "hi"}},
                         status=201).json
    assert resp["state"] == "SUCCESS"
    assert json.loads(resp["output"]) == {"result": "hi"}
    body = {"name": "std.async_noop",
            "params": {"save_result": True, "run_sync": False}}
    saved = app.post_json("/v2/action_executions", body, status=201).json
    assert saved["state"] == "RUNNING"
    done = app.put_json("/v2/action_executions/%s" % saved["id"],
                        {"state": "SUCCESS", "output": {"a": 1}}).json
    assert done["state"] == "SUCCESS"
    resp = app.post_json("/v2/action_executions", {"name": "nope.x"},
                         status=400)
    assert "nope.x" in resp.json["faultstring"]


def test_a_first_task_that_fails_at_once_answers_running_then_error(
        services):
    """As Mistral 23: the start is answered before the first task runs."""
    app = services
    post_text(app, "/v2/workflows", "version: '2.0'\nbad_first:\n  tasks:\n"
              "    t1:\n      action: std.echo output=<% $.nope %>\n",
              status=201)
    ex = start(app, {"workflow_name": "bad_first"})
    assert (ex["state"], ex["state_info"], ex["output"]) == \
        ("RUNNING", None, "{}")
    done = wait_execution(app, ex["id"])
    assert done["state"] == "ERROR"
    assert done["state_info"].startswith(
        "Failed to run task [error=Can not evaluate YAQL expression "
        "[expression=$.nope, error='nope'], wf=bad_first, task=t1]")


def test_in_process_calls_do_not_go_through_the_fake_driver(services,
                                                            monkeypatch):
    """With the engine in this process, the API's calls go to it directly
    (the fake driver's listener looks for messages every 50 ms); its
    expected errors still come back as 4xx with the engine's message."""
    from oslo_messaging.rpc import client as rpc_client

    def no_message(*_args, **_kwargs):
        raise AssertionError("a call went through the fake driver")

    monkeypatch.setattr(rpc_client._BaseCallContext, "call", no_message)
    app = services
    ex = start(app, {"workflow_name": "e2e_async"})
    assert put_state(app, ex["id"], "PAUSED").json["state"] == "PAUSED"
    assert put_state(app, ex["id"], "CANCELLED").json["state"] == \
        "CANCELLED"
    refused = put_state(app, ex["id"], "PAUSED", expect_errors=True)
    assert refused.status_int == 400, refused.body
    assert "CANCELLED" in refused.json["faultstring"]
    assert refused.json["debuginfo"] is None
