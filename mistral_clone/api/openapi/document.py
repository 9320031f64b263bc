"""The OpenAPI 3.0 document of the API, built from the routes
(``routes.walk``) and the WSME types of their arguments, bodies and
answers (``schemas``)."""

import inspect
import re

from mistral_clone.api.openapi import plain
from mistral_clone.api.openapi import routes as routes_module
from mistral_clone.api.openapi import schemas

OPENAPI_VERSION = "3.0.3"
SECURITY_SCHEME = "keystone"
_ERROR = "Error"
_ERROR_SCHEMA = {
    "type": "object",
    "description": "Mistral's error body: faultstring is the message; "
                   "the WSME endpoints add faultcode and debuginfo.",
    "required": ["faultstring"],
    "properties": {
        "faultstring": {"type": "string"},
        "faultcode": {"type": "string", "enum": ["Client", "Server"]},
        "debuginfo": {"type": "string", "nullable": True},
        "errors": {"type": "array", "items": plain.LOCATED,
                   "description": "a definition's every problem, where it "
                                  "is (create, update)"},
    },
}


# What the list parameters every list shares mean (``api.listing``).
_LIST_PARAMETERS = {
    "marker": "the id of the last item of the previous page",
    "limit": "at most this many items ([api] max_limit)",
    "sort_keys": "comma-separated columns to sort by (created_at)",
    "sort_dirs": "comma-separated asc or desc, one per sort key",
    "fields": "comma-separated attributes to return (id always)",
    "all_projects": "every project's items (admin)",
}
_FILTER = ("a filter: a value, or operator:value with an operator among "
           "eq, neq, gt, gte, lt, lte, has, in, nin (in:a,b)")


def build(root_controller, server_url: str, auth_enabled: bool,
          open_paths=()) -> dict:
    """The document of every route under ``root_controller``. With
    ``auth_enabled``, every operation but those on ``open_paths`` asks for
    a Keystone token (``X-Auth-Token``)."""
    refs, paths = {}, {}
    for route in routes_module.walk(root_controller):
        for path, operation in _operations(route, refs):
            if auth_enabled and path not in open_paths:
                operation["responses"]["401"] = _error_response(
                    "no valid token")
            elif auth_enabled:
                operation["security"] = []
            paths.setdefault(path, {})[route.verb] = operation
    document = {
        "openapi": OPENAPI_VERSION,
        "info": {"title": "Workflow service (Mistral v2 API)",
                 "version": "2.0"},
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {"schemas": _components(refs)},
    }
    if auth_enabled:
        document["components"]["securitySchemes"] = {SECURITY_SCHEME: {
            "type": "apiKey", "in": "header", "name": "X-Auth-Token",
            "description": "a Keystone token"}}
        document["security"] = [{SECURITY_SCHEME: []}]
    return document


def _components(refs) -> dict:
    components = {_ERROR: _ERROR_SCHEMA}
    done = set()
    while set(refs) - done:  # a component may name more
        for name in sorted(set(refs) - done):
            datatype, direction = refs[name]
            components[name] = schemas.component(datatype, direction, refs)
            done.add(name)
    return dict(sorted(components.items()))


def _operations(route, refs):
    """(path, operation) of a route: one, or two for a method whose last
    path segment is optional."""
    description = None
    if route.wsme is None:
        description = plain.OPERATIONS.get(route.name, plain.UNDESCRIBED)
    base = _operation(route, description, refs)
    yield route.path, base
    if description is not None and description.path_variant:
        variant = _operation(route, description, refs,
                             path_variant=description.path_variant)
        yield "%s/{%s}" % (route.path, description.path_variant), variant


