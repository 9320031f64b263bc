"""Hostile and broken requests (issue 10, item 4): each answers a 4xx with
Mistral's JSON error body, and nothing is written."""

import json
import time

import pytest

from tests.api.helpers import fault
from tests.api.helpers import post_text

JSON = {"Content-Type": "application/json"}
DEEP_YAML = "a: " + "[" * 20000 + "]" * 20000
DEEP_BLOCK_YAML = "a:\n" + "- " * 20000 + "x\n"
DEEP_JSON = "[" * 100000 + "]" * 100000
WF = 'version: "2.0"\nwf:\n  tasks:\n    t: {action: std.noop}\n'


def assert_refused(resp, status=400, words=()):
    assert resp.status_int == status, resp.body[:300]
    assert resp.content_type == "application/json"
    for word in words:
        assert word in fault(resp)
    assert "Traceback" not in resp.text and "<html" not in resp.text


def count(app, resource):
    return len(app.get("/v2/%s" % resource).json[resource])


@pytest.mark.parametrize("resource", ["workflows", "workbooks", "actions"])
@pytest.mark.parametrize("text", [DEEP_YAML, DEEP_BLOCK_YAML])
def test_deep_yaml_definition_is_400(app, resource, text):
    assert_refused(post_text(app, "/v2/" + resource, text),
                   words=["nested too deep"])
    assert count(app, resource) == 0 or resource == "actions"


@pytest.mark.parametrize("resource", ["workflows", "workbooks", "actions"])
def test_deep_yaml_validate_says_invalid(app, resource):
    resp = post_text(app, "/v2/%s/validate" % resource, DEEP_YAML)
    assert resp.status_int == 200
    assert resp.json["valid"] is False
    assert "nested too deep" in resp.json["error"]


@pytest.mark.parametrize("resource", ["executions", "environments",
                                      "cron_triggers", "action_executions"])
def test_deep_json_body_is_400(app, resource):
    for body in (DEEP_JSON, '{"input": %s}' % DEEP_JSON):
        assert_refused(app.post("/v2/" + resource, body, headers=JSON,
                                status="*"), words=["nested deeper"])


@pytest.mark.parametrize("url,body", [
    ("/v2/executions", {"workflow_name": "wf", "input": None}),
    ("/v2/executions", {"workflow_name": "wf", "params": None}),
    ("/v2/environments", {"name": "env", "variables": None}),
    ("/v2/action_executions", {"name": "std.noop", "input": None}),
])
def test_deep_json_text_in_field_is_400(app, engine, url, body):
    post_text(app, "/v2/workflows", WF)
    key = [k for k, v in body.items() if v is None][0]
    body[key] = "[" * 100000 + "]" * 100000
    assert_refused(app.post_json(url, body, status="*"),
                   words=["nested deeper"])
    assert count(app, "executions") == 0
    assert count(app, "environments") == 0


@pytest.mark.parametrize("url,body", [
    ("/v2/environments", '{"name": "e\\ud83d", "variables": {}}'),
    ("/v2/environments", '{"name": "e", "variables": {"a": "\\ud83d"}}'),
    ("/v2/environments", '{"name": "e", "description": "\\udc00"}'),
    ("/v2/executions", '{"workflow_name": "wf", "description": "\\ud83d"}'),
    ("/v2/cron_triggers", '{"name": "c\\ud83d", "workflow_name": "wf", '
                          '"pattern": "* * * * *"}'),
])
def test_lone_surrogate_is_400(app, engine, url, body):
    post_text(app, "/v2/workflows", WF)
    assert_refused(app.post(url, body, headers=JSON, status="*"),
                   words=["surrogate"])
    assert count(app, "environments") == 0
    assert count(app, "cron_triggers") == 0


def test_lone_surrogate_in_yaml_is_400(app):
    text = WF.replace("wf:\n", 'wf:\n  description: "\\ud83d"\n')
    assert_refused(post_text(app, "/v2/workflows", text),
                   words=["surrogate"])
    assert count(app, "workflows") == 0


def test_bad_utf8_is_400(app):
    assert_refused(app.post("/v2/environments", b'{"name": "e\xff"}',
                            headers=JSON, status="*"), words=["UTF-8"])
    assert_refused(post_text(app, "/v2/workflows", WF.encode() + b"\xff"),
                   words=["UTF-8"])
    assert_refused(app.get("/v2/workflows?name=%ff", status="*"),
                   words=["UTF-8"])
    assert_refused(app.get("/v2/workflows?name=%ED%A0%BD", status="*"),
                   words=["UTF-8"])


def test_body_over_the_limit_is_json_413_naming_it(app):
    body = json.dumps({"name": "big", "variables": {"a": "x" * 11000000}})
    resp = app.post("/v2/environments", body, headers=JSON, status="*")
    assert_refused(resp, 413, words=["10485760", "max_request_body_size"])
    assert "%s" not in fault(resp)
    assert count(app, "environments") == 0


def test_unknown_path_answers_json(app):
    resp = app.get("/v3/nothing", status="*")
    assert resp.status_int == 404
    assert resp.content_type == "application/json"


def test_bad_boolean_query_parameter_is_400(app):
    resp = app.delete("/v2/executions/x?force=maybe", status="*")
    assert_refused(resp, words=["acceptable values"])
    # Empty is false, as WSME reads it in Mistral 23 (python-mistralclient
    # sends errors_only= for sub-executions).
    app.delete("/v2/executions/x?force=", status=404)


def test_hostile_json_text_is_scanned_in_linear_time(app):
    """An unterminated string full of escaped quotes: the nesting scan
    must not backtrack over it (it took minutes)."""
    started = time.monotonic()
    body = '{"name": "' + '\\"' * 400000
    resp = app.post("/v2/environments", body, headers=JSON, status="*")
    assert resp.status_int == 400
    assert time.monotonic() - started < 5


def test_method_not_allowed_answers_json_and_keeps_allow(app):
    resp = app.request("/v2/workflows", method="PATCH", status="*")
    assert resp.status_int == 405
    assert resp.json["faultstring"] == "Method Not Allowed"
    assert "GET" in resp.headers["Allow"]
