"""The API of a server with auth on, as the people of ``tests.keystone``
call it: one ``Caller`` per user, with that user's token."""

import contextlib

import requests

from tests import waiting
from tests.functional import server as server_mod

FINISHED = ("SUCCESS", "ERROR", "CANCELLED")


@contextlib.contextmanager
def auth_server(keystone, state_dir, services="all", extra_conf="",
                token_cache=False):
    """A ``mistral-clone-server`` with auth on against ``keystone``;
    yields its ``/v2`` URL. ``token_cache``: a token validated once is
    trusted for a while (for tests that revoke none: fewer calls to
    Keystone)."""
    with server_mod.running_server(
            state_dir, services,
            keystone.authtoken_conf(cache=token_cache) + extra_conf
    ) as (url, _state):
        yield url


class Caller:
    """Requests to ``url`` (``.../v2``) with ``token`` (None: without)."""

    def __init__(self, url, token=None):
        self.url = url
        self.token = token

    def request(self, method, path, **kwargs):
        headers = dict(kwargs.pop("headers", {}))
        if self.token:
            headers["X-Auth-Token"] = self.token
        return requests.request(method, self.url + path, headers=headers,
                                timeout=60, **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def put(self, path, **kwargs):
        return self.request("PUT", path, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)

    def post_definition(self, path, text, **params):
        """POST (or PUT with ``_method``) a YAML definition."""
        method = params.pop("_method", "POST")
        return self.request(method, path, data=text, params=params,
                            headers={"Content-Type": "text/plain"})

    def finished_execution(self, ex_id, timeout=120):
        """The execution ``ex_id`` once it has finished (bounded wait)."""
        def finished():
            execution = self.get("/executions/" + ex_id).json()
            return execution if execution["state"] in FINISHED else None
        return waiting.wait_for(finished, timeout=timeout, interval=0.1)
