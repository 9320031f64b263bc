"""/v2/workflows through the WSGI app: every behaviour checked against the
real Mistral 23 (statuses, fields and messages)."""

import json
import uuid

import pytest

from tests.api.helpers import fault, post_text, put_text




WF1 = """---
version: "2.0"
wf1:
  tags: [a, b]
  input: [x, y: 1]
  output:
    r: <% $.x %>
  tasks:
    t:
      action: std.noop
"""

TWO = """---
version: "2.0"
wf_a:
  tags: [a]
  tasks:
    t:
      action: std.noop
wf_b:
  tags: [b]
  input: [q]
  tasks:
    t:
      action: std.echo output=<% $.q %>
"""

ONE_B = """---
version: "2.0"
wf_b:
  tags: [c]
  tasks:
    t2:
      action: std.noop
"""

FIELDS = ["id", "name", "namespace", "input", "interface", "definition",
          "checksum", "tags", "scope", "project_id", "created_at",
          "updated_at"]


def create(app, text=WF1, query="", **kw):
    return post_text(app, "/v2/workflows" + query, text, status=201,
                     **kw).json["workflows"]


def names(resp):
    return [w["name"] for w in resp.json["workflows"]]


# --- create -----------------------------------------------------------------

def test_create_one_returns_201_with_mistral_fields(app):
    [wf] = create(app)
    assert wf["name"] == "wf1"
    assert wf["namespace"] == ""
    assert wf["input"] == 'x, y="1"' or wf["input"] == "x, y=1"
    assert wf["interface"] == {"input": ["x", {"y": 1}], "output": ["r"]}
    assert wf["tags"] == ["a", "b"]
    assert wf["scope"] == "private"
    assert wf["project_id"] == "<default-project>"
    assert wf["definition"] == WF1
    assert len(wf["checksum"]) == 32
    assert "updated_at" not in wf  # as Mistral's create answer
    uuid.UUID(wf["id"])


def test_get_shows_interface_as_json_text(app):
    create(app)
    got = app.get("/v2/workflows/wf1").json
    assert sorted(got) == sorted(FIELDS)
    assert json.loads(got["interface"]) == {"input": ["x", {"y": 1}],
                                            "output": ["r"]}
    assert got["updated_at"] is None


def test_several_workflows_each_stored_with_its_own_definition(app):
    wfs = create(app, TWO)
    assert [w["name"] for w in wfs] == ["wf_a", "wf_b"]
    a = app.get("/v2/workflows/wf_a").json["definition"]
    b = app.get("/v2/workflows/wf_b").json["definition"]
    assert "wf_a" in a and "wf_b" not in a
    assert "wf_b" in b and "wf_a" not in b
    assert app.get("/v2/workflows/wf_b").json["input"] == "q"


def test_duplicate_name_in_namespace_is_409(app):
    create(app)
    resp = post_text(app, "/v2/workflows", WF1, status=409)
    assert fault(resp) == ("Duplicate entry for WorkflowDefinition "
                           "['name', 'namespace', 'project_id']: wf1, , None")


def test_duplicate_in_one_text_stores_nothing(app):
    create(app, ONE_B)
    post_text(app, "/v2/workflows", TWO, status=409)
    assert names(app.get("/v2/workflows")) == ["wf_b"]


def test_same_name_in_two_namespaces(app):
    create(app)
    [other] = create(app, query="?namespace=ns1")
    assert other["namespace"] == "ns1"
    assert app.get("/v2/workflows/wf1?namespace=ns1").json["id"] == \
        other["id"]
    assert names(app.get("/v2/workflows?namespace=ns1")) == ["wf1"]
    assert len(app.get("/v2/workflows").json["workflows"]) == 2


def test_broken_yaml_is_400_and_nothing_stored(app):
    resp = post_text(app, "/v2/workflows", "foo: [", status=400)
    assert fault(resp).startswith("Definition could not be parsed")
    assert app.get("/v2/workflows").json["workflows"] == []


