"""JSON schemas of the DSL elements, compiled once at import.

The shapes follow what Mistral 23 accepts, element by element, so that
``jsonschema``'s best-match error (and so the first line of the message) is
the same as the one Mistral reports. ``check()`` turns the first error into
an InvalidModelError that also says where in the document it is; when every
problem is being collected (``lang._collect``) it records the others too.
"""

import pprint
import re

import jsonschema
from jsonschema import exceptions as js_exc

from mistral_clone import exceptions as exc
from mistral_clone import expressions
from mistral_clone.lang import _collect
from mistral_clone.lang._errors import located
from mistral_clone.lang.locator import Key

# Mistral tries the languages in name order: jinja, then yaql.
EXPRESSION_PATTERNS = (expressions.PATTERNS["jinja"],
                       expressions.PATTERNS["yaql"])

# -- building blocks --------------------------------------------------------

NONEMPTY_STRING = {"type": "string", "minLength": 1}
NON_NEGATIVE_INT = {"type": "integer", "minimum": 0}
NON_NEGATIVE_NUMBER = {"type": "number", "minimum": 0.0}
UNIQUE_STRING_LIST = {
    "type": "array", "items": NONEMPTY_STRING,
    "uniqueItems": True, "minItems": 1,
}
_JSON_TYPES = ["array", "boolean", "integer", "number", "object", "string"]
ANY = {"anyOf": [{"type": t} for t in _JSON_TYPES]}
ANY_NULLABLE = {"anyOf": [{"type": t} for t in ["null"] + _JSON_TYPES]}
NONEMPTY_DICT = {
    "type": "object", "minProperties": 1,
    "patternProperties": {r"^\w+$": ANY_NULLABLE},
}
ONE_KEY_DICT = dict(NONEMPTY_DICT, maxProperties=1)
# A whole string that is one expression (trailing blanks allowed).
EXPRESSION = {
    "oneOf": [
        {"type": "string", "pattern": "^%s\\s*$" % p}
        for p in EXPRESSION_PATTERNS
    ]
}
EXPRESSION_OR_NON_NEGATIVE_INT = {"oneOf": [EXPRESSION, NON_NEGATIVE_INT]}
EXPRESSION_OR_BOOLEAN = {"oneOf": [EXPRESSION, {"type": "boolean"}]}
VERSION = {"anyOf": [NONEMPTY_STRING, NON_NEGATIVE_INT, NON_NEGATIVE_NUMBER]}
INPUT_LIST = {
    "type": "array",
    "items": {"oneOf": [NONEMPTY_STRING, ONE_KEY_DICT]},
    "uniqueItems": True, "minItems": 1,
}
STRING_OR_STRING_LIST = {"oneOf": [NONEMPTY_STRING, UNIQUE_STRING_LIST]}

# Properties every named element may carry.
_COMMON = {
    "name": NONEMPTY_STRING,
    "version": VERSION,
    "description": NONEMPTY_STRING,
    "tags": UNIQUE_STRING_LIST,
}
_COMMON_REQUIRED = ["name", "version"]

# -- transitions (on-success / on-error / on-complete / on-skip) -----------

# The three spellings of a transition target: `t1`, `fail msg="x"`,
# `fail(msg="x")`.
_TARGET_PATTERNS = (r"^\S+$", r"^\w+ \w+=(.*)$", r"^\w+\(\w+=(.*)\)$")
NEXT_TASK = {"oneOf": [{"type": "string", "pattern": p}
                       for p in _TARGET_PATTERNS]}
TASK_WITH_CONDITION = {
    "type": "object", "minProperties": 1, "maxProperties": 1,
    "patternProperties": {p: EXPRESSION for p in _TARGET_PATTERNS},
}
TASK_LIST = {
    "type": "array",
    "items": {"oneOf": [NEXT_TASK, TASK_WITH_CONDITION]},
    "uniqueItems": True, "minItems": 1,
}
PUBLISH = {
    "type": "object",
    "properties": {
        "branch": NONEMPTY_DICT,
        "global": NONEMPTY_DICT,
        "atomic": NONEMPTY_DICT,
    },
    "additionalProperties": False,
}
ON_CLAUSE = {
    "oneOf": [
        NEXT_TASK,
        TASK_WITH_CONDITION,
        TASK_LIST,
        {
            "type": "object", "minProperties": 1,
            "properties": {
                "publish": PUBLISH,
                "next": {"oneOf": [NEXT_TASK, TASK_WITH_CONDITION,
                                   TASK_LIST]},
            },
            "additionalProperties": False,
        },
    ]
}

