"""Request and response shapes of the runtime resources: executions, tasks,
action executions and environments.

As in Mistral, the JSON blobs (``input``, ``output``, ``params``,
``published``, ``runtime_context``, ``variables``, ...) travel as
JSON-encoded strings in responses; requests may send an object or its JSON
text, and anything but an object is refused with Mistral's messages.
"""


import wsme
from wsme import types as wtypes

from mistral_clone import exceptions as exc
from mistral_clone.api import resources
from mistral_clone.api import types


class BooleanType(wtypes.UserType):
    """A query-string boolean: ``true/false``, ``1/0``, ``yes/no``, ``on/off``
    (WSME's ``bool`` takes any non-empty text, ``false`` too, for true);
    empty is false, as there: python-mistralclient sends
    ``errors_only=`` when it lists sub-executions."""

    basetype = wtypes.text
    name = "boolean"

    _VALUES = {"true": True, "1": True, "yes": True, "on": True, "y": True,
               "false": False, "0": False, "no": False, "off": False,
               "n": False}

    def validate(self, value):
        return value

    def frombasetype(self, value):
        if value is None or isinstance(value, bool):
            return value
        if not str(value).strip():
            return False
        try:
            return self._VALUES[str(value).strip().lower()]
        except KeyError:
            # InputError, not ValueError: WSME turns a ValueError into a 400
            # only in a body, not in a query parameter.
            raise exc.InputError("Unrecognized value '%s', acceptable "
                                 "values are: true, false, 1, 0, yes, no"
                                 % value)


jsondict = types.jsondict
boolean = BooleanType()

SCOPE_TYPES = wtypes.Enum(str, "private", "public")


class Execution(resources.Resource):
    id = wtypes.text
    workflow_id = wtypes.text
    workflow_name = wtypes.text
    workflow_namespace = wtypes.text
    description = wtypes.text
    tags = [wtypes.text]
    params = jsondict
    task_execution_id = wtypes.text
    root_execution_id = wtypes.text
    source_execution_id = wtypes.text
    state = wtypes.text
    state_info = wtypes.text
    input = jsondict
    output = jsondict
    created_at = wtypes.text
    updated_at = wtypes.text
    project_id = wsme.wsattr(wtypes.text, readonly=True)
    published_global = jsondict


class Executions(resources.Collection):
    executions = [Execution]
    _items_name = "executions"


class Task(resources.Resource):
    _time_fields = ("created_at", "updated_at", "started_at", "finished_at")

    id = wtypes.text
    name = wtypes.text
    type = wtypes.text
    workflow_name = wtypes.text
    workflow_namespace = wtypes.text
    workflow_id = wtypes.text
    workflow_execution_id = wtypes.text
    tags = [wtypes.text]
    state = wtypes.text
    state_info = wtypes.text
    project_id = wsme.wsattr(wtypes.text, readonly=True)
    runtime_context = jsondict
    result = wtypes.text
    published = jsondict
    published_global = jsondict
    processed = bool
    created_at = wtypes.text
    updated_at = wtypes.text
    started_at = wtypes.text
    finished_at = wtypes.text
    # Request-only: PUT /v2/tasks/{id} (rerun).
    reset = wsme.wsattr(bool)
    env = jsondict


class Tasks(resources.Collection):
    tasks = [Task]
    _items_name = "tasks"


class ActionExecution(resources.Resource):
    id = wtypes.text
    workflow_name = wtypes.text
    workflow_namespace = wtypes.text
    task_name = wtypes.text
    task_execution_id = wtypes.text
    state = wtypes.text
    state_info = wtypes.text
    tags = [wtypes.text]
    name = wtypes.text
    description = wtypes.text
    project_id = wsme.wsattr(wtypes.text, readonly=True)
    accepted = bool
    input = jsondict
    output = jsondict
    created_at = wtypes.text
    updated_at = wtypes.text
    params = jsondict


class ActionExecutions(resources.Collection):
    action_executions = [ActionExecution]
    _items_name = "action_executions"


class Environment(resources.Resource):
    id = wtypes.text
    name = wtypes.text
    description = wtypes.text
    variables = jsondict
    scope = SCOPE_TYPES
    project_id = wsme.wsattr(wtypes.text, readonly=True)
    created_at = wtypes.text
    updated_at = wtypes.text


class Environments(resources.Collection):
    environments = [Environment]
    _items_name = "environments"


def present(resource, fields=None) -> dict:
    """``{name: value}`` of the attributes a request set (Unset skipped)."""
    return {k: v for k, v in resource.to_dict().items()
            if not fields or k in fields}