def test_invalid_dsl_is_400_and_nothing_stored(app):
    text = TWO.replace("action: std.noop",
                       "action: std.noop\n      on-success: [nope]", 1)
    resp = post_text(app, "/v2/workflows", text, status=400)
    assert fault(resp).startswith("Task 'nope' not found.")
    assert app.get("/v2/workflows").json["workflows"] == []


def test_empty_definition_is_400(app):
    resp = post_text(app, "/v2/workflows", "", status=400)
    assert fault(resp).startswith("Invalid DSL: 'version' is a required")


def test_skip_validation_needs_enabled_mode(app, conf):
    text = TWO.replace("action: std.noop",
                       "action: std.noop\n      on-success: [nope]", 1)
    post_text(app, "/v2/workflows?skip_validation", text, status=400)
    conf.set_override("validation_mode", "enabled", "api")
    try:
        wfs = post_text(app, "/v2/workflows?skip_validation", text,
                        status=201).json["workflows"]
    finally:
        conf.clear_override("validation_mode", "api")
    assert len(wfs) == 2


def test_scope_public_needs_admin(app, admin_headers):
    resp = post_text(app, "/v2/workflows?scope=public", WF1, status=403)
    assert fault(resp) == "Operation forbidden (insufficient permissions)"
    [wf] = create(app, query="?scope=public", headers=admin_headers)
    assert wf["scope"] == "public"


def test_bad_scope_is_400(app):
    resp = post_text(app, "/v2/workflows?scope=bad", WF1, status=400)
    assert fault(resp) == ("Scope must be one of the following: "
                           "{'public', 'private'}; actual: bad")


def test_huge_body_is_refused(app, conf):
    size = conf.oslo_middleware.max_request_body_size
    text = WF1 + "#" * (size + 10)
    resp = post_text(app, "/v2/workflows", text)
    assert resp.status_int == 413
    assert app.get("/v2/workflows").json["workflows"] == []


# --- get / delete -----------------------------------------------------------

def test_get_by_name_and_by_uuid(app):
    [wf] = create(app)
    assert app.get("/v2/workflows/wf1").json["id"] == wf["id"]
    assert app.get("/v2/workflows/%s" % wf["id"]).json["name"] == "wf1"


def test_get_fields(app):
    create(app)
    got = app.get("/v2/workflows/wf1?fields=name,tags").json
    assert sorted(got) == ["id", "name", "tags"]


def test_get_404_by_name_and_by_uuid(app):
    resp = app.get("/v2/workflows/nope", status=404)
    assert fault(resp) == ("Workflow not found "
                           "[workflow_identifier=nope, namespace=]")
    wid = str(uuid.uuid4())
    resp = app.get("/v2/workflows/%s" % wid, status=404)
    assert fault(resp) == ("Workflow not found "
                           "[workflow_identifier=%s, namespace=]" % wid)
    create(app)
    resp = app.get("/v2/workflows/wf1?namespace=other", status=404)
    assert fault(resp) == ("Workflow not found "
                           "[workflow_identifier=wf1, namespace=other]")


def test_delete_by_name_uuid_and_namespace(app):
    [wf] = create(app)
    create(app, query="?namespace=ns1")
    app.delete("/v2/workflows/wf1?namespace=ns1", status=204)
    app.get("/v2/workflows/wf1?namespace=ns1", status=404)
    app.delete("/v2/workflows/%s" % wf["id"], status=204)
    resp = app.delete("/v2/workflows/wf1", status=404)
    assert fault(resp) == ("Workflow not found "
                           "[workflow_identifier=wf1, namespace=]")


# --- update -----------------------------------------------------------------

def test_update_by_name_in_definition(app):
    create(app, TWO)
    resp = put_text(app, "/v2/workflows", ONE_B, status=200)
    [wf] = resp.json["workflows"]
    assert wf["tags"] == ["c"] and wf["updated_at"]
    assert app.get("/v2/workflows/wf_b").json["definition"] == ONE_B


