"""``/v2/cron_triggers`` through the WSGI app; statuses and messages are
Mistral 23's."""

import datetime
import json

import pytest

from tests.api.helpers import post_text

WF = """---
version: '2.0'
ct_wf:
  input:
    - a
    - b: 2
  tasks:
    t1:
      action: std.noop
"""

NS_WF = """---
version: '2.0'
ns_wf:
  tasks:
    t1:
      action: std.noop
"""


@pytest.fixture
def wf(app):
    resp = post_text(app, "/v2/workflows", WF, status=201)
    return resp.json["workflows"][0]


def create(app, status=201, **body):
    return app.post_json("/v2/cron_triggers", body, status=status)


def future(minutes=5):
    t = datetime.datetime.utcnow() + datetime.timedelta(minutes=minutes)
    return t.strftime("%Y-%m-%d %H:%M")


def test_create_with_pattern(app, wf):
    resp = create(app, name="t1", workflow_name="ct_wf",
                  pattern="* * * * *", workflow_input={"a": 1})
    body = resp.json
    assert list(body) == [
        "id", "name", "workflow_name", "workflow_id", "workflow_input",
        "workflow_params", "project_id", "scope", "pattern",
        "remaining_executions", "first_execution_time",
        "next_execution_time", "created_at"]
    assert body["workflow_id"] == wf["id"]
    assert body["workflow_input"] == '{"a": 1}'
    assert body["workflow_params"] == "{}"
    assert body["project_id"] == "<default-project>"
    assert body["scope"] == "private"
    assert body["remaining_executions"] is None
    assert body["first_execution_time"] is None
    next_time = datetime.datetime.strptime(body["next_execution_time"],
                                           "%Y-%m-%d %H:%M:%S")
    now = datetime.datetime.utcnow()
    assert next_time.second == 0
    assert now < next_time <= now + datetime.timedelta(seconds=61)


def test_json_text_input_and_params(app, wf):
    resp = create(app, name="t1", workflow_id=wf["id"], pattern="0 * * * *",
                  workflow_input='{"a": 1}',
                  workflow_params='{"env": {"x": 1}}')
    assert resp.json["workflow_input"] == '{"a": 1}'
    assert resp.json["workflow_params"] == '{"env": {"x": 1}}'


def test_first_time_only_is_one_shot(app, wf):
    first = future()
    body = create(app, name="t1", workflow_name="ct_wf",
                  first_execution_time=first,
                  workflow_input={"a": 1}).json
    assert body["pattern"] == "0 0 30 2 0"
    assert body["remaining_executions"] == 1
    assert body["first_execution_time"] == first + ":00"
    assert body["next_execution_time"] == first + ":00"


@pytest.mark.parametrize("body,status,message", [
    ({"pattern": "* * * * *"}, 400,
     "Invalid input [name=ct_wf, class=DirectWorkflowSpec, missing=['a']]"),
    ({"pattern": "* * * * *", "workflow_input": {"a": 1, "c": 3}}, 400,
     "Invalid input [name=ct_wf, class=DirectWorkflowSpec, "
     "unexpected=['c']]"),
    ({"pattern": "bad pattern", "workflow_input": {"a": 1}}, 400,
     "The specified pattern is not valid: bad pattern"),
    ({"pattern": "*/0 * * * *", "workflow_input": {"a": 1}}, 400,
     "The specified pattern is not valid: */0 * * * *"),
    ({"workflow_input": {"a": 1}}, 400,
     "Pattern or first_execution_time must be specified."),
    ({"first_execution_time": "2020-01-01 10:00",
      "workflow_input": {"a": 1}}, 400,
     "first_execution_time must be at least 1 minute in the future."),
    ({"first_execution_time": "2030-01-01 10:00:00",
      "workflow_input": {"a": 1}}, 400, "unconverted data remains: :00"),
    ({"first_execution_time": "2030-01-01 10:00", "remaining_executions": 3,
      "workflow_input": {"a": 1}}, 400,
     "Pattern must be provided if count is superior to 1."),
    ({"pattern": "* * * * *", "remaining_executions": 0,
      "workflow_input": {"a": 1}}, 400,
     "Invalid input for field/attribute remaining_executions. Value: '0'. "
     "Value should be greater or equal to 1"),
    ({"pattern": "* * * * *", "workflow_input": "[1]"}, 400,
     "JsonType field value must be a dictionary [actual=[1]]"),
    ({"pattern": "* * * * *", "workflow_input": {"a": 1},
      "scope": "public"}, 403,
     "Operation forbidden (insufficient permissions)"),
])
def test_create_errors(app, wf, body, status, message):
    body = dict(body, name="t1", workflow_name="ct_wf")
    resp = create(app, status=status, **body)
    assert resp.json["faultstring"] == message


def test_bad_scope(app, wf):
    resp = create(app, status=400, name="t1", workflow_name="ct_wf",
                  pattern="* * * * *", workflow_input={"a": 1}, scope="bad")
    # WSME lists the allowed values of a set: their order varies.
    message = resp.json["faultstring"]
    prefix = ("Invalid input for field/attribute scope. Value: 'bad'. "
              "Value should be one of: ")
    assert message.startswith(prefix)
    assert sorted(message[len(prefix):].split(", ")) == ["private", "public"]


def test_unknown_workflow(app, wf):
    resp = create(app, status=404, name="t1", workflow_name="nope",
                  pattern="* * * * *")
    assert resp.json["faultstring"] == \
        "Workflow not found [workflow_identifier=nope, namespace=]"
    resp = create(app, status=404, name="t1", pattern="* * * * *")
    assert resp.json["faultstring"] == \
        "Workflow not found [workflow_identifier=None, namespace=]"