def _operation(route, description, refs, path_variant=None) -> dict:
    path = route.path + ("/{%s}" % path_variant if path_variant else "")
    operation = {
        "operationId": _operation_id(route.verb, path),
        "tags": [_tag(route.path)],
        "parameters": _parameters(route, description, path_variant),
    }
    summary = _summary(route.function)
    if summary:
        operation["summary"] = summary
    if route.wsme is not None:
        body, responses = _wsme_io(route.wsme, refs)
    else:
        body, responses = _plain_io(description, path_variant)
    if body:
        operation["requestBody"] = body
    responses["4XX"] = _error_response("refused: Mistral's error body")
    operation["responses"] = responses
    if not operation["parameters"]:
        del operation["parameters"]
    return operation


def _wsme_io(definition, refs):
    body = None
    if definition.body_type is not None:
        body = {"required": True, "content": {"application/json": {
            "schema": schemas.schema_of(definition.body_type,
                                        schemas.REQUEST, refs)}}}
    status = str(definition.status_code)
    if definition.return_type is None or status == "204":
        return body, {status: {"description": "done"}}
    schema = schemas.schema_of(definition.return_type, schemas.RESPONSE,
                               refs)
    return body, {status: {"description": "the resource",
                           "content": {"application/json": {
                               "schema": schema}}}}


def _plain_io(description, path_variant):
    body = None
    if description.body:
        media_types, text = description.body
        body = {"required": True, "description": text, "content": {
            media: {"schema": {"type": "string"}} for media in media_types}}
    schema = description.response
    if path_variant:
        schema = description.path_variant_response
    media = description.content_type.split(";")[0]
    return body, {str(description.status): {
        "description": "the resource",
        "content": {media: {"schema": schema}}}}


def _parameters(route, description, path_variant) -> list:
    parameters = []
    names = set()
    for arg in route.path_args:
        parameters.append(_path_parameter(arg.name, arg.datatype))
        names.add(arg.name)
    if path_variant:
        parameters.append(_path_parameter(path_variant, None))
    if description is not None and description.path_variant:
        names.add(description.path_variant)  # a path segment only
    for arg in route.query_args:
        if arg.name in names:
            continue
        schema = schemas.schema_of(arg.datatype, schemas.QUERY)
        if _is_default(arg.default):
            schema["default"] = arg.default
        parameter = {"name": arg.name, "in": "query", "required": False,
                     "schema": schema}
        text = _query_description(route, arg.name, schema)
        if text:
            parameter["description"] = text
        parameters.append(parameter)
        names.add(arg.name)
    for name, schema, text in (description.query if description else ()):
        if name not in names:
            parameters.append({"name": name, "in": "query",
                               "required": False, "schema": dict(schema),
                               "description": text})
    return parameters


def _query_description(route, name, schema):
    if not route.name.endswith(".get_all"):
        return None
    if name in _LIST_PARAMETERS:
        return _LIST_PARAMETERS[name]
    if schema.get("type") == "string" and "enum" not in schema:
        return _FILTER
    return None


def _path_parameter(name, datatype) -> dict:
    schema = {"type": "string"}
    if datatype is not None:
        schema = schemas.schema_of(datatype, schemas.QUERY) or schema
    # One path segment: not empty, no slash.
    schema = dict(schema, pattern="^[^/]+$", minLength=1)
    schema.pop("description", None)  # that of a query filter
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _is_default(value) -> bool:
    return value not in (None, "") and isinstance(value, (str, int, bool))


def _error_response(text) -> dict:
    return {"description": text, "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/%s" % _ERROR}}}}


def _operation_id(verb, path) -> str:
    words = [verb] + [re.sub(r"\W", "", part) or "root"
                      for part in path.strip("/").split("/") if part]
    return "_".join(words) if len(words) > 1 else verb + "_root"


def _tag(path) -> str:
    parts = [p for p in path.split("/") if p]
    if parts and parts[0] == "v2":
        parts = parts[1:]
    return parts[0] if parts and not parts[0].startswith("{") else "root"


def _summary(function) -> str:
    doc = inspect.getdoc(inspect.unwrap(function)) or ""
    return doc.split("\n\n")[0].replace("\n", " ")
