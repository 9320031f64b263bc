"""``/metrics`` on the api, and the time of every request.

``measure`` wraps the whole WSGI stack, so requests refused before pecan
(no token, a bad body, an unknown path) are counted too. ``mount`` serves
``/metrics`` inside the authentication middleware: with ``[pecan]
auth_enable`` a scrape needs a token whose roles pass ``metrics:get``
(admins by default); without auth it is open, as the rest of the API.
"""

import time

from mistral_clone import context
from mistral_clone import exceptions as exc
from mistral_clone.api import errors
from mistral_clone.api import policy
from mistral_clone.metrics import api as api_metrics
from mistral_clone.metrics import exposition

PATH = "/metrics"
POLICY_RULE = "metrics:get"


def measure(app):
    """``app`` with each request's time observed once its answer is
    ready (pecan answers with a finished body)."""
    def measured(environ, start_response):
        started = time.perf_counter()
        status = []

        def start(status_line, headers, exc_info=None):
            status.append(status_line[:3])
            return start_response(status_line, headers, exc_info)

        try:
            return app(environ, start)
        finally:
            api_metrics.observe_request(
                environ.get("REQUEST_METHOD", ""),
                environ.get("PATH_INFO", ""),
                status[-1] if status else "500",
                time.perf_counter() - started)
    return measured


def mount(app, conf):
    """``app`` with ``/metrics`` answered by this process's metrics."""
    def dispatch(environ, start_response):
        if environ.get("PATH_INFO", "") != PATH:
            return app(environ, start_response)
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            response = errors.fault_response(405, "Method Not Allowed")
            response.headers["Allow"] = "GET, HEAD"
            return response(environ, start_response)
        try:
            ctx = context.RequestContext.from_headers(
                environ, conf.pecan.auth_enable)
            policy.enforce(POLICY_RULE, ctx)
        except exc.NotAllowedError as e:
            return errors.fault_response(403, e.message)(
                environ, start_response)
        return exposition.wsgi_app(environ, start_response)
    return dispatch
