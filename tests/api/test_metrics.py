"""``/metrics`` on the api: Prometheus' text format, every request counted
by method, route template and status; off with ``[metrics] enabled``;
behind the rule ``metrics:get`` (admins) when authentication is on."""

import webtest

from mistral_clone.api import app as api_app
from mistral_clone.api import metrics as api_metrics
from tests.unit.metrics.sampling import change

REQUESTS = "mistral_api_request_duration_seconds_count"
WF = """---
version: '2.0'
counted_wf:
  tasks:
    t: {action: std.noop}
"""


def test_metrics_in_the_text_format(app):
    response = app.get("/metrics")
    # prometheus_client's type for a scraper that asks for none.
    assert response.headers["Content-Type"] == \
        "text/plain; version=0.0.4; charset=utf-8"
    assert "# TYPE mistral_api_request_duration_seconds histogram" in \
        response.text
    # Not under /v2, as Mistral has nothing there.
    app.get("/v2/metrics", status=404)


def test_openmetrics_for_a_scraper_asking_for_it(app):
    response = app.get("/metrics", headers={
        "Accept": "application/openmetrics-text; version=1.0.0"})
    assert response.headers["Content-Type"].startswith(
        "application/openmetrics-text; version=1.0.0")
    assert response.text.endswith("# EOF\n")


def test_requests_counted_by_route_template_and_status(app):
    with change(REQUESTS, method="POST", route="/v2/workflows",
                status="201") as created, \
            change(REQUESTS, method="GET", route="/v2/workflows/{id}",
                   status="200") as read, \
            change(REQUESTS, method="GET", route="/v2/workflows/{id}",
                   status="404") as missing, \
            change(REQUESTS, method="GET", route="other",
                   status="404") as unknown:
        app.post("/v2/workflows", WF,
                 headers={"Content-Type": "text/plain"})
        app.get("/v2/workflows/counted_wf")
        app.get("/v2/workflows/counted_wf")
        app.get("/v2/workflows/nope", status=404)
        app.get("/v2/no_such_thing/x", status=404)
    assert (created(), read(), missing(), unknown()) == (1, 2, 1, 1)
    assert "counted_wf" not in app.get("/metrics").text


def test_scrapes_are_counted_too(app):
    with change(REQUESTS, method="GET", route="/metrics",
                status="200") as scrapes:
        app.get("/metrics")
    assert scrapes() == 1


def test_only_reads(app):
    response = app.post("/metrics", "", status=405)
    assert response.headers["Allow"] == "GET, HEAD"


def test_metrics_can_be_turned_off(conf, db):
    conf.set_override("enabled", False, "metrics")
    try:
        app = webtest.TestApp(api_app.setup_app(conf))
        app.get("/metrics", status=404)
        with change(REQUESTS, method="GET", route="/v2/workflows",
                    status="200") as counted:
            app.get("/v2/workflows")
        assert counted() == 0
    finally:
        conf.clear_override("enabled", "metrics")


def test_with_auth_only_admins_read_them(conf):
    """The handler behind keystonemiddleware (which has set the roles of
    the token): ``metrics:get`` lets admins in, others get a 403."""
    conf.set_override("auth_enable", True, "pecan")
    try:
        app = webtest.TestApp(api_app_inner(conf))
        denied = app.get("/metrics", headers={
            "X-Roles": "member", "X-Project-Id": "p1"}, status=403)
        assert denied.json["faultstring"] == \
            "Operation forbidden (insufficient permissions)"
        allowed = app.get("/metrics", headers={
            "X-Roles": "admin", "X-Project-Id": "p1"})
        assert allowed.content_type == "text/plain"
    finally:
        conf.clear_override("auth_enable", "pecan")


def api_app_inner(conf):
    def not_metrics(environ, start_response):
        start_response("404 Not Found", [])
        return [b""]
    return api_metrics.mount(not_metrics, conf)
