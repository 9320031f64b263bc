"""Pecan hooks: the request context, built from the headers, and the
shape check of JSON request bodies."""

import json

from pecan import hooks
import webob

from mistral_clone import config
from mistral_clone import context

# Resources whose POST/PUT body is a JSON object read by WSME.
_JSON_BODY_RESOURCES = ("executions", "tasks", "action_executions",
                        "environments", "cron_triggers")


class ContextHook(hooks.PecanHook):
    def before(self, state):
        state.request.context["mistral"] = context.RequestContext.from_headers(
            state.request.environ, config.CONF.pecan.auth_enable)


class JsonBodyHook(hooks.PecanHook):
    """A JSON body that is not an object (``null``, ``[1]``, ``"x"``)
    answers 400. WSME would fail inside the controller on it, and Mistral 23
    answers 500 there; broken JSON and empty bodies are left to WSME, whose
    answers match Mistral's."""

    def before(self, state):
        request = state.request
        if request.method not in ("POST", "PUT") or not request.body:
            return
        parts = request.path.strip("/").split("/")
        if len(parts) < 2 or parts[0] != "v2" or \
                parts[1] not in _JSON_BODY_RESOURCES:
            return
        try:
            body = json.loads(request.body)
        except ValueError:
            return
        if isinstance(body, dict):
            return
        kind = "null" if body is None else type(body).__name__
        fault = {"faultcode": "Client",
                 "faultstring": "Invalid request body: a JSON object is "
                                "expected, got %s." % kind,
                 "debuginfo": None}
        raise webob.exc.HTTPBadRequest(
            body=json.dumps(fault), content_type="application/json",
            charset="UTF-8")


def request_context():
    import pecan
    return pecan.request.context["mistral"]
