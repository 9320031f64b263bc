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
