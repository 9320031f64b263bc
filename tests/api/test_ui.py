"""``/ui/``: the web view's files and its permissions answer, mounted in
front of the API without changing anything under ``/v2``."""

import json
import os

import pytest
import webtest

from mistral_clone.api import app as api_app
from mistral_clone.api import ui
from tests.api.helpers import post_text
from tests.functional import ui_world

PAGE_FILES = ["index.html", "app.js", "api.js", "style.css",
              "spec.js", "layout.js", "graph.js", "timeline.js",
              "execution.js", "list.js", "states.js"]


def test_page_is_served(app):
    response = app.get("/ui/")
    assert response.content_type == "text/html"
    assert b'<script type="module" src="app.js">' in response.body
    assert app.get("/ui/index.html").body == response.body


@pytest.mark.parametrize("name", PAGE_FILES)
def test_every_file_of_the_page(app, name):
    response = app.get("/ui/" + name)
    assert response.body
    expected = {"html": "text/html", "js": "text/javascript",
                "css": "text/css"}[name.rsplit(".", 1)[1]]
    assert response.content_type == expected


def test_nothing_is_fetched_from_elsewhere(app):
    """Works offline: no file of the page names another host."""
    for name in PAGE_FILES:
        # The SVG namespace is a name, never fetched.
        body = app.get("/ui/" + name).text.replace(
            "http://www.w3.org/2000/svg", "")
        assert "http://" not in body and "https://" not in body, name
        assert "//cdn" not in body, name


def test_bare_prefix_redirects(app):
    response = app.get("/ui", status=301)
    assert response.headers["Location"].endswith("/ui/")


def test_unknown_files_and_paths_outside_the_page(app):
    app.get("/ui/nope.js", status=404)
    app.get("/ui/../setup.cfg", status=404)
    app.get("/ui/%2e%2e/ui.py", status=404)


def test_only_reads(app):
    response = app.post("/ui/index.html", status=405)
    assert response.headers["Allow"] == "GET, HEAD"
    assert app.head("/ui/app.js").body == b""


def test_permissions_with_auth_off(app):
    answer = json.loads(app.get("/ui/permissions").body)
    assert answer == {"executions:update": True, "tasks:update": True}


def test_permissions_follow_the_policy(conf, db, policy_file):
    policy_file.write_text('"tasks:update": "!"\n')
    app = webtest.TestApp(api_app.setup_app(conf))
    answer = json.loads(app.get("/ui/permissions").body)
    assert answer == {"executions:update": True, "tasks:update": False}


def test_disabled(conf, db):
    conf.set_override("ui_enabled", False, "api")
    app = webtest.TestApp(api_app.setup_app(conf))
    app.get("/ui/", status=404)
    app.get("/ui/permissions", status=404)
    app.get("/ui/graph?workflow_id=x", status=404)


def test_v2_is_unchanged(app):
    """The API below is reached as before."""
    assert app.get("/v2/executions").json == {"executions": []}
    assert app.get("/").json["versions"][0]["id"] == "v2.0"


def test_static_files_are_all_listed():
    """The test above covers every file the package ships."""
    assert sorted(ui._static_files()) == sorted(PAGE_FILES)


# Every form of transition Mistral accepts, task-defaults, engine commands.
FORMS = """\
version: '2.0'
forms:
  task-defaults:
    on-error: [d]
  tasks:
    a:
      action: std.noop  # a comment
      on-success:
        - b
        - c: <% $.x > 1 %>
        - fail
      on-error: d msg="x"
      on-complete:
        next: e
        publish:
          branch:
            text: |
              more: than
              one line
    b: {action: std.noop, on-success: [e]}
    c:
      action: std.echo output="#1"
      on-skip: e

    # a comment between tasks
    d:
      workflow: other
    e:
      join: 2
      with-items: i in [1, 2]
      retry: {count: 3, delay: 1}
"""


def _graph(app, wf_id, **kwargs):
    return app.get("/ui/graph", {"workflow_id": wf_id}, **kwargs)


def test_graph_of_every_form_of_transition(app):
    wf = post_text(app, "/v2/workflows", FORMS, status=201).json[
        "workflows"][0]
    answer = _graph(app, wf["id"]).json
    assert answer["definition"] == FORMS
    graph = answer["graph"]
    assert graph["type"] == "direct"
    assert sorted((e["from"], e["to"], e["kind"]) for e in graph["edges"]) \
        == sorted([("a", "b", "success"), ("a", "c", "success"),
                   ("a", "d", "error"), ("a", "e", "complete"),
                   ("b", "e", "success"), ("b", "d", "error"),
                   ("c", "e", "skip"), ("c", "d", "error"),
                   ("e", "d", "error")])
    tasks = {t["name"]: t for t in graph["tasks"]}
    assert list(tasks) == ["a", "b", "c", "d", "e"]
    assert tasks["a"]["lines"] == [6, 19]
    assert tasks["b"]["lines"] == [20, 20]
    assert tasks["c"]["lines"] == [21, 23]
    assert tasks["d"]["lines"] == [26, 27]
    assert tasks["e"]["lines"] == [28, 31]
    assert (tasks["e"]["join"], tasks["e"]["withItems"],
            tasks["e"]["retry"]) == ("2", True, 3)
    assert (tasks["d"]["workflow"], tasks["d"]["action"]) == ("other", None)
    assert tasks["c"]["action"] == "std.echo"
    assert (tasks["a"]["join"], tasks["a"]["withItems"],
            tasks["a"]["retry"]) == (None, False, None)


def test_graph_of_a_workbook_reverse_workflow(app):
    post_text(app, "/v2/workbooks", ui_world.WORKBOOK, status=201)
    wf_id = app.get("/v2/workflows/ui_book.backwards").json["id"]
    answer = _graph(app, wf_id).json
    graph = answer["graph"]
    assert graph["type"] == "reverse"
    assert sorted((e["from"], e["to"], e["kind"]) for e in graph["edges"]) \
        == [("first", "second", "requires"), ("second", "last", "requires")]
    lines = answer["definition"].splitlines()
    last = next(t for t in graph["tasks"] if t["name"] == "last")["lines"]
    assert lines[last[0] - 1].strip() == "last:"
    assert lines[last[1] - 1].strip() == "requires: [second]"


def test_graph_refusals(app, policy_file, monkeypatch):
    assert _graph(app, "", status=400).json == {
        "faultstring": "workflow_id is required", "debuginfo": None}
    missing = _graph(app, "nope", status=404).json["faultstring"]
    assert "nope" in missing
    policy_file.write_text('"workflows:get": "!"\n')
    os.utime(policy_file, (1, 2_000_000_000))
    from mistral_clone.api import policy
    monkeypatch.setattr(policy._decisions, "TTL", 0.0)  # none kept
    assert _graph(app, "nope", status=403).json["faultstring"] == \
        "Operation forbidden (insufficient permissions)"
