"""Runtime wire details pinned against the real Mistral 23 (issue 12,
"Wire details"), through the REST API with the embedded engine and
executor."""

import json
import re

import pytest

from tests.api.helpers import post_text
from tests.api.test_runtime_e2e import services  # noqa: F401 - fixture
from tests.api.test_runtime_e2e import start, wait_execution
from tests.waiting import wait_for

DEFINITIONS = """
version: '2.0'
wr_fails_at_once:
  tasks:
    t1:
      action: std.echo output=<% $.nope.x %>
wr_async:
  tasks:
    t1:
      action: std.noop
      on-success: [t2]
    t2:
      action: std.async_noop
"""

ADHOC = """
version: '2.0'
wr_adhoc:
  base: std.echo
  base-input:
    output: <% $.a %>
  input:
    - a: 5
    - b: 7
wr_adhoc_out:
  base: std.echo
  base-input:
    output: <% $.x %>
  input:
    - x
  output: <% $ + 100 %>
"""


def _define(app):
    post_text(app, "/v2/workflows", DEFINITIONS, status=201)
    post_text(app, "/v2/actions", ADHOC, status=201)


def test_a_start_answers_as_accepted_even_if_it_failed_at_once(services):  # noqa: F811
    app = services
    _define(app)
    ex = start(app, {"workflow_name": "wr_fails_at_once"})
    assert (ex["state"], ex["state_info"], ex["output"]) == \
        ("RUNNING", None, "{}")
    done = wait_execution(app, ex["id"])
    assert done["state"] == "ERROR"
    assert done["state_info"].startswith("Failed to run task")


def test_a_task_that_starts_at_once_shows_updated_at(services):  # noqa: F811
    app = services
    _define(app)
    ex = start(app, {"workflow_name": "wr_async"})

    def running_t2():
        tasks = app.get("/v2/executions/%s/tasks" % ex["id"]).json["tasks"]
        return [t for t in tasks if t["name"] == "t2"] or None
    [t2] = wait_for(running_t2)
    assert t2["state"] == "RUNNING"
    assert t2["updated_at"] is not None
    assert t2["updated_at"] >= t2["created_at"]


def _run(app, body):
    return app.post_json("/v2/action_executions", body, status=201).json


def test_an_adhoc_action_run_directly_stores_its_defaults(services):  # noqa: F811
    app = services
    _define(app)
    for params in ({}, {"run_sync": True}, {"save_result": True},
                   {"run_sync": True, "save_result": True}):
        body = {"name": "wr_adhoc", "input": {"b": 1}, "params": params}
        answer = _run(app, body)
        assert json.loads(answer["input"]) == {"a": 5, "b": 1}, params
        if answer["id"]:
            stored = app.get("/v2/action_executions/%s"
                             % answer["id"]).json
            assert json.loads(stored["input"]) == {"a": 5, "b": 1}


def test_an_action_run_directly_answers_as_mistral(services):  # noqa: F811
    app = services
    saved = _run(app, {"name": "std.async_noop",
                       "params": {"save_result": True}})
    assert (saved["state"], saved["tags"], saved["accepted"],
            saved["updated_at"]) == ("RUNNING", None, False, None)
    synced = _run(app, {"name": "std.echo", "input": {"output": 1},
                        "params": {"run_sync": True, "save_result": True}})
    stored = app.get("/v2/action_executions/%s" % synced["id"]).json
    for body in (synced, stored):
        # Mistral writes it once, with its result, and no executor
        # reported it.
        assert (body["state"], body["tags"], body["accepted"],
                body["updated_at"], body["description"]) == \
            ("SUCCESS", None, False, None, None)
    # Mistral's answer has the time of its record, ISO; read back, the
    # usual form.
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000",
                        synced["created_at"]), synced["created_at"]
    assert stored["created_at"] == synced["created_at"][:19].replace(
        "T", " ")
    described = _run(app, {"name": "std.echo", "input": {"output": 1},
                           "description": "d",
                           "params": {"run_sync": True, "save_result": True}})
    assert described["description"] == "d"


BIG_INPUT = """
version: '2.0'
wr_big_action_input:
  input:
    - x
  tasks:
    t1:
      action: std.echo
      input:
        output: <% [$.x, $.x, $.x] %>
"""


@pytest.fixture
def limit_1kb(conf):
    conf.set_override("execution_field_size_limit_kb", 1, "engine")
    yield
    conf.clear_override("execution_field_size_limit_kb", "engine")


def _limit_message(field, size_kb):
    return ("Field size limit exceeded [class=TaskExecution, field=%s, "
            "size=%dKB, limit=1KB]" % (field, size_kb))


