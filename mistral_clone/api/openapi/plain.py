"""What the signatures of the methods pecan exposes directly (outside
WSME) do not say: their request body, the query parameters they read from
the request, their answer.

They are the ones that read a text body (workflow, workbook and action
definitions, code source modules) or build their JSON answer themselves,
as Mistral 23 does on the same endpoints. A method missing here is still
described, from its signature, with a body and an answer of any type
(``tests/unit/test_openapi.py`` asks that each one be described here).
"""

import dataclasses

from mistral_clone.api import errors

_V2 = "mistral_clone.api.controllers.v2."


@dataclasses.dataclass(frozen=True)
class PlainOperation:
    status: int
    # Component name, or an inline schema.
    response: object
    content_type: str = errors.DEFINITION_JSON
    # (media types, description) of the body, if one is read.
    body: tuple = None
    # Query parameters read from the request, not the signature:
    # (name, schema, description).
    query: tuple = ()
    # An optional argument that may also be the last path segment, and
    # the answer then.
    path_variant: str = None
    path_variant_response: object = None


def _ref(name):
    return {"$ref": "#/components/schemas/%s" % name}


_YAML = (("text/plain",),
         "the definition: YAML text of Mistral's DSL (version 2.0)")
_DEFINITION_QUERY = (
    ("scope", {"type": "string", "enum": ["private", "public"],
               "default": "private"}, "who may see the definition"),
    ("skip_validation", {"type": "string"},
     "present: store without validating ([api] validation_mode = enabled)"),
)
_SCOPE_QUERY = _DEFINITION_QUERY[:1]
# A problem of a definition and its place (``lang.inspect``).
LOCATED = {
    "type": "object",
    "required": ["path", "line", "column", "message"],
    "properties": {
        "path": {"type": "string",
                 "description": "dotted, list indexes in brackets"},
        "line": {"type": "integer", "minimum": 1},
        "column": {"type": "integer", "minimum": 1},
        "message": {"type": "string"},
    },
}
_VALIDATION = {
    "type": "object", "required": ["valid"],
    "properties": {"valid": {"type": "boolean"},
                   "error": {"type": "string"},
                   "errors": {"type": "array", "items": LOCATED},
                   "warnings": {"type": "array", "items": LOCATED}}}


def _definition(status, response, **kwargs):
    return PlainOperation(status, response, body=_YAML,
                          query=_DEFINITION_QUERY, **kwargs)


def _validation():
    return PlainOperation(200, _VALIDATION, body=_YAML)


def _code_source(status):
    return PlainOperation(
        status, _ref("CodeSource"), content_type=errors.CODE_SOURCE_JSON,
        body=(("text/plain", "application/octet-stream"),
              "the Python module's source text"),
        query=_SCOPE_QUERY)


OPERATIONS = {
    "mistral_clone.api.controllers.info.InfoController.get":
        PlainOperation(200, {"type": "object",
                             "description": "the deployment's build "
                                            "information, as configured"},
                       content_type="application/json"),
    "mistral_clone.api.controllers.maintenance.MaintenanceController.get":
        PlainOperation(200, _ref("Maintenance"),
                       content_type="application/json"),
    _V2 + "workflows.WorkflowsController.post":
        _definition(201, _ref("Workflows")),
    _V2 + "workflows.WorkflowsController.put":
        _definition(200, _ref("Workflows"), path_variant="identifier",
                    path_variant_response=_ref("Workflow")),
    _V2 + "workbooks.WorkbooksController.post":
        _definition(201, _ref("Workbook")),
    _V2 + "workbooks.WorkbooksController.put":
        _definition(200, _ref("Workbook")),
    _V2 + "actions.ActionsController.post":
        _definition(201, _ref("Actions")),
    _V2 + "actions.ActionsController.put":
        _definition(200, _ref("Actions"), path_variant="identifier",
                    path_variant_response=_ref("Actions")),
    _V2 + "validation.SpecValidationController.post": _validation(),
    _V2 + "code_sources.CodeSourcesController.post": _code_source(201),
    _V2 + "code_sources.CodeSourcesController.put": _code_source(200),
    "mistral_clone.api.controllers.openapi.OpenAPIController.get":
        PlainOperation(200, {"type": "object",
                             "description": "this document"},
                       content_type="application/json"),
}

# What a method missing from OPERATIONS is described with.
UNDESCRIBED = PlainOperation(200, {}, content_type="application/json",
                             body=(("*/*",), "the request's body"))
