"""``/ui/``: the web view's files and its permissions answer, mounted in
front of the API without changing anything under ``/v2``."""

import json

import pytest
import webtest

from mistral_clone.api import app as api_app
from mistral_clone.api import ui

PAGE_FILES = ["index.html", "app.js", "api.js", "style.css", "yaml.js",
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


def test_permissions_follow_the_policy(conf, db, tmp_path):
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text('"tasks:update": "!"\n')
    conf.set_override("policy_file", str(policy_file), "oslo_policy")
    try:
        from mistral_clone.api import policy
        policy._enforcer = None
        app = webtest.TestApp(api_app.setup_app(conf))
        answer = json.loads(app.get("/ui/permissions").body)
        assert answer == {"executions:update": True, "tasks:update": False}
    finally:
        conf.clear_override("policy_file", "oslo_policy")
        policy._enforcer = None


def test_disabled(conf, db):
    conf.set_override("ui_enabled", False, "api")
    app = webtest.TestApp(api_app.setup_app(conf))
    app.get("/ui/", status=404)
    app.get("/ui/permissions", status=404)


def test_v2_is_unchanged(app):
    """The API below is reached as before."""
    assert app.get("/v2/executions").json == {"executions": []}
    assert app.get("/").json["versions"][0]["id"] == "v2.0"


def test_static_files_are_all_listed():
    """The test above covers every file the package ships."""
    assert sorted(ui._static_files()) == sorted(PAGE_FILES)