# -- policies ----------------------------------------------------------------

_RETRY_DICT = {
    "type": "object",
    "properties": {
        "count": EXPRESSION_OR_NON_NEGATIVE_INT,
        "break-on": EXPRESSION,
        "continue-on": EXPRESSION,
        "delay": EXPRESSION_OR_NON_NEGATIVE_INT,
    },
    "required": ["delay", "count"],
    "additionalProperties": False,
}
RETRY = {"oneOf": [_RETRY_DICT, NONEMPTY_STRING]}

POLICY_PROPERTIES = {
    "retry": RETRY,
    "wait-before": EXPRESSION_OR_NON_NEGATIVE_INT,
    "wait-after": EXPRESSION_OR_NON_NEGATIVE_INT,
    "timeout": EXPRESSION_OR_NON_NEGATIVE_INT,
    "pause-before": EXPRESSION_OR_BOOLEAN,
    "concurrency": EXPRESSION_OR_NON_NEGATIVE_INT,
    "fail-on": EXPRESSION_OR_BOOLEAN,
}
POLICIES = {
    "type": "object",
    "properties": POLICY_PROPERTIES,
    "additionalProperties": False,
}

# -- tasks -------------------------------------------------------------------

_TASK_PROPERTIES = dict(
    _COMMON,
    type={"enum": ["reverse", "direct"]},
    action=NONEMPTY_STRING,
    workflow=NONEMPTY_STRING,
    input={"oneOf": [NONEMPTY_DICT, NONEMPTY_STRING]},
    **{
        "with-items": {"oneOf": [NONEMPTY_STRING, UNIQUE_STRING_LIST]},
        "publish": NONEMPTY_DICT,
        "publish-on-error": NONEMPTY_DICT,
        "publish-on-skip": NONEMPTY_DICT,
        "target": NONEMPTY_STRING,
        "keep-result": EXPRESSION_OR_BOOLEAN,
        "safe-rerun": EXPRESSION_OR_BOOLEAN,
    },
    **POLICY_PROPERTIES,
)
# Either none of, or exactly one of, 'action' and 'workflow'.
_ACTION_XOR_WORKFLOW = {
    "anyOf": [
        {"not": {"type": "object", "required": ["action", "workflow"]}},
        {"oneOf": [{"type": "object", "required": ["action"]},
                   {"type": "object", "required": ["workflow"]}]},
    ]
}


def _task_schema(**extra):
    return dict(
        _ACTION_XOR_WORKFLOW,
        type="object",
        properties=dict(_TASK_PROPERTIES, **extra),
        additionalProperties=False,
        required=_COMMON_REQUIRED,
    )


DIRECT_TASK = _task_schema(**{
    "type": {"enum": ["direct"]},
    "join": {"oneOf": [{"enum": ["all", "one"]}, NON_NEGATIVE_INT]},
    "on-complete": ON_CLAUSE,
    "on-success": ON_CLAUSE,
    "on-error": ON_CLAUSE,
    "on-skip": ON_CLAUSE,
})
REVERSE_TASK = _task_schema(**{
    "type": {"enum": ["reverse"]},
    "requires": STRING_OR_STRING_LIST,
})

TASK_DEFAULTS = {
    "type": "object",
    "properties": dict(POLICY_PROPERTIES, **{
        "on-complete": ON_CLAUSE,
        "on-success": ON_CLAUSE,
        "on-error": ON_CLAUSE,
        "on-skip": ON_CLAUSE,
        "safe-rerun": EXPRESSION_OR_BOOLEAN,
        "requires": STRING_OR_STRING_LIST,
    }),
    "additionalProperties": False,
}

# -- workflows, actions, workbooks ------------------------------------------

