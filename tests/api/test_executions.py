"""/v2/executions through the WSGI app: reads from rows written directly,
writes checked as the engine calls they become."""

import json

import pytest

from tests.api.helpers import fault, post_text
from tests.api.runtime_rows import action_ex, at, task_ex, wf_ex
from tests.waiting import wait_for

WF = """
version: '2.0'
wf:
  input:
    - a: 1
  tasks:
    t1:
      action: std.noop
"""

UUID = "123e4567-e89b-12d3-a456-426655440000"


@pytest.fixture
def wf_id(app):
    return post_text(app, "/v2/workflows", WF).json["workflows"][0]["id"]


def _start(app, engine, body, status=201):
    """POST the start; the API writes the execution and hints an engine
    (recorded by ``engine``) to run its first tasks."""
    resp = app.post_json("/v2/executions", body, status=status)
    # The hint leaves after the answer, with its caller's context.
    wait_for(lambda: engine.calls)
    [(method, sent)] = engine.calls
    assert method == "start_accepted_many"
    [[hinted_id, caller]] = sent["args"][0]
    assert hinted_id == resp.json["id"] and "project_id" in caller
    return resp


# Reads.

def test_get_execution_encodes_blobs_as_json_text(app):
    ex = wf_ex(input={"a": 5}, output={"res": 5},
               params={"env": {"x": 1}, "namespace": ""},
               context={"g": 1, "__execution": {"id": "x"}})
    body = app.get("/v2/executions/%s" % ex.id).json
    assert list(body) == [
        "id", "workflow_id", "workflow_name", "workflow_namespace",
        "description", "tags", "params", "task_execution_id",
        "root_execution_id", "state", "state_info", "input", "output",
        "created_at", "updated_at", "project_id", "published_global"]
    assert body["input"] == '{"a": 5}'
    assert body["output"] == '{"res": 5}'
    assert json.loads(body["params"]) == {"env": {"x": 1}, "namespace": ""}
    assert body["published_global"] == '{"g": 1}'
    assert body["created_at"] == "2024-01-02 03:04:05"
    assert body["updated_at"] is None


def test_get_execution_fields_and_not_found(app):
    ex = wf_ex()
    body = app.get("/v2/executions/%s?fields=state,input" % ex.id).json
    assert body == {"id": ex.id, "state": "SUCCESS", "input": "{}"}
    resp = app.get("/v2/executions/nope", status=404)
    assert fault(resp) == "WorkflowExecution not found [id=nope]"
    resp = app.get("/v2/executions/%s?fields=bogus" % ex.id, status=400)
    assert fault(resp) == "Field 'bogus' does not exist."  # as Mistral 23


def test_list_leaves_output_out_unless_asked(app):
    wf_ex(output={"r": 1})
    item = app.get("/v2/executions").json["executions"][0]
    assert "output" not in item and item["input"] == "{}"
    item = app.get("/v2/executions?include_output=true").json[
        "executions"][0]
    assert item["output"] == '{"r": 1}'


def test_list_filters_sort_and_next_link(app):
    first = wf_ex(workflow_name="a", state="ERROR", created_at=at(1),
                  input={"k": 1})
    second = wf_ex(workflow_name="b", state="RUNNING", created_at=at(2),
                   description="two")
    child = wf_ex(workflow_name="c", root_execution_id=first.id,
                  task_execution_id=UUID, created_at=at(3))

    def ids(query):
        return [e["id"] for e in
                app.get("/v2/executions?" + query).json["executions"]]

    assert ids("") == [first.id, second.id, child.id]
    assert ids("state=ERROR") == [first.id]
    assert ids("state=in:ERROR,RUNNING") == [first.id, second.id]
    assert ids("workflow_name=neq:a") == [second.id, child.id]
    assert ids("description=two") == [second.id]
    assert ids("root_execution_id=%s" % first.id) == [child.id]
    assert ids("task_execution_id=%s" % UUID) == [child.id]
    assert ids("nulls=root_execution_id") == [first.id, second.id]
    assert ids("input=%7B%22k%22%3A1%7D") == [first.id]
    assert ids("sort_keys=workflow_name&sort_dirs=desc") == [
        child.id, second.id, first.id]
    page = app.get("/v2/executions?limit=2").json
    assert [e["id"] for e in page["executions"]] == [first.id, second.id]
    assert page["next"].endswith("limit=2&marker=%s" % second.id)
    assert ids("marker=%s" % second.id) == [child.id]
    fields = app.get("/v2/executions?fields=state").json["executions"]
    assert fields[0] == {"id": first.id, "state": "ERROR"}
    # A blob is read only when named, and then shown.
    fields = app.get("/v2/executions?fields=input,state").json["executions"]
    assert fields[0] == {"id": first.id, "state": "ERROR",
                         "input": '{"k": 1}'}


