"""While the cluster is in maintenance (PAUSING or PAUSED) the API refuses
what would start or change work, as Mistral 23's maintenance hook does:
423 with ``Server-Error-Message`` (the header python-mistralclient shows).

Let through: every GET, the paths ``/``, ``/v2/``, ``/health`` and
``/maintenance``, a ``PUT /v2/action_executions/...`` while PAUSING (an
async action's result, so that the running tasks can end) and a ``PUT
/v2/executions/...`` that cancels an execution."""

import json

import pecan
from pecan import hooks

from mistral_clone.api import maintenance_status
from mistral_clone.db import maintenance as maintenance_db

ALWAYS_ALLOWED_PATHS = ("/", "/v2/", "/health", "/maintenance")


def _delivers_action_result(request, status: str) -> bool:
    return (request.method == "PUT"
            and "/v2/action_executions" in request.path
            and status == maintenance_db.PAUSING)


def _cancels_execution(request) -> bool:
    if request.method != "PUT" or "/v2/executions" not in request.path:
        return False
    try:
        body = json.loads(request.body.decode("utf-8"))
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("state") == "CANCELLED"


class MaintenanceHook(hooks.PecanHook):
    def before(self, state):
        request = state.request
        if request.method == "GET" or request.path in ALWAYS_ALLOWED_PATHS:
            return
        status = maintenance_status.current()
        if status != maintenance_db.RUNNING:
            # A refusal (rare) names the status as it is now, not as
            # cached: an engine may just have moved PAUSING to PAUSED.
            maintenance_status.forget()
            status = maintenance_status.current()
        if (status == maintenance_db.RUNNING
                or _delivers_action_result(request, status)
                or _cancels_execution(request)):
            return
        message = "Current Mistral state is %s. Method is not allowed" % (
            status)
        pecan.abort(423, detail=message,
                    headers={"Server-Error-Message": message})
