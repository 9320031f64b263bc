"""Route templates: ids become {id}; only a fixed vocabulary passes, so
the ``route`` label stays bounded whatever paths clients send."""

import pytest

from mistral_clone.metrics import routes


@pytest.mark.parametrize("path, template", [
    ("/", "/"),
    ("", "/"),
    ("/v2", "/v2"),
    ("/v2/", "/v2"),
    ("/metrics", "/metrics"),
    ("/maintenance", "/maintenance"),
    ("/v2/workflows", "/v2/workflows"),
    ("/v2/workflows/my_wf", "/v2/workflows/{id}"),
    ("/v2/workflows/validate", "/v2/workflows/validate"),
    ("/v2/workflows/5d1c/members", "/v2/workflows/{id}/members"),
    ("/v2/workflows/5d1c/members/proj-2",
     "/v2/workflows/{id}/members/{id}"),
    ("/v2/executions/123e4567-e89b-12d3-a456-426614174000/tasks",
     "/v2/executions/{id}/tasks"),
    ("/v2/executions/abc/report", "/v2/executions/{id}/report"),
    ("/v2/tasks/abc/action_executions", "/v2/tasks/{id}/action_executions"),
    ("/v2/tasks/abc/workflow_executions",
     "/v2/tasks/{id}/workflow_executions"),
    ("/v2/action_executions/abc", "/v2/action_executions/{id}"),
    ("/v2/openapi.json", "/v2/openapi.json"),
    ("/ui", "/ui"),
    ("/ui/", "/ui"),
    ("/ui/graph.js", "/ui"),
    ("/ui/permissions", "/ui"),
])
def test_known_routes(path, template):
    assert routes.route_template(path) == template


@pytest.mark.parametrize("path", [
    "/v2/nothing", "/v2/workflows/a/b", "/v2/executions/a/tasks/b/c",
    "/favicon.ico", "/v2/workflows/%s" % ("x/" * 50), "/a/b/c",
    "/v2/executions/a/<script>",
])
def test_anything_else_is_other(path):
    assert routes.route_template(path) == routes.OTHER
