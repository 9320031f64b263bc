"""JSON schemas (OpenAPI 3.0 dialect) of WSME types.

A type reads differently in each direction, as the API treats it: the
JSON blobs Mistral sends as JSON text (``input``, ``params``, ...) are
strings in answers but may be objects or text in requests; every attribute
of an answer may be null; a request may not set a read-only attribute or
one the type does not have (WSME refuses both).
"""

import datetime

from wsme import types as wtypes

from mistral_clone.api import types as api_types
from mistral_clone.api.controllers.v2 import runtime_resources

RESPONSE, REQUEST, QUERY = "response", "request", "query"

_PRIMITIVES = {
    str: {"type": "string"},
    bytes: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
    datetime.datetime: {"type": "string", "format": "date-time"},
    datetime.date: {"type": "string", "format": "date"},
    datetime.time: {"type": "string", "format": "time"},
}
_JSON_TEXT = "a JSON value, sent as JSON text"


def _user_type(datatype, direction) -> dict:
    """Our own WSME user types (``api.types``): how the API reads and
    writes them; any other user type reads as its base type."""
    if isinstance(datatype, (api_types.JsonTextType,
                             api_types.JsonDictType)):
        if direction == RESPONSE:
            return {"type": "string", "description": _JSON_TEXT}
        if isinstance(datatype, api_types.JsonDictType):
            return {"anyOf": [{"type": "object"}, {"type": "string"}],
                    "description": "an object, or its JSON text"}
        return {"description": "any JSON value, or its JSON text"}
    if isinstance(datatype, api_types.JsonType):
        return {"description": "any JSON value"}
    if isinstance(datatype, api_types.CountType):
        count = {"type": "integer", "minimum": 1, "maximum": datatype.MAX}
        if direction == REQUEST:
            return {"anyOf": [count, {"type": "string",
                                      "pattern": "^[0-9]+$"}]}
        return count if direction == QUERY else {"type": "integer"}
    if isinstance(datatype, runtime_resources.BooleanType):
        return {"type": "boolean"}
    if isinstance(datatype, api_types.ListType):
        return {"type": "string", "description": "comma-separated list"}
    if isinstance(datatype, api_types.UuidType):
        return {"type": "string",
                "description": "a UUID, or a filter on UUIDs (eq:..., "
                               "in:...,...)"}
    return schema_of(datatype.basetype, direction)


def schema_of(datatype, direction, refs=None) -> dict:
    """The schema of ``datatype``; a complex type is a ``$ref`` to
    ``#/components/schemas/<name>``, recorded in ``refs`` (name ->
    (type, direction)) for ``component``."""
    if isinstance(datatype, list):  # [T], before WSME resolves it
        datatype = wtypes.ArrayType(datatype[0])
    if isinstance(datatype, wtypes.ArrayType):
        return {"type": "array",
                "items": schema_of(datatype.item_type, direction, refs)}
    if isinstance(datatype, wtypes.DictType):
        return {"type": "object", "additionalProperties":
                schema_of(datatype.value_type, direction, refs)}
    if isinstance(datatype, wtypes.Enum):
        values = sorted(datatype.values)
        return dict(schema_of(datatype.basetype, direction, refs),
                    enum=values)
    if isinstance(datatype, wtypes.IntegerType):
        schema = {"type": "integer"}
        if direction != RESPONSE:
            for key in ("minimum", "maximum"):
                if getattr(datatype, key) is not None:
                    schema[key] = getattr(datatype, key)
        return schema
    if isinstance(datatype, wtypes.StringType):
        schema = {"type": "string"}
        if direction != RESPONSE:
            if datatype.min_length:
                schema["minLength"] = datatype.min_length
            if datatype.max_length:
                schema["maxLength"] = datatype.max_length
            if datatype.pattern:
                schema["pattern"] = datatype.pattern.pattern
        return schema
    if isinstance(datatype, wtypes.UserType):
        return _user_type(datatype, direction)
    if wtypes.iscomplex(datatype):
        name = component_name(datatype, direction)
        if refs is not None:
            refs[name] = (datatype, direction)
        return {"$ref": "#/components/schemas/%s" % name}
    if datatype in _PRIMITIVES:
        return dict(_PRIMITIVES[datatype])
    return {}


def component_name(datatype, direction) -> str:
    return datatype.__name__ + ("Request" if direction == REQUEST else "")


def component(datatype, direction, refs) -> dict:
    """The object schema of a complex type, its attributes in the order
    the type declares them."""
    properties, required = {}, []
    for attr in wtypes.list_attributes(datatype):
        if direction == REQUEST and attr.readonly:
            continue
        schema = schema_of(attr.datatype, direction, refs)
        if direction == RESPONSE:
            schema = nullable(schema)
        properties[attr.name] = schema
        if attr.mandatory and direction == REQUEST:
            required.append(attr.name)
    schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    if direction == REQUEST:
        schema["additionalProperties"] = False
    doc = (datatype.__doc__ or "").strip()
    if doc:
        schema["description"] = doc.split("\n\n")[0]
    return schema


def nullable(schema) -> dict:
    """``schema`` or null (an attribute WSME writes as null when unset on
    a row)."""
    if "$ref" in schema:
        return {"allOf": [schema], "nullable": True}
    if "type" not in schema and "anyOf" not in schema:
        return schema  # any value: null already
    schema = dict(schema, nullable=True)
    if "enum" in schema:
        schema["enum"] = list(schema["enum"]) + [None]
    return schema