def test_fields_over_the_size_limit_are_refused_as_mistral(
        services, limit_1kb):  # noqa: F811
    app = services
    post_text(app, "/v2/workflows", BIG_INPUT, status=201)
    big = "a" * 2000
    for body, field in (({"input": {"x": big}}, "input"),
                        ({"input": {"x": 1}, "params": {"env": {"y": big}}},
                         "params")):
        resp = app.post_json(
            "/v2/executions", dict(body, workflow_name="wr_big_action_input"),
            status=400)
        assert resp.json["faultstring"] == _limit_message(field, 2)
    assert app.get("/v2/executions").json["executions"] == []
    resp = app.post_json("/v2/action_executions",
                         {"name": "std.echo", "input": {"output": big}},
                         status=400)
    assert resp.json["faultstring"] == _limit_message("input", 2)
    assert app.get("/v2/action_executions").json["action_executions"] == []


def test_a_task_action_input_over_the_size_limit_fails_the_task(
        services, limit_1kb):  # noqa: F811
    app = services
    post_text(app, "/v2/workflows", BIG_INPUT, status=201)
    ex = start(app, {"workflow_name": "wr_big_action_input",
                     "input": {"x": "a" * 900}})
    done = wait_execution(app, ex["id"])
    assert done["state"] == "ERROR"
    assert done["state_info"] == (
        "Failed to run task [error=%s, wf=wr_big_action_input, task=t1]"
        % _limit_message("input", 2))


def test_the_report_shows_a_started_action_heartbeat(services):  # noqa: F811
    app = services
    _define(app)
    ex = start(app, {"workflow_name": "wr_async"})

    def t2_action():
        report = app.get("/v2/executions/%s/report" % ex["id"]).json
        tasks = report["root_workflow_execution"]["task_executions"]
        return [a for t in tasks if t["name"] == "t2"
                for a in t["action_executions"]] or None
    [action] = wait_for(t2_action)
    assert action["state"] == "RUNNING"
    # The executor of this process started it: that is its first
    # heartbeat, as Mistral's executor sends one.
    assert action["last_heartbeat"] is not None
    assert action["updated_at"] is not None


def test_a_background_action_gets_its_first_heartbeat_after_the_answer(
        services):  # noqa: F811
    """As Mistral's: the answer has no updated_at, the row has one once
    the executor started it."""
    app = services
    saved = _run(app, {"name": "std.async_noop",
                       "params": {"save_result": True}})
    assert saved["updated_at"] is None
    stored = app.get("/v2/action_executions/%s" % saved["id"]).json
    assert stored["state"] == "RUNNING" and stored["updated_at"] is not None


def test_a_rerun_answers_the_task_as_the_rerun_found_it(services):  # noqa: F811
    app = services
    ex = start(app, {"workflow_name": "e2e_fail"})
    assert wait_execution(app, ex["id"])["state"] == "ERROR"
    [listed] = app.get("/v2/executions/%s/tasks" % ex["id"]).json["tasks"]
    failed = app.get("/v2/tasks/%s" % listed["id"]).json
    answer = app.put_json("/v2/tasks/%s" % failed["id"],
                          {"state": "RUNNING", "reset": True}).json
    # Mistral runs it again after answering: still ERROR, as it was, its
    # runtime context cleared.
    for key in ("state", "state_info", "result", "finished_at", "processed"):
        assert answer[key] == failed[key], key
    assert answer["runtime_context"] == "{}"

    def ran_again():
        actions = app.get("/v2/tasks/%s/action_executions"
                          % failed["id"]).json["action_executions"]
        return len(actions) == 2 and \
            wait_execution(app, ex["id"])["state"] == "ERROR"
    assert wait_for(ran_again)


def test_a_delivered_result_answers_with_null_tags(services):  # noqa: F811
    app = services
    saved = _run(app, {"name": "std.async_noop",
                       "params": {"save_result": True}})
    for body in ({"state": "PAUSED"}, {"state": "RUNNING"},
                 {"state": "SUCCESS", "output": {"a": 1}}):
        answer = app.put_json("/v2/action_executions/%s" % saved["id"],
                              body).json
        assert (answer["state"], answer["tags"]) == (body["state"], None)


OUTPUT_IN_A_TASK = """
version: '2.0'
wr_uses_adhoc_out:
  tasks:
    t1:
      action: wr_adhoc_out x=1
      publish:
        got: <% task().result %>
"""


def test_an_adhoc_output_applies_in_a_task_not_to_a_run_alone(services):  # noqa: F811
    app = services
    _define(app)
    # Mistral 23 answers a run alone with the base action's result.
    for params in ({"run_sync": True}, {"run_sync": True,
                                        "save_result": True}, {}):
        answer = _run(app, {"name": "wr_adhoc_out", "input": {"x": 1},
                            "params": params})
        assert (answer["state"], answer["output"]) == \
            ("SUCCESS", '{"result": 1}'), params
    post_text(app, "/v2/workflows", OUTPUT_IN_A_TASK, status=201)
    ex = start(app, {"workflow_name": "wr_uses_adhoc_out"})
    done = wait_execution(app, ex["id"])
    assert done["state"] == "SUCCESS", done["state_info"]
    [task] = app.get("/v2/executions/%s/tasks" % ex["id"]).json["tasks"]
    assert json.loads(task["published"]) == {"got": 101}
