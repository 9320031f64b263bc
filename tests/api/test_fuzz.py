"""Fuzzing every endpoint and method of the API (issue 10): malformed JSON
and YAML, wrong types, huge and deeply nested values, bad UTF-8, lone
surrogates, hostile path segments and query parameters.

Whatever comes in, the answer is never a 5xx, an error is Mistral's JSON
body without a traceback or HTML, and a refused request writes nothing (the
row count of every table is unchanged). Runs on SQLite and, when
``MISTRAL_CLONE_TEST_PG_URL`` is set, on PostgreSQL; the examples are
bounded and derandomized, so a run is repeatable and short.
"""

import json
import os
import urllib.parse

import pytest
import sqlalchemy as sa
import webob
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from mistral_clone.db import models
from mistral_clone.db import session as db_session
from tests.api import runtime_rows
from tests.api.helpers import post_text
from tests.conftest import DATABASES
from tests.conftest import each_database_url

db_url = pytest.fixture(params=DATABASES, name="db_url")(each_database_url)

# More examples for a longer hunt: MISTRAL_CLONE_FUZZ_EXAMPLES=1000.
FUZZ = settings(
    max_examples=int(os.environ.get("MISTRAL_CLONE_FUZZ_EXAMPLES", 60)), deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture,
                           HealthCheck.too_slow, HealthCheck.data_too_large])

WF = 'version: "2.0"\nwf:\n  input: [x]\n  tasks:\n    t: {action: std.noop}\n'
WB = 'version: "2.0"\nname: wb\nworkflows:\n  wf2:\n    tasks:\n' \
     '      t: {action: std.noop}\n'
ACTION = 'version: "2.0"\nmy_action:\n  base: std.noop\n'

DEFINITIONS = ("workflows", "workbooks", "actions")
JSON_RESOURCES = ("executions", "tasks", "action_executions",
                  "environments", "cron_triggers")
FIELDS = ("name", "workflow_name", "workflow_id", "workflow_namespace",
          "input", "params", "variables", "description", "state",
          "state_info", "output", "pattern", "remaining_executions",
          "first_execution_time", "scope", "workflow_input",
          "workflow_params", "id", "task_execution_id", "run_sync",
          "save_result", "namespace", "env", "reset", "result", "published",
          "source_execution_id", "tags")
QUERY_KEYS = ("limit", "marker", "sort_keys", "sort_dirs", "fields", "name",
              "all_projects", "namespace", "scope", "skip_validation",
              "project_id", "state", "created_at", "workflow_input",
              "include_output", "max_depth", "errors_only", "force",
              "input", "tags", "task_execution_id", "workflow_id")

RAW_QUERY_VALUES = ("%ff", "%ED%A0%BD", "\xff", "%")
DEEP = "[" * 5000 + "]" * 5000
specials = st.sampled_from([
    "", "\x00", "a/b", "..", "\ud83d", "\udc00x", "x" * 5000, 10 ** 40,
    -1, 0, 2 ** 63, 1e308, -0.0, [], {}, DEEP, '{"a": ' * 200 + "1" +
    "}" * 200, "<% 1 %>", "{{ 1 }}", "SUCCESS", "ERROR", "RUNNING",
    "PAUSED", "private", "public", "wf", "wb.wf2", "env", "* * * * *",
    "2030-01-01 00:00", "not a date", "00000000-0000-0000-0000-000000000000",
    True, None])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20)
    | st.floats(allow_nan=False, allow_infinity=False) | specials,
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=12)
objects = st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=6)
json_bodies = st.one_of(
    objects.map(json.dumps).map(str.encode),
    json_values.map(json.dumps).map(str.encode),
    st.binary(max_size=200),
    st.sampled_from([b"{", b"", b"null", b"[1]", b'{"a":', b"\xff\xfe",
                     b'{"name": "\xed\xa0\xbd"}', DEEP.encode(),
                     b'{"input": ' + DEEP.encode() + b"}"]))
yaml_bodies = st.one_of(
    st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.binary(max_size=200),
    objects.map(json.dumps).map(str.encode),
    st.sampled_from([
        WF, WB, ACTION, "a: " + "[" * 3000 + "]" * 3000, "- " * 3000 + "x",
        "a: &a [*a, *a]", "!!python/object/apply:os.system ['true']",
        'version: "2.0"\nwf:\n  tasks: 5\n', 'version: "2.0"\n"a/b": {}\n',
        'version: "2.0"\nwf:\n  description: "\\ud83d"\n',
        'version: "2.0"\nwf:\n  tasks:\n    t: {action: "<% $.( %>"}\n',
        "version: 2.0\nname: " + "n" * 300 + "\n"]).map(str.encode))
segments = st.one_of(st.text(max_size=20), specials.map(str),
                     st.sampled_from(["{wf_ex}", "{task}", "{action_ex}",
                                      "{cron}", "%ff", "%00", "wf", "env"]))
query_values = st.one_of(st.text(max_size=20), specials.map(str),
                         st.sampled_from(RAW_QUERY_VALUES + ("-5", "abc",
                                          "name,created_at", "desc,asc",
                                          "eq:x", "in:a,b", "x" * 3000)))
queries = st.dictionaries(st.sampled_from(QUERY_KEYS), query_values,
                          max_size=4)


