"""The outermost layer of the API: what every request must be before pecan
sees it, and what every error answer looks like after.

In: the body is at most ``[oslo_middleware] max_request_body_size`` bytes,
the body, path and query are UTF-8 without NUL, a JSON body nests at most
``data_limits.MAX_DEPTH`` deep, holds no lone surrogate or NUL and is an
object.
Out: an error answer is always Mistral's JSON error body, never HTML or a
traceback, whatever raised it; a 503 says when to try again
(``Retry-After``). A request a transient database error failed may run
again first (``replay``).
"""

import json
import logging
import urllib.parse

import webob

from mistral_clone import data_limits
from mistral_clone.api import errors
from mistral_clone.api import replay

LOG = logging.getLogger(__name__)

# Resources whose POST/PUT body is a JSON object read by WSME
# (tests/unit/test_openapi.py checks the list against the controllers).
JSON_BODY_RESOURCES = ("executions", "tasks", "action_executions",
                       "environments", "cron_triggers", "event_triggers",
                       "dynamic_actions")


# The message python-mistralclient shows for an error (the maintenance
# hook's 423 sets it, as Mistral's does).
SERVER_ERROR_MESSAGE = "Server-Error-Message"
# Headers of an error answer kept when its body is made JSON.
_KEPT_HEADERS = ("Allow", SERVER_ERROR_MESSAGE)


class RequestRefused(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


class RequestGuard:
    def __init__(self, app, conf):
        self._app = app
        self._conf = conf

    def __call__(self, environ, start_response):
        request = webob.Request(environ)
        try:
            self._check(request)
        except RequestRefused as e:
            return errors.fault_response(e.status, e.message)(
                environ, start_response)
        try:
            return self._answer(environ, start_response)
        except Exception as e:  # never a traceback or an HTML page
            LOG.error("Error on %s %s", request.method, request.path)
            return errors.fault_response(*errors.fault_of(e))(
                environ, start_response)

    def _answer(self, environ, start_response):
        """The app's answer (run again while the database fails it for
        now: ``replay``), an error turned into the JSON body when the app
        (pecan's own 404/405, webob) answered in HTML or text."""
        outcome = replay.answer(self._app, environ,
                                self._conf.api.database_retry_timeout)
        if outcome.error is not None:
            raise outcome.error
        response = errors.with_retry_after(outcome.response)
        if response.status_int >= 400 and \
                response.content_type != "application/json":
            kept = {name: response.headers[name] for name in _KEPT_HEADERS
                    if name in response.headers}
            response = errors.fault_response(
                response.status_int,
                kept.get(SERVER_ERROR_MESSAGE)
                or response.status.split(" ", 1)[-1])
            response.headers.update(kept)
        return response(environ, start_response)

    def _check(self, request):
        _check_utf8(request.environ.get("PATH_INFO", ""), "path")
        _check_utf8(urllib.parse.unquote_to_bytes(
            request.environ.get("QUERY_STRING", "")).decode("latin-1"),
            "query string")
        if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
            return
        body = self._read_body(request)
        _check_form(request)
        if request.method == "DELETE":
            return
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise RequestRefused(400, "Invalid request body: not UTF-8.")
        if text.strip() and _is_json_resource(request.path):
            _check_json(text)

    def _read_body(self, request):
        limit = self._conf.oslo_middleware.max_request_body_size
        too_large = RequestRefused(
            413, "Request body is larger than %d bytes, the limit set by "
                 "[oslo_middleware] max_request_body_size." % limit)
        if (request.content_length or 0) > limit:
            raise too_large
        body = request.body_file_raw.read(limit + 1) \
            if request.content_length is None and request.is_body_readable \
            else request.body
        if len(body) > limit:
            raise too_large
        request.body = body
        return body


# Bodies webob parses into the request's parameters, which pecan and WSME
# read on every request that has one.
_FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def _check_form(request):
    """A form body webob cannot parse (``multipart/form-data`` without a
    boundary, or cut short) is refused here: it crashed every method that
    reads its parameters (a 500, and an empty one in Mistral 23; found by
    schemathesis)."""
    if request.content_type not in _FORM_TYPES:
        return
    try:
        # A part without a name is no parameter (WSME crashed on it).
        valid = None not in request.POST.keys()
    except Exception:  # webob's ValueError, TypeError, ... of a bad form
        valid = False
    if not valid:
        raise RequestRefused(400, "Invalid request body: not a valid %s "
                                  "body." % request.content_type)


def _check_utf8(wsgi_text: str, where: str):
    """WSGI hands the path and query as latin-1 text of the raw bytes."""
    try:
        text = wsgi_text.encode("latin-1").decode("utf-8")
    except UnicodeError:
        raise RequestRefused(400, "Invalid %s: not UTF-8." % where)
    if "\x00" in text:
        raise RequestRefused(400, "Invalid %s: a NUL character." % where)


def _is_json_resource(path):
    parts = path.strip("/").split("/")
    if parts == ["maintenance"]:
        return True
    if len(parts) >= 4 and parts[:2] == ["v2", "workflows"] and \
            parts[3] == "members":
        return True
    return len(parts) >= 2 and parts[0] == "v2" and \
        parts[1] in JSON_BODY_RESOURCES


def _check_json(text):
    """Nesting is counted on the text, before the parser recurses into it.
    Broken JSON is left to WSME, whose answers match Mistral's."""
    if data_limits.json_text_depth(text) > data_limits.MAX_DEPTH:
        raise RequestRefused(400, "Invalid request body: JSON nested deeper "
                                  "than %d levels." % data_limits.MAX_DEPTH)
    try:
        body = json.loads(text)
    except ValueError:
        return
    if not isinstance(body, dict):
        kind = "null" if body is None else type(body).__name__
        raise RequestRefused(400, "Invalid request body: a JSON object is "
                                  "expected, got %s." % kind)
    problem = data_limits.problem_in(body)
    if problem:
        raise RequestRefused(400, "Invalid request body: %s." % problem)