@pytest.mark.parametrize("query, status, message", [
    ("nulls=foo", 400, "'foo' is not a valid field name."),
    ("nulls=id", 400, "The field 'id' can't hold None value."),
    ("root_execution_id=abc", 400, "Invalid input for field/attribute "
     "root_execution_id. Value: 'abc'. unable to convert to uuid. Error: "
     "Expected a uuid but received abc."),
    ("input=abc", 400, "Invalid input for field/attribute input. Value: "
     "'abc'. unable to convert to json. Error: Expecting value: line 1 "
     "column 1 (char 0)"),
    ("sort_keys=bogus", 400, "Sort key supplied is invalid: bogus"),
    ("all_projects=true", 403,
     "Operation forbidden (insufficient permissions)"),
    ("marker=%s" % UUID, 404, "WorkflowExecution not found [id=%s]" % UUID),
])
def test_list_errors(app, query, status, message):
    resp = app.get("/v2/executions?" + query, status=status)
    assert fault(resp) == message


def test_all_projects_for_admin(app, admin_headers):
    wf_ex(project_id="other")
    assert app.get("/v2/executions").json["executions"] == []
    listed = app.get("/v2/executions?all_projects=true",
                     headers=admin_headers).json["executions"]
    assert [e["project_id"] for e in listed] == ["other"]


def test_a_public_execution_of_another_project_is_listed(app):
    """The list guards by the project alone only while no other project
    has a public execution; once one has, it is listed, as in Mistral."""
    own = wf_ex(created_at=at(1))
    wf_ex(project_id="other", created_at=at(2))
    assert [e["id"] for e in app.get("/v2/executions").json[
        "executions"]] == [own.id]
    public = wf_ex(project_id="other", scope="public", created_at=at(3))
    assert [e["id"] for e in app.get("/v2/executions").json[
        "executions"]] == [own.id, public.id]


SORTS = [
    "", "&sort_dirs=desc", "&sort_keys=workflow_name,created_at",
    "&sort_keys=workflow_name,created_at&sort_dirs=asc,desc",
    "&sort_keys=state,workflow_name&sort_dirs=desc,desc",
    # JSON columns: the marker's value bound as JSON text (a 500 once).
    "&sort_keys=input", "&sort_keys=params,created_at&sort_dirs=desc,asc"]


