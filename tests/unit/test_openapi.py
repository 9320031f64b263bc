"""The OpenAPI document as built from the controllers (no server): valid
OpenAPI 3 with auth on and off, every method pecan exposes outside WSME
described by ``api.openapi.plain``, and the schemas of the WSME types."""

import re

import pytest
from openapi_spec_validator import validate
from wsme import types as wtypes

from mistral_clone.api import app as api_app
from mistral_clone.api import guard
from mistral_clone.api import types as api_types
from mistral_clone.api.controllers import root as root_api
from mistral_clone.api.openapi import document
from mistral_clone.api.openapi import plain
from mistral_clone.api.openapi import routes
from mistral_clone.api.openapi import schemas


def _build(auth_enabled):
    return document.build(root_api.RootController(), "http://api:8989",
                          auth_enabled, api_app.PATHS_WITHOUT_AUTH)


@pytest.mark.parametrize("auth_enabled", [False, True])
def test_the_document_is_valid_openapi_3(auth_enabled):
    validate(_build(auth_enabled))


def test_with_auth_a_keystone_token_is_asked_for_except_on_open_paths():
    built = _build(True)
    assert built["components"]["securitySchemes"]["keystone"] == {
        "type": "apiKey", "in": "header", "name": "X-Auth-Token",
        "description": "a Keystone token"}
    assert built["security"] == [{"keystone": []}]
    for path in ("/", "/info", "/v2/"):
        assert built["paths"][path]["get"]["security"] == []
        assert "401" not in built["paths"][path]["get"]["responses"]
    listing = built["paths"]["/v2/workflows"]["get"]
    assert "security" not in listing  # the document's default
    assert listing["responses"]["401"]["content"]["application/json"][
        "schema"] == {"$ref": "#/components/schemas/Error"}


def test_without_auth_nothing_asks_for_a_token():
    built = _build(False)
    assert "security" not in built
    assert all("401" not in op["responses"]
               for ops in built["paths"].values() for op in ops.values())


def test_every_method_outside_wsme_is_described_and_no_description_is_stale():
    plain_routes = {r.name for r in routes.walk(root_api.RootController())
                    if r.wsme is None}
    assert plain_routes == set(plain.OPERATIONS)


def test_operation_ids_are_unique():
    ids = [op["operationId"] for ops in _build(False)["paths"].values()
           for op in ops.values()]
    assert len(ids) == len(set(ids))


def test_an_optional_last_segment_gives_two_paths():
    paths = _build(False)["paths"]
    assert paths["/v2/workflows"]["put"]["responses"]["200"]["content"][
        "application/json"]["schema"] == {
        "$ref": "#/components/schemas/Workflows"}
    assert paths["/v2/workflows/{identifier}"]["put"]["responses"]["200"][
        "content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Workflow"}
    assert "identifier" not in [
        p["name"] for p in paths["/v2/workflows"]["put"]["parameters"]]


class Thing(wtypes.Base):
    """A thing.

    Details nobody reads."""

    name = wtypes.wsattr(wtypes.text, mandatory=True)
    owner = wtypes.wsattr(wtypes.text, readonly=True)
    data = api_types.jsondict
    kind = wtypes.Enum(str, "a", "b")
    size = wtypes.IntegerType(minimum=1)
    parts = [wtypes.text]


def test_a_type_reads_as_the_api_writes_it_and_as_it_reads_it():
    refs = {}
    answer = schemas.component(Thing, schemas.RESPONSE, refs)
    assert answer["description"] == "A thing."
    props = answer["properties"]
    assert props["data"] == {"type": "string", "nullable": True,
                             "description": "a JSON value, sent as JSON "
                                            "text"}
    assert props["kind"] == {"type": "string", "enum": ["a", "b", None],
                             "nullable": True}
    assert props["parts"] == {"type": "array", "items": {"type": "string"},
                              "nullable": True}
    assert "required" not in answer
    request = schemas.component(Thing, schemas.REQUEST, refs)
    assert request["required"] == ["name"]
    assert "owner" not in request["properties"]  # read-only
    assert request["properties"]["size"] == {"type": "integer",
                                             "minimum": 1}
    assert request["additionalProperties"] is False
    assert schemas.schema_of([Thing], schemas.REQUEST, refs) == {
        "type": "array", "items": {"$ref": "#/components/schemas/"
                                           "ThingRequest"}}
    assert refs["ThingRequest"] == (Thing, schemas.REQUEST)


def test_the_request_guard_knows_every_json_body():
    """A JSON body read by WSME must be an object: the guard refuses the
    others with 400 (WSME crashes on them) on the paths it knows; each
    route with a WSME body must be one of them (event triggers and dynamic
    actions were not: a 500, found by schemathesis)."""
    for route in routes.walk(root_api.RootController()):
        if route.wsme is not None and route.wsme.body_type is not None:
            path = re.sub(r"\{[^}]+\}", "x", route.path)
            assert guard._is_json_resource(path), route.path