def test_update_by_uuid_and_by_name_identifier(app):
    [_a, b] = create(app, TWO)
    got = put_text(app, "/v2/workflows/%s" % b["id"], ONE_B,
                   status=200).json
    assert got["id"] == b["id"] and got["tags"] == ["c"]
    got = put_text(app, "/v2/workflows/wf_b", ONE_B, status=200).json
    assert got["id"] == b["id"]


def test_update_with_identifier_takes_one_workflow_only(app):
    [a, _b] = create(app, TWO)
    resp = put_text(app, "/v2/workflows/%s" % a["id"], TWO, status=400)
    assert fault(resp) == ("More than one workflows are not supported for "
                           "update with identifier. [identifier: %s]"
                           % a["id"])


def test_update_missing_is_404(app):
    resp = put_text(app, "/v2/workflows/nope", WF1, status=404)
    assert fault(resp) == ("Workflow not found "
                           "[workflow_identifier=nope, namespace=]")
    resp = put_text(app, "/v2/workflows", WF1, status=404)
    assert "workflow_identifier=wf1" in fault(resp)


def test_update_in_namespace(app):
    create(app, query="?namespace=ns1")
    put_text(app, "/v2/workflows?namespace=ns1", WF1, status=200)
    put_text(app, "/v2/workflows", WF1, status=404)


def test_update_to_public_needs_admin(app, admin_headers):
    create(app)
    put_text(app, "/v2/workflows?scope=public", WF1, status=403)
    put_text(app, "/v2/workflows?scope=public", WF1, status=200,
             headers=admin_headers)
    assert app.get("/v2/workflows/wf1").json["scope"] == "public"


def test_update_invalid_changes_nothing(app):
    create(app)
    put_text(app, "/v2/workflows", "foo: [", status=400)
    assert app.get("/v2/workflows/wf1").json["definition"] == WF1


# --- list -------------------------------------------------------------------

@pytest.fixture
def three(app):
    """wf_a (tags a), wf_b (tags b, input q), wf1 (tags a, b, in ns1)."""
    create(app, TWO)
    create(app, query="?namespace=ns1")
    return app


@pytest.mark.parametrize("query, expected", [
    ("name=wf_a", ["wf_a"]),
    ("name=eq:wf_a", ["wf_a"]),
    ("name=neq:wf_a", ["wf_b", "wf1"]),
    ("name=in:wf_a,wf1", ["wf_a", "wf1"]),
    ("name=nin:wf_a,wf1", ["wf_b"]),
    ("name=has:wf_", ["wf_a", "wf_b"]),
    ("name=gt:wf_a", ["wf_b"]),
    ("name=gte:wf_a", ["wf_a", "wf_b"]),
    ("name=lt:wf_b", ["wf_a", "wf1"]),
    ("name=lte:wf_b", ["wf_a", "wf_b", "wf1"]),
    ("tags=a", ["wf_a", "wf1"]),
    ("tags=b", ["wf_b", "wf1"]),
    ("tags=a,b", ["wf1"]),
    ("tags=in:a,b", ["wf_a", "wf_b", "wf1"]),
    ("tags=neq:a", ["wf_b"]),
    ("input=q", ["wf_b"]),
    ("input=has:x", ["wf1"]),
    ("definition=has:echo", ["wf_b"]),
    ("scope=private", ["wf_a", "wf_b", "wf1"]),
    ("scope=public", []),
    ("namespace=ns1", ["wf1"]),
    ("namespace=", ["wf_a", "wf_b"]),
    ("created_at=gt:2000-01-01", ["wf_a", "wf_b", "wf1"]),
    ("created_at=lt:2000-01-01T00:00:00", []),
    ("updated_at=null", ["wf_a", "wf_b", "wf1"]),
    ("updated_at=neq:null", []),
])
def test_list_filters(three, query, expected):
    resp = three.get("/v2/workflows?sort_keys=name&" + query)
    assert sorted(names(resp)) == sorted(expected)