@pytest.mark.parametrize("sort", SORTS)
def test_pages_by_marker_follow_one_long_page(app, sort):
    """Pages reached through ``next`` (markers with several sort keys,
    ties, both directions) are the long page cut in pieces."""
    for n in range(12):
        wf_ex(workflow_name="wf%d" % (n % 3),
              state=("SUCCESS", "ERROR")[n % 2], created_at=at(n // 2),
              input={"n": n % 4}, params={"namespace": "", "p": n % 5})
    whole = app.get("/v2/executions?limit=12&fields=id" + sort).json
    ids, link = [], "/v2/executions?limit=5&fields=id" + sort
    while link:
        page = app.get(link.replace("http://localhost", "")).json
        ids += [e["id"] for e in page["executions"]]
        link = page.get("next")
    assert ids == [e["id"] for e in whole["executions"]]


@pytest.mark.postgresql
@pytest.mark.parametrize("sort", SORTS)
def test_pages_by_marker_follow_one_long_page_on_postgresql(app, sort):
    test_pages_by_marker_follow_one_long_page(app, sort)


def test_other_projects_execution_is_not_found(app):
    ex = wf_ex(project_id="other")
    app.get("/v2/executions/%s" % ex.id, status=404)


# Create.

def test_create_by_name_stores_it_running_and_hints_an_engine(app, engine,
                                                              wf_id):
    resp = _start(app, engine, {"workflow_name": "wf", "input": {"a": 2},
                                "description": "d",
                                "params": {"env": {"x": 1}}})
    assert resp.json["workflow_id"] == wf_id
    assert resp.json["input"] == '{"a": 2}'
    assert json.loads(resp.json["params"]) == {"env": {"x": 1},
                                               "namespace": ""}
    assert resp.json["description"] == "d"
    assert resp.json["state"] == "RUNNING"
    assert resp.json["output"] == "{}"
    got = app.get("/v2/executions/%s" % resp.json["id"]).json
    assert resp.json == {k: v for k, v in got.items()
                         if k != "published_global"}


def test_create_accepts_json_text_input_and_params(app, engine, wf_id):
    resp = _start(app, engine, {"workflow_id": wf_id, "input": '{"a": 3}',
                                "params": '{"task_name": "t1"}'})
    assert resp.json["input"] == '{"a": 3}'
    assert json.loads(resp.json["params"])["task_name"] == "t1"


def test_create_completes_the_input_with_its_defaults(app, engine, wf_id):
    resp = _start(app, engine, {"workflow_id": wf_id})
    assert resp.json["input"] == '{"a": 1}'


@pytest.mark.parametrize("body, status, message", [
    ({}, 400, "Workflow ID or workflow name must be provided. Workflow ID "
     "is recommended."),
    ({"workflow_name": "nope"}, 404,
     "Workflow not found [workflow_identifier=nope, namespace=]"),
    ({"workflow_name": "wf", "workflow_namespace": "ns"}, 404,
     "Workflow not found [workflow_identifier=wf, namespace=ns]"),
    ({"foo": "bar"}, 400, "Unknown attribute for argument wf_ex: foo"),
    ({"workflow_name": "wf", "params": "abc"}, 400,
     "Invalid input for field/attribute wf_ex. Value: "
     "'{'workflow_name': 'wf', 'params': 'abc'}'. Expecting value: line 1 "
     "column 1 (char 0)"),
    ({"workflow_name": "wf", "input": "[1]"}, 400,
     "JsonType field value must be a dictionary [actual=[1]]"),
    ({"workflow_name": "wf", "params": {"env": "nope_env"}}, 400,
     "Environment is not found: nope_env"),
    ({"workflow_name": "wf", "params": {"env": 5}}, 400,
     "Unexpected value type for environment [env=5, type=<class 'int'>]"),
    ({"workflow_name": "wf", "source_execution_id": UUID}, 404,
     "WorkflowExecution not found [id=%s]" % UUID),
])
def test_create_errors(app, engine, wf_id, body, status, message):
    resp = app.post_json("/v2/executions", body, status=status)
    assert fault(resp) == message
    assert engine.calls == []


def test_create_with_named_environment(app, engine, wf_id):
    app.post_json("/v2/environments", {"name": "e1", "variables": {"v": 1}})
    resp = _start(app, engine, {"workflow_name": "wf",
                                "params": {"env": "e1"}})
    assert json.loads(resp.json["params"])["env"] == {"v": 1}


def test_create_with_known_id_returns_the_execution(app, engine, wf_id):
    ex = wf_ex(input={"a": 9})
    resp = app.post_json("/v2/executions", {"id": ex.id,
                                            "workflow_name": "zzz"},
                         status=201)
    assert resp.json["id"] == ex.id and resp.json["input"] == '{"a": 9}'
    assert "published_global" not in resp.json
    assert engine.calls == []


def test_create_with_new_id_gives_it_to_the_execution(app, engine, wf_id):
    assert _start(app, engine, {"id": UUID,
                                "workflow_name": "wf"}).json["id"] == UUID
    again = app.post_json("/v2/executions", {"id": UUID,
                                             "workflow_name": "wf"})
    assert again.json["id"] == UUID and len(engine.calls) == 1


def test_another_projects_id_is_refused(app, engine, wf_id):
    wf_ex(id=UUID, project_id="other")
    resp = app.post_json("/v2/executions", {"id": UUID,
                                            "workflow_name": "wf"},
                         status=400)
    assert fault(resp) == "Execution id %s cannot be used: it is taken." \
        % UUID
    assert engine.calls == []


def test_replay_copies_the_source(app, engine, wf_id):
    source = wf_ex(workflow_name="wf", workflow_id=wf_id,
                   input={"a": 4},
                   params={"env": {"k": "v"}, "namespace": ""},
                   description="orig")
    resp = _start(app, engine, {"source_execution_id": source.id,
                                "input": {"a": 7}})
    assert resp.json["workflow_id"] == wf_id
    assert json.loads(resp.json["input"]) == {"a": 7}
    assert json.loads(resp.json["params"])["env"] == {"k": "v"}
    assert resp.json["description"] == \
        "Based on the execution '%s'" % source.id


def test_input_errors_are_found_before_anything_is_written(app, engine,
                                                           wf_id):
    resp = app.post_json("/v2/executions", {"workflow_name": "wf",
                                            "input": {"zz": 1}}, status=400)
    assert fault(resp) == ("Invalid input [name=wf, class=DirectWorkflowSpec, "
                           "unexpected=['zz']]")
    assert engine.calls == []
    assert app.get("/v2/executions").json["executions"] == []


# Update.

@pytest.mark.parametrize("body, message", [
    ({}, "The property state, description, or env is not provided for "
     "update."),
    ({"params": {"x": 1}}, "The property state, description, or env is not "
     "provided for update."),
    ({"description": "x", "state": "ERROR"},
     "The property description must be updated separately from state."),
    ({"state": "PAUSED", "params": {"env": {"a": 1}}},
     "The property env can only be updated when workflow execution is not "
     "running or on resume from pause."),
    ({"state": "IDLE"}, "Cannot change state to IDLE. Allowed states are: "
     "'RUNNING, PAUSED, SUCCESS, ERROR, CANCELLED"),
    ({"bogus": 1}, "Unknown attribute for argument wf_ex: bogus"),
])
def test_update_errors(app, engine, body, message):
    ex = wf_ex()
    resp = app.put_json("/v2/executions/%s" % ex.id, body, status=400)
    assert fault(resp) == message
    assert engine.calls == []


def test_update_unknown_execution(app, engine):
    resp = app.put_json("/v2/executions/%s" % UUID, {"state": "PAUSED"},
                        status=404)
    assert fault(resp) == "WorkflowExecution not found [id=%s]" % UUID


@pytest.mark.parametrize("body, method, expected", [
    ({"state": "PAUSED"}, "pause_workflow", {}),
    ({"state": "RUNNING"}, "resume_workflow", {"env": None}),
    ({"state": "RUNNING", "params": {"env": {"k": 1}}}, "resume_workflow",
     {"env": {"k": 1}}),
    ({"state": "CANCELLED", "state_info": "bye"}, "stop_workflow",
     {"args": ("CANCELLED", "bye")}),
    ({"state": "ERROR"}, "stop_workflow", {"args": ("ERROR", None)}),
    ({"state": "SUCCESS"}, "stop_workflow", {"args": ("SUCCESS", None)}),
])
def test_update_state_goes_to_the_engine(app, engine, body, method,
                                         expected):
    ex = wf_ex(state="RUNNING")
    engine.answers[method] = {"id": ex.id, "state": body["state"],
                              "input": {}, "params": {}}
    resp = app.put_json("/v2/executions/%s" % ex.id, body)
    called, kwargs = engine.calls[-1]
    assert called == method
    for key, value in expected.items():
        if key == "args":
            assert kwargs["args"][1:] == value
        else:
            assert kwargs[key] == value
    assert resp.json["state"] == body["state"]


def test_update_description_answers_without_blobs(app):
    ex = wf_ex()
    body = app.put_json("/v2/executions/%s" % ex.id,
                        {"description": "new"}).json
    assert body["description"] == "new"
    assert "input" not in body and "params" not in body
    assert app.get("/v2/executions/%s" % ex.id).json["description"] == "new"


def test_update_env_of_a_paused_execution(app):
    ex = wf_ex(state="PAUSED", params={"env": {"a": 1}, "namespace": ""})
    body = app.put_json("/v2/executions/%s" % ex.id,
                        {"params": {"env": {"b": 2}}}).json
    assert json.loads(body["params"])["env"] == {"a": 1, "b": 2}
    assert "input" not in body


def test_update_env_of_a_finished_execution_is_refused(app):
    ex = wf_ex(state="SUCCESS")
    resp = app.put_json("/v2/executions/%s" % ex.id,
                        {"params": {"env": {"b": 2}}}, status=403)
    assert fault(resp) == ("Updating env to workflow execution is only "
                           "permitted if it is in IDLE, PAUSED, or ERROR "
                           "state.")


# Delete.

def test_delete_completed_execution_with_its_tree(app):
    ex = wf_ex()
    task = task_ex(ex)
    action_ex(task)
    sub = wf_ex(task_execution_id=task.id, root_execution_id=ex.id)
    task_ex(sub, name="s1")
    app.delete("/v2/executions/%s" % ex.id, status=204)
    app.get("/v2/executions/%s" % ex.id, status=404)
    app.get("/v2/executions/%s" % sub.id, status=404)
    assert app.get("/v2/tasks").json["tasks"] == []
    assert app.get("/v2/action_executions").json["action_executions"] == []


def test_delete_running_execution_needs_force(app):
    ex = wf_ex(state="RUNNING")
    resp = app.delete("/v2/executions/%s" % ex.id, status=403)
    assert fault(resp) == (
        "Only completed executions can be deleted. Use --force to override "
        "this. Execution %s is in RUNNING state" % ex.id)
    app.delete("/v2/executions/%s?force=true" % ex.id, status=204)
    resp = app.delete("/v2/executions/%s" % ex.id, status=404)
    assert fault(resp) == "WorkflowExecution not found [id=%s]" % ex.id


# Sub-resources.

def test_execution_tasks(app):
    ex = wf_ex()
    t1 = task_ex(ex, name="t1", created_at=at(1), published={"r": 5},
                 runtime_context={"triggered_by": []})
    task_ex(ex, name="t2", created_at=at(2), state="ERROR")
    task_ex(wf_ex(), name="other")
    tasks = app.get("/v2/executions/%s/tasks" % ex.id).json["tasks"]
    assert [t["name"] for t in tasks] == ["t1", "t2"]
    assert tasks[0]["id"] == t1.id
    assert tasks[0]["published"] == '{"r": 5}'
    assert "result" not in tasks[0]
    names = [t["name"] for t in app.get(
        "/v2/executions/%s/tasks?state=ERROR" % ex.id).json["tasks"]]
    assert names == ["t2"]
    resp = app.get("/v2/executions/%s/tasks" % UUID, status=404)
    assert fault(resp) == "WorkflowExecution not found [id=%s]" % UUID
    resp = app.get("/v2/executions/abc/tasks", status=400)
    assert "workflow_execution_id" in fault(resp)


def _tree():
    root = wf_ex(workflow_name="parent", state="ERROR", created_at=at(0))
    ok = task_ex(root, name="ok", state="SUCCESS", created_at=at(1))
    bad = task_ex(root, name="bad", state="ERROR", created_at=at(2))
    sub_ok = wf_ex(workflow_name="c1", task_execution_id=ok.id,
                   root_execution_id=root.id, created_at=at(3))
    sub_bad = wf_ex(workflow_name="c2", state="ERROR",
                    task_execution_id=bad.id, root_execution_id=root.id,
                    created_at=at(4), output={"o": 1})
    deep_task = task_ex(sub_bad, name="deep", state="ERROR",
                        created_at=at(5))
    deep = wf_ex(workflow_name="c3", state="ERROR",
                 task_execution_id=deep_task.id, root_execution_id=root.id,
                 created_at=at(6))
    action_ex(bad, state="ERROR", created_at=at(2))
    return root, ok, bad, sub_ok, sub_bad, deep


def test_sub_executions(app):
    root, ok, bad, sub_ok, sub_bad, deep = _tree()

    def names(url):
        return [e["workflow_name"] for e in app.get(url).json["executions"]]

    url = "/v2/executions/%s/executions" % root.id
    assert names(url) == ["parent", "c1", "c2", "c3"]
    assert names(url + "?errors_only=true") == ["parent", "c2", "c3"]
    assert names(url + "?max_depth=0") == ["parent"]
    assert names(url + "?max_depth=1") == ["parent", "c1", "c2"]
    items = app.get(url + "?include_output=true").json["executions"]
    assert items[2]["output"] == '{"o": 1}'
    assert "output" not in app.get(url).json["executions"][2]
    assert names("/v2/tasks/%s/executions" % bad.id) == ["c2", "c3"]
    resp = app.get("/v2/executions/%s/executions" % UUID, status=404)
    assert fault(resp) == "WorkflowExecution not found [id=%s]" % UUID
    resp = app.get("/v2/tasks/%s/executions" % UUID, status=404)
    assert fault(resp) == "Task execution not found [id=%s]" % UUID
    app.get("/v2/executions/abc/executions", status=400)


def test_report(app):
    root, ok, bad, sub_ok, sub_bad, deep = _tree()
    report = app.get("/v2/executions/%s/report" % root.id).json
    assert report["statistics"] == {
        "total_tasks_count": 3, "running_tasks_count": 0,
        "success_tasks_count": 1, "error_tasks_count": 2,
        "idle_tasks_count": 0, "paused_tasks_count": 0,
        "estimated_time": 0}
    top = report["root_workflow_execution"]
    assert list(top) == ["id", "name", "created_at", "updated_at", "state",
                         "state_info", "task_executions"]
    assert top["name"] == "parent"
    bad_entry = top["task_executions"][1]
    assert list(bad_entry)[:3] == ["action_executions",
                                   "workflow_executions", "id"]
    assert bad_entry["action_executions"][0]["accepted"] is True
    assert bad_entry["workflow_executions"][0]["name"] == "c2"
    assert bad_entry["workflow_executions"][0]["task_executions"][0][
        "name"] == "deep"

    errors = app.get("/v2/executions/%s/report?errors_only=true"
                     % root.id).json
    assert [t["name"] for t in
            errors["root_workflow_execution"]["task_executions"]] == ["bad"]
    assert errors["statistics"]["total_tasks_count"] == 2

    shallow = app.get("/v2/executions/%s/report?max_depth=0" % root.id).json
    child = shallow["root_workflow_execution"]["task_executions"][1][
        "workflow_executions"][0]
    assert "task_executions" not in child
    assert shallow["statistics"]["total_tasks_count"] == 2

    stats = app.get("/v2/executions/%s/report?statistics_only=true"
                    % root.id).json
    assert list(stats) == ["statistics"]
    assert stats["statistics"]["total_tasks_count"] == 3
    resp = app.get("/v2/executions/%s/report" % UUID, status=404)
    assert fault(resp) == "WorkflowExecution not found [id=%s]" % UUID


def test_report_estimates_a_running_execution(app):
    wf_ex(workflow_id="w", state="SUCCESS", created_at=at(0),
          updated_at=at(10))
    running = wf_ex(workflow_id="w", state="RUNNING")
    assert app.get("/v2/executions/%s/report" % running.id).json[
        "statistics"]["estimated_time"] == 1
    lonely = wf_ex(workflow_id="x", state="RUNNING")
    assert app.get("/v2/executions/%s/report" % lonely.id).json[
        "statistics"]["estimated_time"] == -1
