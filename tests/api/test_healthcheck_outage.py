"""``/healthcheck`` while PostgreSQL is away (a TcpProxy between the app
and the server, cut and restored; the shared server is never touched):
GET and HEAD, plain and detailed, answer 503 while the database does not
answer and 200/204 again once it does, without a restart.

Mistral 23 mounts the same oslo.middleware (8.2.0) healthcheck without
any backend, so its answer is 200 with an empty body (HEAD: 204) whatever
the database does; ours has the ``database`` backend by default (see the
README, Operations)."""

import json

import pytest
import webtest
from oslo_middleware.healthcheck import opts as healthcheck_opts

from mistral_clone.api import app as api_app
from tests.conftest import PG_URL

pytestmark = [
    pytest.mark.postgresql,
    pytest.mark.skipif(not PG_URL, reason="MISTRAL_CLONE_TEST_PG_URL unset"),
]


def _health_app(conf, detailed):
    conf.set_override("enabled", True, "healthcheck")
    conf.register_opts(healthcheck_opts.HEALTHCHECK_OPTS, group="healthcheck")
    conf.set_override("detailed", detailed, "healthcheck")
    return webtest.TestApp(api_app.setup_app(conf))


@pytest.mark.parametrize("detailed", [False, True])
def test_healthcheck_through_a_database_outage(conf, db_proxy, detailed):
    app = _health_app(conf, detailed)

    def answers():
        text = app.get("/healthcheck", expect_errors=True)
        as_json = app.get("/healthcheck", expect_errors=True,
                          headers={"Accept": "application/json"})
        head = app.head("/healthcheck", expect_errors=True)
        return text, as_json, head

    text, as_json, head = answers()
    assert (text.status_int, text.content_type, text.text) == (
        200, "text/plain", "OK")
    assert json.loads(as_json.text)["reasons"][0] == (
        {"reason": "OK", "details": "", "class": "HealthcheckResult"}
        if detailed else "OK")
    assert head.status_int == 204

    db_proxy.cut()
    text, as_json, head = answers()
    assert (text.status_int, text.content_type, text.text) == (
        503, "text/plain", "DATABASE UNAVAILABLE")
    reason = json.loads(as_json.text)["reasons"][0]
    if detailed:
        assert reason["reason"] == "DATABASE UNAVAILABLE"
        assert reason["details"]         # the driver's first line
        assert "mistral_clone:mistral_clone" not in reason["details"]
    else:
        assert reason == "DATABASE UNAVAILABLE"
    assert (head.status_int, head.body) == (503, b"")

    db_proxy.restore()
    text, _as_json, head = answers()
    assert (text.status_int, text.text, head.status_int) == (200, "OK", 204)
