"""The route template of a request path, for the ``route`` label:
``/v2/executions/{id}/tasks``, never the ids themselves.

Built from a fixed vocabulary (the v2 resources and their sub-resources),
so the label takes a bounded set of values whatever clients send: a
segment where a static name must stand and that is not one, or a path
deeper than any route, makes the route ``other``.
"""

RESOURCES = frozenset((
    "workflows", "workbooks", "actions", "executions", "tasks",
    "action_executions", "environments", "cron_triggers", "event_triggers",
    "code_sources", "dynamic_actions"))

# Names that follow a resource's id: /v2/executions/{id}/tasks, ...
SUB_RESOURCES = frozenset((
    "tasks", "action_executions", "executions", "workflow_executions",
    "report", "members"))

# Names that follow a resource directly: POST /v2/workflows/validate.
RESOURCE_VERBS = frozenset(("validate",))

TOP_LEVEL = frozenset(("", "v2", "info", "maintenance", "healthcheck",
                       "metrics"))

# Documents under /v2 that are no resource.
V2_DOCUMENTS = frozenset(("openapi.json",))

# The web view: its page, files and permissions, one route.
UI = "ui"

OTHER = "other"
ID = "{id}"
# /v2/<resource>/{id}/<sub>/{id}: the deepest route.
_MAX_V2_SEGMENTS = 4


def route_template(path: str) -> str:
    segments = path.strip("/").split("/") if path.strip("/") else []
    if not segments:
        return "/"
    if segments[0] == UI:
        return "/" + UI
    if segments[0] != "v2":
        return "/" + segments[0] if len(segments) == 1 and \
            segments[0] in TOP_LEVEL else OTHER
    rest = segments[1:]
    if not rest:
        return "/v2"
    if len(rest) == 1 and rest[0] in V2_DOCUMENTS:
        return "/v2/" + rest[0]
    if len(rest) > _MAX_V2_SEGMENTS or rest[0] not in RESOURCES:
        return OTHER
    template = ["v2", rest[0]]
    for position, segment in enumerate(rest[1:], start=1):
        if position == 1 and segment in RESOURCE_VERBS:
            template.append(segment)
        elif position % 2:
            template.append(ID)
        elif segment in SUB_RESOURCES:
            template.append(segment)
        else:
            return OTHER
    return "/" + "/".join(template)