WORKFLOW = {
    "type": "object",
    "properties": dict(_COMMON, **{
        "type": {"enum": ["reverse", "direct"]},
        "task-defaults": NONEMPTY_DICT,
        "input": INPUT_LIST,
        "output": NONEMPTY_DICT,
        "output-on-error": NONEMPTY_DICT,
        "vars": NONEMPTY_DICT,
        "tasks": {
            "type": "object", "minProperties": 1,
            "patternProperties": {r"^\w+$": NONEMPTY_DICT},
        },
    }),
    "required": ["tasks"] + _COMMON_REQUIRED,
    # Mistral 23 accepts and ignores unknown keys at the workflow level (a
    # typo such as ``outputs:``); existing files must keep loading.
    "additionalProperties": True,
}

ACTION = {
    "type": "object",
    "properties": dict(_COMMON, **{
        "base": NONEMPTY_STRING,
        "base-input": NONEMPTY_DICT,
        "input": INPUT_LIST,
        "output": ANY_NULLABLE,
    }),
    "required": ["base"] + _COMMON_REQUIRED,
    "additionalProperties": False,
}

# A file of workflows or of ad-hoc actions: `version` plus named items.
ITEM_LIST = {
    "type": "object",
    "properties": {"version": VERSION},
    "additionalProperties": NONEMPTY_DICT,
    "required": ["version"],
}

_WB_VERSION = {"enum": ["2.0", 2.0]}
_WB_SECTION = {
    "type": "object", "minProperties": 1,
    "patternProperties": {
        "^version$": _WB_VERSION,
        r"^(?!version$)[\w-]+$": ANY,
    },
    "additionalProperties": False,
}
WORKBOOK = {
    "type": "object",
    "properties": dict(_COMMON, **{
        "version": dict(_WB_VERSION, **VERSION),
        "actions": _WB_SECTION,
        "workflows": _WB_SECTION,
    }),
    "required": _COMMON_REQUIRED,
    "additionalProperties": False,
}


def _compile(schema):
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


VALIDATORS = {
    name: _compile(schema)
    for name, schema in {
        "workflow": WORKFLOW,
        "direct_task": DIRECT_TASK,
        "reverse_task": REVERSE_TASK,
        "task_defaults": TASK_DEFAULTS,
        "on_clause": ON_CLAUSE,
        "publish": PUBLISH,
        "policies": POLICIES,
        "retry": _RETRY_DICT,
        "action": ACTION,
        "item_list": ITEM_LIST,
        "workbook": WORKBOOK,
    }.items()
}


def check(schema_name: str, data, path: list) -> None:
    """Validate ``data`` against a named schema.

    Raises InvalidModelError "Invalid DSL: <problem>" followed by where the
    offending value is, e.g. ``wf.tasks.t1.wait-before``, and the value:
    jsonschema's best match. When collecting, each other problem (the most
    relevant part of every failing branch) is recorded after it.
    """
    errors = list(VALIDATORS[schema_name].iter_errors(data))
    if not errors:
        return
    best = js_exc.best_match(errors)
    first = _located_schema_error(best, path)
    if _collect.is_collecting():
        seen = {(first.spec_path, first.spec_message)}
        _collect.report(first)
        for error in errors:
            other = _located_schema_error(js_exc.best_match([error]), path)
            if (other.spec_path, other.spec_message) not in seen:
                seen.add((other.spec_path, other.spec_message))
                _collect.report(other)
    raise first


def _located_schema_error(error, path):
    where = list(path) + list(error.absolute_path)
    pin = where
    extra = _unexpected_keys(error)
    if extra:
        pin = where + [Key(extra[0])]
    return located(
        exc.InvalidModelError,
        "Invalid DSL: %s" % error.message,
        where,
        detail=pprint.pformat(error.instance, width=72, sort_dicts=False),
        pin=pin,
    )


def _unexpected_keys(error) -> list:
    """The keys an ``additionalProperties`` error is about, to point at
    the first one rather than at the whole mapping."""
    if error.validator != "additionalProperties" or \
            not isinstance(error.instance, dict):
        return []
    known = error.schema.get("properties", {})
    patterns = error.schema.get("patternProperties", {})
    return [key for key in error.instance
            if key not in known and
            not any(re.search(p, str(key)) for p in patterns)]
