"""``/info`` and ``/healthcheck`` as Mistral 23 serves them."""

import json

import pytest
import webtest

from mistral_clone.api import app as api_app


def test_info_disabled_by_default(app):
    response = app.get("/info", status=400)
    assert response.json == {"faultstring": "Info endpoint disabled."}
    assert response.headers["Content-Type"] == "application/json"


def test_info_serves_the_file(conf, db, tmp_path):
    info = {"version": "1.2.3", "build": {"commit": "abc"}}
    path = tmp_path / "info.json"
    path.write_text(json.dumps(info))
    conf.set_override("enable_info_endpoint", True, "api")
    conf.set_override("info_json_file_path", str(path), "api")
    app = webtest.TestApp(api_app.setup_app(conf))
    response = app.get("/info")
    assert response.content_type == "application/json"
    assert response.json == info
    # Read on each request.
    path.write_text(json.dumps({"version": "2"}))
    assert app.get("/info").json == {"version": "2"}
    conf.set_override("info_json_file_path", str(tmp_path / "nope.json"),
                      "api")
    assert app.get("/info", status=400).json == {
        "faultstring": "Incorrect path to info json file."}


def test_healthcheck_off_by_default(app):
    app.get("/healthcheck", status=404)


@pytest.fixture
def health_app(conf, db):
    conf.set_override("enabled", True, "healthcheck")
    return webtest.TestApp(api_app.setup_app(conf))


def test_healthcheck_checks_the_database(health_app):
    response = health_app.get("/healthcheck")
    assert response.status_int == 200
    assert response.content_type == "text/plain"
    assert response.text == "OK"
    assert health_app.head("/healthcheck").status_int == 204
    # Only its own path: the API behind it answers as before.
    health_app.get("/v3", status=404)
    assert health_app.get("/maintenance").json == {"status": "RUNNING"}


def test_healthcheck_503_without_database(conf, health_app, tmp_path):
    from mistral_clone.db import session
    conf.set_override("connection", "sqlite:///%s" % (
        tmp_path / "missing-dir" / "x.sqlite"), "database")
    session.dispose()
    response = health_app.get("/healthcheck", status=503)
    assert response.text == "DATABASE UNAVAILABLE"