@pytest.fixture
def world(app, engine, admin_headers):
    """A workflow, a workbook, an action, an environment, a cron trigger
    and runtime rows, so that paths can name things that exist."""
    post_text(app, "/v2/workflows", WF, status=201)
    post_text(app, "/v2/workbooks", WB, status=201)
    post_text(app, "/v2/actions", ACTION, status=201)
    app.post_json("/v2/environments", {"name": "env", "variables": {}},
                  status=201)
    cron = app.post_json("/v2/cron_triggers", {
        "name": "cron", "workflow_name": "wf", "pattern": "0 0 1 1 *",
        "workflow_input": {"x": 1}}, status=201).json
    wf_ex = runtime_rows.wf_ex()
    task = runtime_rows.task_ex(wf_ex)
    action_ex = runtime_rows.action_ex(task)
    return {"wf_ex": wf_ex.id, "task": task.id, "action_ex": action_ex.id,
            "cron": cron["id"]}


def quoted(segment: str, world) -> str:
    if segment.startswith("{") and segment[1:-1] in world:
        return world[segment[1:-1]]
    if segment in ("%ff", "%00"):
        return segment
    return urllib.parse.quote(segment.encode("utf-8", "surrogatepass"),
                              safe="")


def query_string(query: dict) -> str:
    """As a WSGI server hands it: latin-1 text of the bytes sent."""
    return "&".join(
        "%s=%s" % (k, v if v in RAW_QUERY_VALUES else urllib.parse.quote(
            v.encode("utf-8", "surrogatepass"), safe=","))
        for k, v in query.items())


def row_counts() -> dict:
    with db_session.read_only() as session:
        return {table.name: session.execute(
            sa.select(sa.func.count()).select_from(table)).scalar()
            for table in models.Base.metadata.sorted_tables}


def call(app, method, path, body=b"", content_type=None, headers=None):
    request = webob.Request.blank(path, method=method)
    if body or method in ("POST", "PUT"):
        request.body = body
        request.content_type = content_type or "application/json"
    for name, value in (headers or {}).items():
        request.headers[name] = value
    return request.get_response(app.app)


def assert_sane(resp, what):
    assert resp.status_int < 500, (what, resp.status, resp.body[:500])
    text = resp.body.decode("utf-8", "replace")
    assert "Traceback" not in text and "<html" not in text.lower(), what
    if resp.status_int >= 400:
        assert resp.content_type == "application/json", (what, text[:300])
        assert "faultstring" in json.loads(text), (what, text[:300])


def assert_refusal_wrote_nothing(resp, before, what):
    if resp.status_int >= 400:
        assert row_counts() == before, (what, resp.status, resp.body[:300])


@FUZZ
@given(data=st.data())
def test_reads(app, world, admin_headers, data):
    resource = data.draw(st.sampled_from(DEFINITIONS + JSON_RESOURCES))
    tail = data.draw(st.lists(segments, max_size=2))
    path = "/".join(["/v2", resource] + [quoted(s, world) for s in tail])
    query = query_string(data.draw(queries))
    headers = data.draw(st.sampled_from([{}, admin_headers]))
    resp = call(app, "GET", path + ("?" + query if query else ""),
                headers=headers)
    assert_sane(resp, (path, query))


@FUZZ
@given(data=st.data())
def test_json_writes(app, world, data):
    resource = data.draw(st.sampled_from(JSON_RESOURCES))
    method = data.draw(st.sampled_from(["POST", "PUT"]))
    tail = data.draw(st.lists(segments, max_size=1))
    path = "/".join(["/v2", resource] + [quoted(s, world) for s in tail])
    body = data.draw(json_bodies)
    content_type = data.draw(st.sampled_from(
        ["application/json", "text/plain", "application/x-www-form-"
         "urlencoded"]))
    before = row_counts()
    resp = call(app, method, path, body, content_type)
    assert_sane(resp, (method, path, body[:200]))
    assert_refusal_wrote_nothing(resp, before, (method, path, body[:200]))


@FUZZ
@given(data=st.data())
def test_definition_writes(app, world, data):
    resource = data.draw(st.sampled_from(DEFINITIONS))
    method, suffix = data.draw(st.sampled_from(
        [("POST", ""), ("PUT", ""), ("POST", "/validate"), ("PUT", "/wf")]))
    query = query_string(data.draw(queries))
    path = "/v2/%s%s%s" % (resource, suffix, "?" + query if query else "")
    body = data.draw(yaml_bodies)
    before = row_counts()
    resp = call(app, method, path, body, "text/plain")
    assert_sane(resp, (method, path, body[:200]))
    assert_refusal_wrote_nothing(resp, before, (method, path, body[:200]))


@FUZZ
@given(data=st.data())
def test_deletes(app, world, admin_headers, data):
    resource = data.draw(st.sampled_from(DEFINITIONS + JSON_RESOURCES))
    segment = quoted(data.draw(segments), world)
    query = query_string(data.draw(queries))
    path = "/v2/%s/%s%s" % (resource, segment, "?" + query if query else "")
    before = row_counts()
    resp = call(app, "DELETE", path, headers=admin_headers)
    assert_sane(resp, path)
    assert_refusal_wrote_nothing(resp, before, path)
