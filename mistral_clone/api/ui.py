"""``/ui/`` (``[api] ui_enabled``): the web view of executions.

A single page of our own (``ui_static/``: HTML, CSS and plain JavaScript,
nothing fetched from elsewhere) that reads the ``/v2`` API from the
browser, with the browser's own token. The page itself answers without a
token, as it must to ask for one; what it shows comes from ``/v2``, where
the API's authentication and policy apply as for any client, and from two
answers of its own behind the same authentication and policy.

``/ui/graph`` hands the page a workflow's tasks and transitions with their
lines in the definition (``ui_graph``), read by the server's own parser,
so the browser needs no YAML reader.

One thing the page cannot learn from ``/v2`` without trying it: whether the
caller may pause, resume, cancel or rerun. ``/ui/permissions`` answers that
from the same policy rules the API enforces (``executions:update``,
``tasks:update``), for the caller's token (behind the same
keystonemiddleware set-up), so that the page offers only the actions the
API would accept. The API still decides: a refusal (403) is shown as such.

Mounted in front of the API without touching it: nothing under ``/v2``
changes.
"""

import json
import mimetypes
import os
from urllib.parse import parse_qs

from mistral_clone import context
from mistral_clone import exceptions as exc
from mistral_clone.api import policy
from mistral_clone.api import ui_graph

PREFIX = "/ui"
PERMISSIONS_PATH = PREFIX + "/permissions"
GRAPH_PATH = PREFIX + "/graph"
STATIC_DIR = os.path.join(os.path.dirname(__file__), "ui_static")
INDEX = "index.html"
# The rules behind the page's buttons: pause/resume/cancel an execution,
# rerun a task.
ACTION_RULES = ("executions:update", "tasks:update")

_TYPES = {".js": "text/javascript; charset=utf-8",
          ".css": "text/css; charset=utf-8",
          ".html": "text/html; charset=utf-8"}


def mount(app, conf, protect=None):
    """``app`` with the page at ``/ui/`` in front of it; ``protect`` wraps
    the page's answers in the API's authentication (None: auth off)."""
    static_files = _static_files()
    answers = {
        PERMISSIONS_PATH: permissions_app(conf),
        GRAPH_PATH: ui_graph.graph_app(
            lambda environ: _request_context(environ, conf)),
    }
    if protect is not None:
        answers = {path: protect(answer) for path, answer in answers.items()}

    def dispatch(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == PREFIX:
            return _redirect(environ, start_response, PREFIX + "/")
        if not path.startswith(PREFIX + "/"):
            return app(environ, start_response)
        if path in answers:
            return answers[path](environ, start_response)
        name = path[len(PREFIX) + 1:] or INDEX
        if name not in static_files:
            return _plain(start_response, "404 Not Found", b"Not found")
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return _plain(start_response, "405 Method Not Allowed",
                          b"Method not allowed", [("Allow", "GET, HEAD")])
        body = static_files[name]
        start_response("200 OK", [
            ("Content-Type", _content_type(name)),
            ("Content-Length", str(len(body))),
            # The page changes with the package: ask again each time
            # (cheap: a few files, read from memory).
            ("Cache-Control", "no-cache"),
            ("X-Content-Type-Options", "nosniff")])
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]

    return dispatch


def permissions_app(conf):
    """WSGI app answering ``{"<rule>": true|false}`` for ACTION_RULES, for
    the caller and the project in ``?project_id=`` (the execution's owner;
    default the caller's own)."""

    def answer(environ, start_response):
        ctx = _request_context(environ, conf)
        project_id = _query_value(environ, "project_id") or ctx.project_id
        result = {rule: _allowed(rule, ctx, project_id)
                  for rule in ACTION_RULES}
        body = json.dumps(result).encode()
        start_response("200 OK", [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store")])
        return [body]

    return answer


def _allowed(rule, ctx, project_id):
    try:
        policy.enforce(rule, ctx, {"project_id": project_id})
    except exc.NotAllowedError:
        return False
    return True


def _request_context(environ, conf):
    auth_enable = conf.pecan.auth_enable
    auth_uri = auth_cacert = None
    if auth_enable:
        group = conf.keystone_authtoken
        auth_uri, auth_cacert = group.www_authenticate_uri, group.cafile
    return context.RequestContext.from_headers(
        environ, auth_enable, auth_uri, auth_cacert)


def _query_value(environ, name):
    values = parse_qs(environ.get("QUERY_STRING", "")).get(name)
    return values[0] if values else None


def _static_files():
    """``{file name: bytes}`` of the page, read once: only these names are
    ever served (no path from the request reaches the file system)."""
    files = {}
    for name in sorted(os.listdir(STATIC_DIR)):
        path = os.path.join(STATIC_DIR, name)
        if os.path.isfile(path) and not name.startswith("."):
            with open(path, "rb") as f:
                files[name] = f.read()
    return files


def _content_type(name):
    ext = os.path.splitext(name)[1]
    return _TYPES.get(ext) or mimetypes.guess_type(name)[0] or \
        "application/octet-stream"


def _redirect(environ, start_response, location):
    start_response("301 Moved Permanently", [
        ("Location", location), ("Content-Length", "0")])
    return []


def _plain(start_response, status, body, headers=()):
    start_response(status, [("Content-Type", "text/plain"),
                            ("Content-Length", str(len(body)))] +
                   list(headers))
    return [body]

