"""A small Mistral v2 REST client for the benchmarks: only ``requests``.

It speaks the wire format of real Mistral (definitions posted as
``text/plain`` YAML, ``input`` sent as a JSON-encoded string, errors as
``{"faultstring": ...}``) so the same bench runs against any compatible
endpoint. One ``requests.Session`` per thread: sessions are not thread-safe.
"""

from __future__ import annotations

import json
import threading
from typing import Any, Iterator, Optional

import requests


class ApiError(Exception):
    """An HTTP error reply, with Mistral's ``faultstring`` when present."""

    def __init__(self, method: str, url: str, status: int, body: str):
        self.status = status
        fault = body
        try:
            fault = json.loads(body).get("faultstring") or body
        except (ValueError, AttributeError):
            pass
        super().__init__("%s %s -> HTTP %s: %s" % (method, url, status,
                                                   str(fault)[:500]))


class MistralClient:
    """Thin wrapper over the endpoints the benchmarks use."""

    def __init__(self, base_url: str, timeout: float = 120.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._local = threading.local()

    # -- plumbing ---------------------------------------------------------
    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            adapter = requests.adapters.HTTPAdapter(pool_connections=4,
                                                    pool_maxsize=4)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            self._local.session = session
        return session

    def _call(self, method: str, path: str, expect: tuple = (200,),
              **kwargs: Any) -> Any:
        url = path if path.startswith("http") else self.base_url + path
        kwargs.setdefault("timeout", self.timeout)
        resp = self._session().request(method, url, **kwargs)
        if resp.status_code not in expect:
            raise ApiError(method, url, resp.status_code, resp.text)
        if resp.status_code == 204 or not resp.content:
            return None
        return resp.json()

    # -- workflows --------------------------------------------------------
    def create_workflows(self, definition: str, namespace: str) -> list:
        """POST /workflows; returns the created workflow resources."""
        body = self._call("POST", "/workflows", expect=(201,),
                          params={"namespace": namespace},
                          data=definition.encode("utf-8"),
                          headers={"Content-Type": "text/plain"})
        return body["workflows"]

    def delete_workflow(self, identifier: str, namespace: str) -> None:
        self._call("DELETE", "/workflows/%s" % identifier, expect=(204,),
                   params={"namespace": namespace})

    # -- executions -------------------------------------------------------
    def start_execution(self, workflow_id: str,
                        wf_input: Optional[dict] = None) -> dict:
        body: dict = {"workflow_id": workflow_id}
        if wf_input is not None:
            body["input"] = json.dumps(wf_input)
        return self._call("POST", "/executions", expect=(201,), json=body)

    def get_execution(self, execution_id: str) -> dict:
        return self._call("GET", "/executions/%s" % execution_id)

    def set_execution_state(self, execution_id: str, state: str) -> dict:
        return self._call("PUT", "/executions/%s" % execution_id,
                          json={"state": state})

    def delete_execution(self, execution_id: str) -> None:
        """Deletes even an unfinished execution (``force``), so a timed-out
        run still leaves nothing behind; 404 means already gone (e.g. a
        sub-workflow deleted with its parent)."""
        try:
            self._call("DELETE", "/executions/%s" % execution_id,
                       expect=(204,), params={"force": "true"})
        except ApiError as err:
            if err.status != 404:
                raise

    def iter_executions(self, fields: str = "id,state",
                        page_size: int = 500, **filters: str
                        ) -> Iterator[dict]:
        """Lists executions matching ``filters`` (e.g. ``workflow_id``),
        following the keyset ``marker`` page by page."""
        params = dict(filters, fields=fields, limit=str(page_size),
                      sort_keys="created_at,id", sort_dirs="asc,asc")
        while True:
            page = self._call("GET", "/executions", params=params)
            rows = page.get("executions", [])
            yield from rows
            if len(rows) < page_size or not page.get("next"):
                return
            params["marker"] = rows[-1]["id"]

    def execution_states(self, **filters: str) -> dict:
        """Maps execution id -> state for the executions matching filters."""
        return {row["id"]: row["state"]
                for row in self.iter_executions(**filters)}
