"""/v2/workbooks through the WSGI app, checked against the real Mistral 23."""

import uuid

import pytest

from tests.api.helpers import fault, post_text, put_text

WB = """---
version: "2.0"
name: wb1
tags: [t1]
actions:
  a1:
    base: std.echo output="x"
    input: [p, q: 2]
workflows:
  w1:
    tasks:
      t:
        action: std.noop
  w2:
    input: [x]
    tasks:
      t:
        action: wb1.a1 p=1
"""

WB_V2 = """---
version: "2.0"
name: wb1
workflows:
  w1:
    tags: [new]
    tasks:
      t:
        action: std.echo output=1
"""

FIELDS = ["id", "name", "namespace", "definition", "tags", "scope",
          "project_id", "created_at", "updated_at"]




def wf_names(app, query=""):
    resp = app.get("/v2/workflows?sort_keys=name" + query)
    return [w["name"] for w in resp.json["workflows"]]


def adhoc_names(app):
    resp = app.get("/v2/actions?is_system=false")
    return [a["name"] for a in resp.json["actions"]]


def test_create_returns_workbook_and_stores_members(app):
    resp = post_text(app, "/v2/workbooks", WB, status=201)
    body = resp.json
    assert sorted(body) == sorted(f for f in FIELDS if f != "updated_at")
    assert body["name"] == "wb1" and body["definition"] == WB
    assert body["tags"] == ["t1"] and body["scope"] == "private"
    assert body["namespace"] == ""
    assert body["project_id"] == "<default-project>"
    uuid.UUID(body["id"])
    assert wf_names(app) == ["wb1.w1", "wb1.w2"]
    w2 = app.get("/v2/workflows/wb1.w2").json
    assert w2["definition"].startswith("w2:\n")
    assert "wb1.a1" in w2["definition"] and "w1:" not in w2["definition"]
    assert w2["input"] == "x"
    action = app.get("/v2/actions/wb1.a1").json
    assert action["input"] == "p, q=2"
    assert action["definition"].startswith("a1:\n")
    assert action["is_system"] is False


def test_get_and_fields(app):
    wb = post_text(app, "/v2/workbooks", WB, status=201).json
    got = app.get("/v2/workbooks/wb1").json
    assert sorted(got) == sorted(FIELDS)
    assert got["id"] == wb["id"] and got["updated_at"] is None
    got = app.get("/v2/workbooks/wb1?fields=name").json
    assert got == {"id": wb["id"], "name": "wb1"}


def test_duplicate_is_409_and_keeps_the_first(app):
    post_text(app, "/v2/workbooks", WB, status=201)
    resp = post_text(app, "/v2/workbooks", WB, status=409)
    assert fault(resp) == ("Duplicate entry for WorkbookDefinition "
                           "['name', 'namespace', 'project_id']: wb1, , None")
    assert wf_names(app) == ["wb1.w1", "wb1.w2"]


def test_namespaces(app):
    post_text(app, "/v2/workbooks", WB, status=201)
    wb = post_text(app, "/v2/workbooks?namespace=ns1", WB, status=201).json
    assert wb["namespace"] == "ns1"
    assert app.get("/v2/workbooks/wb1?namespace=ns1").json["id"] == wb["id"]
    assert wf_names(app, "&namespace=ns1") == ["wb1.w1", "wb1.w2"]
    app.delete("/v2/workbooks/wb1?namespace=ns1", status=204)
    assert wf_names(app, "&namespace=ns1") == []
    assert wf_names(app) == ["wb1.w1", "wb1.w2"]


def test_update_replaces_members(app):
    post_text(app, "/v2/workbooks", WB, status=201)
    body = put_text(app, "/v2/workbooks", WB_V2, status=200).json
    assert body["definition"] == WB_V2 and body["tags"] == []
    assert body["updated_at"]
    assert wf_names(app) == ["wb1.w1"]
    assert app.get("/v2/workflows/wb1.w1").json["tags"] == ["new"]
    assert adhoc_names(app) == []


def test_update_missing_is_404(app):
    resp = put_text(app, "/v2/workbooks", WB, status=404)
    assert fault(resp) == "Workbook not found [name=wb1, namespace=]"


def test_delete_removes_members(app):
    post_text(app, "/v2/workbooks", WB, status=201)
    app.delete("/v2/workbooks/wb1", status=204)
    assert wf_names(app) == [] and adhoc_names(app) == []
    resp = app.delete("/v2/workbooks/wb1", status=404)
    assert fault(resp) == ("Workbook not found "
                           "[workbook_name=wb1, namespace=]")
    resp = app.get("/v2/workbooks/wb1", status=404)
    assert fault(resp) == "Workbook not found [name=wb1, namespace=]"


def test_invalid_definition_stores_nothing(app):
    bad = WB.replace("action: std.noop",
                     "action: std.noop\n        on-success: [nope]")
    resp = post_text(app, "/v2/workbooks", bad, status=400)
    assert "nope" in fault(resp)
    post_text(app, "/v2/workbooks", "foo: [", status=400)
    assert app.get("/v2/workbooks").json["workbooks"] == []
    assert wf_names(app) == [] and adhoc_names(app) == []


def test_scope(app, admin_headers):
    resp = post_text(app, "/v2/workbooks?scope=public", WB, status=403)
    assert fault(resp) == "Operation forbidden (insufficient permissions)"
    post_text(app, "/v2/workbooks?scope=bad", WB, status=400)
    wb = post_text(app, "/v2/workbooks?scope=public", WB, status=201,
                   headers=admin_headers).json
    assert wb["scope"] == "public"
    assert app.get("/v2/workflows/wb1.w1").json["scope"] == "public"


@pytest.fixture
def two(app):
    post_text(app, "/v2/workbooks", WB, status=201)
    post_text(app, "/v2/workbooks?namespace=ns1",
              WB_V2.replace("wb1", "wb2"), status=201)
    return app


@pytest.mark.parametrize("query, expected", [
    ("", ["wb1", "wb2"]),
    ("name=wb1", ["wb1"]),
    ("name=neq:wb1", ["wb2"]),
    ("name=in:wb1,wb2", ["wb1", "wb2"]),
    ("tags=t1", ["wb1"]),
    ("namespace=ns1", ["wb2"]),
    ("scope=private", ["wb1", "wb2"]),
    ("definition=has:a1", ["wb1"]),
    ("created_at=gte:2000-01-01", ["wb1", "wb2"]),
    ("updated_at=null", ["wb1", "wb2"]),
])
def test_list_filters(two, query, expected):
    resp = two.get("/v2/workbooks?" + query)
    assert [w["name"] for w in resp.json["workbooks"]] == expected


def test_list_pagination_sort_fields(two):
    resp = two.get("/v2/workbooks?limit=1&sort_keys=name&sort_dirs=desc"
                   "&fields=name")
    assert resp.json["workbooks"][0]["name"] == "wb2"
    assert sorted(resp.json["workbooks"][0]) == ["id", "name"]
    link = resp.json["next"]
    nxt = two.get(link[link.index("/v2/"):]).json
    assert [w["name"] for w in nxt["workbooks"]] == ["wb1"]


@pytest.mark.parametrize("query", ["sort_keys=bad", "limit=0", "marker=x",
                                   "bogus=1", "fields=bad"])
def test_list_bad_query_is_400(two, query):
    two.get("/v2/workbooks?" + query, status=400)


def test_validate(app):
    assert post_text(app, "/v2/workbooks/validate", WB).json == \
        {"valid": True}
    resp = post_text(app, "/v2/workbooks/validate", "foo: [").json
    assert resp["valid"] is False and resp["error"]
