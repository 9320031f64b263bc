"""The api's metrics: each request's latency by method, route template
and status (``mistral_clone.api.metrics`` observes them)."""

import prometheus_client

from mistral_clone.metrics import routes

METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE",
                     "OPTIONS"))

REQUEST_DURATION = prometheus_client.Histogram(
    "mistral_api_request_duration_seconds",
    "Time the api took to answer a request, by HTTP method, route "
    "template (ids replaced by {id}; paths of no route: other) and "
    "status.",
    ["method", "route", "status"])

# (method, route, status) -> labelled child: every value is bounded.
_children = {}


def observe_request(method: str, path: str, status: str,
                    seconds: float) -> None:
    if method not in METHODS:
        method = "other"
    key = (method, routes.route_template(path), status)
    child = _children.get(key)
    if child is None:
        child = _children[key] = REQUEST_DURATION.labels(*key)
    child.observe(seconds)
