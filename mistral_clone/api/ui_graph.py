"""``/ui/graph?workflow_id=...``: a workflow's graph for the web view.

The page draws an execution as its workflow's tasks and transitions and
highlights the failed tasks' lines in the definition. It gets both from
here, read by the same parser the engine runs (task-defaults applied,
engine commands left out, every form of transition Mistral accepts) and
located by PyYAML's marks (``lang.locator``), so the browser needs no YAML
reader of its own.

The workflow is read as ``GET /v2/workflows/{id}`` reads it: the
``workflows:get`` rule and the caller's project visibility decide, behind
the same authentication.
"""

import json
from http import HTTPStatus
from urllib.parse import parse_qs

from mistral_clone import exceptions as exc
from mistral_clone.api import policy
from mistral_clone.lang import locator
from mistral_clone.lang import parser
from mistral_clone.lang.transitions import ENGINE_COMMANDS
from mistral_clone.services import workflows as wf_service

# Clause key -> the edge kind the page draws.
_EDGE_KINDS = (("on-success", "success"), ("on-error", "error"),
               ("on-complete", "complete"), ("on-skip", "skip"))


def graph_app(request_context):
    """WSGI app answering ``{"definition", "graph"}`` for the workflow in
    ``?workflow_id=``; ``request_context(environ)`` is the caller's."""

    def answer(environ, start_response):
        try:
            body = _answer(environ, request_context(environ))
            status = "200 OK"
        except exc.MistralError as e:
            body = {"faultstring": e.message, "debuginfo": None}
            status = "%d %s" % (e.http_code, HTTPStatus(e.http_code).phrase)
        data = json.dumps(body).encode()
        start_response(status, [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(data))),
            ("Cache-Control", "no-store")])
        return [data]

    return answer


def _answer(environ, ctx) -> dict:
    values = parse_qs(environ.get("QUERY_STRING", "")).get("workflow_id")
    if not values or not values[0]:
        raise exc.InputError("workflow_id is required")
    policy.enforce("workflows:get", ctx)
    row = wf_service.get_workflow(ctx, values[0])
    return {"definition": row.definition,
            "graph": workflow_graph(row.definition)}


def workflow_graph(definition: str) -> dict:
    """``{type, tasks: [{name, join, withItems, retry, workflow, action,
    lines}], edges: [{from, to, kind}]}`` of a stored workflow definition;
    ``lines``: the task's first and last line in it (1-based)."""
    spec = parser.get_workflow_spec(definition)
    task_lines = locator.entry_lines(locator.compose_quickly(definition),
                                     [spec.name, "tasks"], definition)
    reverse = spec.type == "reverse"
    tasks, edges = [], []
    for name, task in spec.tasks.items():
        retry = task.policies.retry
        tasks.append({
            "name": name,
            "join": None if task.join is None else str(task.join),
            "withItems": bool(task.with_items),
            "retry": retry.count if retry is not None else None,
            "workflow": task.workflow,
            "action": task.action if not task.workflow else None,
            "lines": list(task_lines[name]) if name in task_lines else None,
        })
        if reverse:
            edges.extend({"from": before, "to": name, "kind": "requires"}
                         for before in task.requires if before in spec.tasks)
            continue
        for key, kind in _EDGE_KINDS:
            clause = getattr(task, key.replace("-", "_"))
            for to in dict.fromkeys(clause.task_names() if clause else []):
                if to in spec.tasks and to not in ENGINE_COMMANDS:
                    edges.append({"from": name, "to": to, "kind": kind})
    return {"type": spec.type, "tasks": tasks, "edges": edges}
