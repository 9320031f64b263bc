"""What the schemathesis run against the OpenAPI document found (each a
500, now a 4xx with Mistral's error body, or the answer Mistral gives
where it has one)."""

import pytest

UUID = "8b0e3f5e-0c4a-4c3e-9a57-3f1a2b9c7d10"


@pytest.mark.parametrize("resource", ["cron_triggers", "event_triggers"])
@pytest.mark.parametrize("column", ["workflow_input", "workflow_params"])
@pytest.mark.parametrize("value", ["true", "[1]", "5", '"text"'])
def test_a_json_filter_that_is_no_object_matches_nothing(app, resource,
                                                         column, value):
    """Mistral 23 answers an empty list for cron triggers (and 500 for
    event triggers, whatever the filter)."""
    response = app.get("/v2/%s" % resource, {column: value})
    assert response.status_int == 200
    assert response.json == {resource: []}


@pytest.mark.parametrize("method,path", [
    ("POST", "/v2/event_triggers"),
    ("PUT", "/v2/event_triggers/" + UUID),
    ("POST", "/v2/dynamic_actions"),
    ("PUT", "/v2/dynamic_actions"),
])
@pytest.mark.parametrize("body,kind", [("4", "int"), ("null", "null"),
                                       ("[]", "list"), ('"x"', "str")])
def test_a_json_body_that_is_no_object_is_refused(app, admin_headers,
                                                  method, path, body,
                                                  kind):
    """Mistral 23 answers 500 ("'int' object has no attribute 'keys'")."""
    response = app.request(path, method=method, body=body.encode(),
                           headers=dict(admin_headers, **{
                               "Content-Type": "application/json"}),
                           expect_errors=True)
    assert response.status_int == 400
    assert response.json == {
        "faultcode": "Client", "debuginfo": None,
        "faultstring": "Invalid request body: a JSON object is expected, "
                       "got %s." % kind}


FORM_REFUSED = "Invalid request body: not a valid multipart/form-data body."


@pytest.mark.parametrize("method,path,body", [
    ("PUT", "/maintenance", b'{"status": "RUNNING"}'),
    ("POST", "/v2/executions", b"{}"),
    ("DELETE", "/v2/executions/" + UUID, b""),
    ("POST", "/v2/workflows/validate", b""),
    ("POST", "/v2/workflows", b""),
    ("DELETE", "/v2/workflows/wf", b""),
])
@pytest.mark.parametrize("content_type,extra", [
    ("multipart/form-data", b""),  # no boundary
    ("multipart/form-data; boundary=zz", b"--zz\r\ncut short"),
])
def test_a_form_body_webob_cannot_read_is_refused(app, method, path, body,
                                                  content_type, extra):
    """Mistral 23 answers 500 with an empty body."""
    response = app.request(path, method=method, body=extra or body,
                           headers={"Content-Type": content_type},
                           expect_errors=True)
    assert response.status_int == 400
    assert response.json["faultstring"] == FORM_REFUSED


def test_a_form_body_that_parses_still_reaches_the_method(app):
    response = app.post("/v2/executions", {"a": "1"}, expect_errors=True)
    assert response.status_int == 400
    assert response.json["faultstring"] == 'Unknown argument: "a"'


@pytest.mark.parametrize("path", ["/v2/code_sources",
                                  "/v2/code_sources?name=x"])
def test_a_put_without_its_identifier_is_a_missing_argument(
        app, admin_headers, path):
    """As Mistral answers a WSME method's missing argument (DELETE
    /v2/code_sources); its PUT there answers 500."""
    response = app.put(path, b"x = 1\n", expect_errors=True,
                       headers=dict(admin_headers, **{
                           "Content-Type": "text/plain"}))
    assert response.status_int == 400
    assert response.json == {"faultstring": 'Missing argument: "identifier"'}