def test_list_fields_adds_id(three):
    resp = three.get("/v2/workflows?fields=name")
    for item in resp.json["workflows"]:
        assert sorted(item) == ["id", "name"]


def test_list_sort_and_pagination(three):
    resp = three.get("/v2/workflows?sort_keys=name&sort_dirs=desc&limit=2")
    assert names(resp) == ["wf_b", "wf_a"]
    link = resp.json["next"]
    # Mistral breaks ties by id ascending, whatever the first direction.
    assert "/v2/workflows?sort_keys=name,id&sort_dirs=desc,asc" in link
    assert "limit=2&marker=" in link
    rest = three.get(link[link.index("/v2/"):])
    assert names(rest) == ["wf1"]
    assert "next" not in rest.json


def test_list_next_link_keeps_filters_and_fields(three):
    resp = three.get("/v2/workflows?limit=1&name=has:wf_&fields=name")
    link = resp.json["next"]
    assert "name=has:wf_" in link and "fields=id,name" in link
    second = three.get(link[link.index("/v2/"):])
    assert len(second.json["workflows"]) == 1
    assert second.json["workflows"][0]["name"] != \
        resp.json["workflows"][0]["name"]


def test_list_default_order_is_created_at(three):
    assert names(three.get("/v2/workflows")) == ["wf_a", "wf_b", "wf1"]


@pytest.mark.parametrize("query, message", [
    ("sort_keys=foo", "Sort key supplied is invalid: foo"),
    ("sort_dirs=up", "Unknown sort direction, must be 'desc' or 'asc'."),
    ("sort_keys=name&sort_dirs=asc,desc",
     "Length of sort_keys must be equal or greater than sort_dirs."),
    ("limit=0", "Limit must be positive."),
    ("limit=-1", "Limit must be positive."),
    ("marker=abc", "Invalid input for field/attribute marker. Value: "
                   "'abc'. unable to convert to uuid. Error: Expected a "
                   "uuid but received abc."),
    ("fields=bogus", "Some fields do not exist  [bogus], please choose from "
                     "[%s]" % ", ".join(FIELDS)),
    ("bogus=1", 'Unknown argument: "bogus"'),
    ("created_at=gt:abc", "Invalid value for filter created_at: 'abc' is "
                          "not a date-time"),
])
def test_list_bad_query_is_400(three, query, message):
    resp = three.get("/v2/workflows?" + query, status=400)
    assert fault(resp) == message


def test_list_unknown_marker_is_404(three):
    wid = str(uuid.uuid4())
    resp = three.get("/v2/workflows?marker=" + wid, status=404)
    assert wid in fault(resp)


def test_all_projects_and_project_id_are_admin_only(three, admin_headers):
    pid = str(uuid.uuid4())
    for query in ("all_projects=true", "project_id=" + pid):
        resp = three.get("/v2/workflows?" + query, status=403)
        assert fault(resp) == "Operation forbidden (insufficient permissions)"
    resp = three.get("/v2/workflows?all_projects=true",
                     headers=admin_headers)
    assert len(resp.json["workflows"]) == 3
    resp = three.get("/v2/workflows?project_id=" + pid,
                     headers=admin_headers)
    assert resp.json["workflows"] == []


# --- validate ---------------------------------------------------------------

def test_validate(app):
    resp = post_text(app, "/v2/workflows/validate", TWO, status=200)
    assert resp.json == {"valid": True}
    resp = post_text(app, "/v2/workflows/validate", "foo: [", status=200)
    assert resp.json["valid"] is False
    assert resp.json["error"].startswith("Definition could not be parsed")
    assert app.get("/v2/workflows").json["workflows"] == []