def test_duplicate_name(app, wf):
    create(app, name="t1", workflow_name="ct_wf", pattern="* * * * *",
           workflow_input={"a": 1})
    resp = create(app, status=409, name="t1", workflow_name="ct_wf",
                  pattern="* * * * *", workflow_input={"a": 1})
    assert resp.json["faultstring"] == (
        "Duplicate entry for cron trigger ['name', 'project_id']: t1, None")


def test_workflow_in_namespace(app):
    post_text(app, "/v2/workflows?namespace=ns1", NS_WF, status=201)
    create(app, status=404, name="t1", workflow_name="ns_wf",
           pattern="* * * * *")
    body = create(app, name="t1", workflow_name="ns_wf",
                  workflow_namespace="ns1", pattern="* * * * *").json
    assert "workflow_namespace" not in body
    wf_id = app.get("/v2/workflows/ns_wf?namespace=ns1").json["id"]
    assert create(app, name="t2", workflow_id=wf_id,
                  pattern="* * * * *").json["workflow_id"] == wf_id


def test_get_and_delete(app, wf):
    created = create(app, name="t1", workflow_name="ct_wf",
                     pattern="* * * * *", workflow_input={"a": 1}).json
    by_name = app.get("/v2/cron_triggers/t1").json
    by_id = app.get("/v2/cron_triggers/%s" % created["id"]).json
    assert by_name == by_id
    assert by_name["updated_at"] is None
    assert app.get("/v2/cron_triggers/t1?fields=name,pattern").json == {
        "id": created["id"], "name": "t1", "pattern": "* * * * *"}
    resp = app.delete("/v2/workflows/ct_wf", status=400)
    assert resp.json["faultstring"] == (
        "Can't delete workflow that has cron triggers associated. "
        "[workflow_identifier=ct_wf, namespace=], [cron_trigger_id(s)=%s]"
        % created["id"])
    app.delete("/v2/cron_triggers/t1", status=204)
    for method in (app.get, app.delete):
        resp = method("/v2/cron_triggers/t1", status=404)
        assert resp.json["faultstring"] == \
            "Cron trigger not found [identifier=t1]"
    app.delete("/v2/workflows/ct_wf", status=204)


def test_list_filters_fields_and_pagination(app, wf):
    ids = []
    for i, (pattern, params) in enumerate([
            ("* * * * *", {}), ("0 * * * *", {"env": {"x": 1}}),
            ("* * * * *", {})]):
        ids.append(create(app, name="t%d" % i, workflow_name="ct_wf",
                          pattern=pattern, workflow_input={"a": i},
                          workflow_params=params).json["id"])
    listed = app.get("/v2/cron_triggers").json["cron_triggers"]
    assert [t["name"] for t in listed] == ["t0", "t1", "t2"]
    assert listed[0]["updated_at"] is None

    def names(query):
        resp = app.get("/v2/cron_triggers?fields=name&" + query)
        return [t["name"] for t in resp.json["cron_triggers"]]

    assert names("pattern=0 * * * *") == ["t1"]
    assert names("pattern=neq:0 * * * *") == ["t0", "t2"]
    assert names("name=in:t0,t2") == ["t0", "t2"]
    assert names("workflow_input=%7B%22a%22%3A%202%7D") == ["t2"]
    assert names('workflow_params={"env": {"x": 1}}') == ["t1"]
    assert names("workflow_name=ct_wf") == ["t0", "t1", "t2"]
    assert names("workflow_id=%s" % wf["id"]) == ["t0", "t1", "t2"]
    assert names("remaining_executions=1") == []
    assert names("scope=private") == ["t0", "t1", "t2"]
    assert names("next_execution_time=gt:2000-01-01") == ["t0", "t1", "t2"]
    assert names("sort_keys=name&sort_dirs=desc") == ["t2", "t1", "t0"]

    page = app.get("/v2/cron_triggers?limit=2&fields=name").json
    assert [t["name"] for t in page["cron_triggers"]] == ["t0", "t1"]
    assert page["cron_triggers"][0] == {"id": ids[0], "name": "t0"}
    assert page["next"].endswith(
        "/v2/cron_triggers?sort_keys=created_at,id&sort_dirs=asc,asc"
        "&limit=2&marker=%s&fields=id,name" % ids[1])
    rest = app.get(page["next"].replace("http://localhost", "")).json
    assert [t["name"] for t in rest["cron_triggers"]] == ["t2"]
    assert "next" not in rest

    resp = app.get("/v2/cron_triggers?workflow_id=abc", status=400)
    assert "Expected a uuid but received abc." in resp.json["faultstring"]


def test_all_projects_is_admin_only(app, wf, admin_headers):
    create(app, name="t1", workflow_name="ct_wf", pattern="* * * * *",
           workflow_input={"a": 1})
    resp = app.get("/v2/cron_triggers?all_projects=true", status=403)
    assert resp.json["faultstring"] == \
        "Operation forbidden (insufficient permissions)"
    resp = app.get("/v2/cron_triggers?all_projects=true",
                   headers=admin_headers)
    assert [t["name"] for t in resp.json["cron_triggers"]] == ["t1"]


def test_public_trigger_by_admin(app, wf, admin_headers):
    resp = app.post_json("/v2/cron_triggers", {
        "name": "t1", "workflow_name": "ct_wf", "pattern": "* * * * *",
        "workflow_input": {"a": 1}, "scope": "public"},
        headers=admin_headers, status=201)
    assert resp.json["scope"] == "public"
    assert json.loads(resp.json["workflow_input"]) == {"a": 1}
