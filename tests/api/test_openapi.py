"""``GET /v2/openapi.json``: the document is valid OpenAPI 3, served as
JSON, and describes exactly the routes the app serves: each operation
reaches the controller method it was generated from, and a controller
added to the tree is described without any other change."""

import re

import pytest
import wsmeext.pecan as wsme_pecan
from openapi_spec_validator import validate
from pecan import rest
from wsme import types as wtypes

from mistral_clone.api import hooks
from mistral_clone.api import resources
from mistral_clone.api.controllers import openapi as openapi_api
from mistral_clone.api.controllers import root as root_api
from mistral_clone.api.controllers.v2 import root as v2_root
from mistral_clone.api.openapi import routes as routes_module

UUID = "8b0e3f5e-0c4a-4c3e-9a57-3f1a2b9c7d10"


@pytest.fixture(autouse=True)
def fresh_document():
    openapi_api._document_text.cache_clear()
    yield
    openapi_api._document_text.cache_clear()


@pytest.fixture
def routed(monkeypatch):
    """The name ("module.Class.method") of each controller method pecan
    routed a request to, in order."""
    seen = []
    original = hooks.ContextHook.before

    def before(self, state):
        method = state.controller
        owner = type(method.__self__)
        seen.append("%s.%s.%s" % (owner.__module__, owner.__qualname__,
                                  method.__name__))
        return original(self, state)

    monkeypatch.setattr(hooks.ContextHook, "before", before)
    return seen


def _document(app):
    response = app.get("/v2/openapi.json")
    assert response.status_int == 200
    assert response.content_type == "application/json"
    return response.json


def test_the_document_is_valid_openapi_3(app):
    document = _document(app)
    validate(document)
    assert document["openapi"].startswith("3.")
    assert document["servers"] == [{"url": "http://localhost"}]
    assert "securitySchemes" not in document["components"]  # auth off


def test_every_resource_of_the_api_is_described(app):
    paths = _document(app)["paths"]
    for path in ("/v2/workflows", "/v2/workflows/{identifier}",
                 "/v2/workflows/validate",
                 "/v2/workflows/{workflow_id}/members/{member_id}",
                 "/v2/workbooks/{name}", "/v2/actions/{identifier}",
                 "/v2/executions/{id}",
                 "/v2/executions/{workflow_execution_id}/tasks",
                 "/v2/executions/{workflow_execution_id}/report",
                 "/v2/executions/{id}/executions",
                 "/v2/tasks/{task_execution_id}/action_executions",
                 "/v2/tasks/{task_execution_id}/workflow_executions",
                 "/v2/action_executions/{id}", "/v2/cron_triggers",
                 "/v2/event_triggers/{id}", "/v2/environments/{name}",
                 "/v2/code_sources/{identifier}",
                 "/v2/dynamic_actions/{identifier}", "/maintenance",
                 "/info", "/v2/", "/", "/v2/openapi.json"):
        assert path in paths, path


def test_bodies_answers_and_parameters_are_those_of_the_controllers(app):
    paths = _document(app)["paths"]
    create_wf = paths["/v2/workflows"]["post"]
    assert list(create_wf["requestBody"]["content"]) == ["text/plain"]
    assert "201" in create_wf["responses"]
    assert "text/plain" in paths["/v2/workbooks"]["put"][
        "requestBody"]["content"]
    assert "text/plain" in paths["/v2/actions"]["post"][
        "requestBody"]["content"]
    start = paths["/v2/executions"]["post"]
    assert start["requestBody"]["content"]["application/json"][
        "schema"] == {"$ref": "#/components/schemas/ExecutionRequest"}
    assert start["responses"]["201"]["content"]["application/json"][
        "schema"] == {"$ref": "#/components/schemas/Execution"}
    assert list(paths["/v2/executions/{id}"]["delete"]["responses"]) == [
        "204", "4XX"]
    error = paths["/v2/executions/{id}"]["get"]["responses"]["4XX"]
    assert error["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"}
    listed = {p["name"]: p for p in paths["/v2/executions"]["get"][
        "parameters"]}
    for name in ("limit", "marker", "sort_keys", "sort_dirs", "fields",
                 "workflow_name", "state", "include_output"):
        assert listed[name]["in"] == "query"
    assert listed["limit"]["schema"]["type"] == "integer"
    assert listed["include_output"]["schema"]["type"] == "boolean"


def test_json_text_fields_are_text_in_answers_and_either_in_requests(app):
    components = _document(app)["components"]["schemas"]
    answer = components["Execution"]["properties"]["input"]
    assert answer["type"] == "string" and answer["nullable"]
    request = components["ExecutionRequest"]
    assert {"type": "object"} in request["properties"]["input"]["anyOf"]
    assert "project_id" not in request["properties"]  # read-only
    assert request["additionalProperties"] is False


def _concrete(path):
    return re.sub(r"\{[^}]+\}", UUID, path)


def test_each_operation_reaches_the_method_it_describes(app, routed):
    expected = {}
    for route in routes_module.walk(root_api.RootController()):
        expected[(route.verb, route.path)] = route.name
    paths = _document(app)["paths"]
    for path, operations in paths.items():
        for verb in operations:
            routed.clear()
            app.request(_concrete(path), method=verb.upper(),
                        expect_errors=True)
            name = expected.get((verb, path)) or expected[
                (verb, path.rsplit("/", 1)[0])]  # an optional last id
            assert routed == [name], (verb, path)


class Gadget(resources.Resource):
    id = wtypes.text
    size = int


class Gadgets(resources.Collection):
    """A list type of a resource nobody wrote a description for."""

    _items_name = "gadgets"
    gadgets = [Gadget]


class GadgetPartsController(rest.RestController):
    @wsme_pecan.wsexpose(Gadgets, wtypes.text, int)
    def get_all(self, gadget_id, limit=None):
        return Gadgets.build([Gadget(id=gadget_id, size=limit)], None)


class GadgetsController(rest.RestController):
    parts = GadgetPartsController()

    @wsme_pecan.wsexpose(Gadget, wtypes.text)
    def get(self, gadget_id):
        return Gadget(id=gadget_id, size=1)


def test_a_controller_added_later_is_described_and_served(app,
                                                           monkeypatch):
    monkeypatch.setattr(v2_root.Controller, "gadgets", GadgetsController(),
                        raising=False)
    document = _document(app)
    validate(document)
    paths = document["paths"]
    assert paths["/v2/gadgets/{gadget_id}"]["get"]["responses"]["200"][
        "content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Gadget"}
    parts = paths["/v2/gadgets/{gadget_id}/parts"]["get"]
    assert [p["name"] for p in parts["parameters"]] == ["gadget_id",
                                                         "limit"]
    assert document["components"]["schemas"]["Gadget"]["properties"][
        "size"]["type"] == "integer"
    assert app.get("/v2/gadgets/g1").json == {"id": "g1", "size": 1}
    assert app.get("/v2/gadgets/g1/parts?limit=3").json == {
        "gadgets": [{"id": "g1", "size": 3}]}
