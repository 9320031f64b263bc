"""Answers pinned against the real Mistral 23 by a differential probe:
error bodies, ``next`` links, uuid filters, unknown paths, non-object JSON
bodies."""

import pytest

from tests.api.helpers import post_text

WF = """---
version: '2.0'
%s:
  tasks:
    t1:
      action: std.noop
"""


def test_definition_endpoint_error_body_is_faultstring_and_located_errors(
        app):
    # Mistral's body is the faultstring alone; ``errors`` is ours (see
    # tests/api/test_located_errors.py), no other key is added.
    resp = post_text(app, "/v2/workflows", "{{{: [", status=400)
    assert list(resp.json) == ["faultstring", "errors"]
    assert resp.json["faultstring"].startswith(
        "Definition could not be parsed")


def test_next_link_writes_eq_filters_with_operator(app):
    for name in ("w1", "w2"):
        post_text(app, "/v2/workflows", WF % name, status=201)
    link = app.get("/v2/workflows?name=w1&limit=1").json["next"]
    assert "&name=eq:w1&" in link
    assert app.get(link[link.index("/v2/"):]).json["workflows"] == []


def test_uuid_filter_takes_an_operator(app):
    rows = post_text(app, "/v2/workflows", WF % "w1", status=201).json
    wf_id = rows["workflows"][0]["id"]
    app.get("/v2/executions?workflow_id=eq:%s" % wf_id, status=200)
    app.get("/v2/executions?workflow_id=in:%s,%s" % (wf_id, wf_id),
            status=200)
    resp = app.get("/v2/executions?workflow_id=eq:nope", status=400)
    assert resp.json["faultstring"] == (
        "Invalid input for field/attribute workflow_id. Value: 'eq:nope'. "
        "unable to convert to uuid. Error: Expected a uuid but received "
        "nope.")
    resp = app.get("/v2/executions?workflow_id=in:a,b", status=400)
    assert resp.json["faultstring"].endswith("received ['a', 'b'].")


def test_cron_trigger_list_checks_its_query_types(app, admin_headers):
    resp = app.get("/v2/cron_triggers?project_id=abc", status=400,
                   headers=admin_headers)
    assert "unable to convert to uuid" in resp.json["faultstring"]
    resp = app.get("/v2/cron_triggers?remaining_executions=x", status=400)
    assert "unable to convert to integer" in resp.json["faultstring"]


def test_marker_not_found_messages(app):
    marker = "00000000-0000-0000-0000-000000000000"
    resp = app.get("/v2/environments?marker=%s" % marker, status=404)
    assert resp.json["faultstring"] == \
        "Environment not found [name=%s]" % marker
    resp = app.get("/v2/cron_triggers?marker=%s" % marker, status=404)
    assert resp.json["faultstring"] == \
        "Cron trigger not found [identifier=%s]" % marker


def test_actions_list_defaults_to_the_default_namespace(app):
    action = "---\nversion: '2.0'\na1:\n  base: std.noop\n"
    post_text(app, "/v2/actions", action, status=201)
    post_text(app, "/v2/actions?namespace=ns1", action, status=201)
    listed = app.get("/v2/actions?name=a1").json["actions"]
    assert [a["namespace"] for a in listed] == [""]
    listed = app.get("/v2/actions?name=a1&namespace=ns1").json["actions"]
    assert [a["namespace"] for a in listed] == ["ns1"]


@pytest.mark.parametrize("path", ["/foo", "/v3", "/v2/foo"])
def test_unknown_paths_are_404(app, path):
    app.get(path, status=404)


@pytest.mark.parametrize("path", ["/v2/environments", "/v2/executions",
                                  "/v2/action_executions",
                                  "/v2/cron_triggers"])
@pytest.mark.parametrize("body", ["null", "[1]", '"x"', "5"])
def test_json_body_that_is_not_an_object_is_400(app, path, body):
    # Mistral 23 answers 500 here; a clear 400 instead.
    resp = app.post(path, body, headers={"Content-Type": "application/json"},
                    status=400)
    assert resp.json["faultstring"].startswith(
        "Invalid request body: a JSON object is expected")
