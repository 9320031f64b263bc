"""Maintenance mode through the real HTTP API with api, engine and
executor as separate processes over RabbitMQ and PostgreSQL: entering it
pauses the running executions (their running actions finish, nothing new
starts, new executions are refused with 423) and the mode reaches PAUSED;
leaving it resumes them to SUCCESS.

Skipped unless MISTRAL_CLONE_TEST_RABBIT_URL is set."""

import json
import urllib.error
import urllib.request

import pytest

from tests.functional import processes
from tests.functional.helpers import get_wf_ex
from tests.functional.helpers import tasks_of
from tests.functional.server import free_port
from tests.waiting import wait_for

WF = """---
version: '2.0'
sleep_then_noop:
  tasks:
    first:
      action: std.sleep seconds=3
      on-success: second
    second:
      action: std.noop
"""


def _request(method, url, body=None, content_type="application/json"):
    """(status, headers, JSON body) even for an error status."""
    data = body.encode() if isinstance(body, str) else body
    headers = {"Content-Type": content_type}
    if content_type == "application/json":
        headers["Accept"] = content_type
    req = urllib.request.Request(url, data=data, method=method,
                                 headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.headers, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, e.headers, json.loads(e.read() or b"null")


@pytest.mark.skipif(not processes.RABBIT_URL,
                    reason="MISTRAL_CLONE_TEST_RABBIT_URL unset")
@pytest.mark.postgresql
def test_maintenance_pauses_and_resumes_executions(tmp_path, db_url, db):
    port = free_port()
    conf_file, _topic = processes.write_isolated_conf(
        tmp_path, db_url, "[api]\nport = %d\n" % port)
    root = "http://127.0.0.1:%d" % port
    base = root + "/v2"
    procs = [processes.start(s, conf_file, tmp_path)
             for s in ("engine", "executor", "api")]
    try:
        processes.wait_api(base)
        status, _, _ = _request("POST", base + "/workflows", WF,
                                "text/plain")
        assert status == 201
        ex_ids = []
        for _ in range(2):
            status, _, body = _request(
                "POST", base + "/executions",
                json.dumps({"workflow_name": "sleep_then_noop"}))
            assert status == 201, body
            ex_ids.append(body["id"])
        wait_for(lambda: all(
            (tasks_of(i).get("first") or {}).get("state") == "RUNNING"
            for i in ex_ids), 60, 0.1)

        status, _, body = _request("PUT", root + "/maintenance",
                                   json.dumps({"status": "PAUSED"}))
        assert (status, body) == (200, {"status": "PAUSING"})

        status, headers, body = _request(
            "POST", base + "/executions",
            json.dumps({"workflow_name": "sleep_then_noop"}))
        assert status == 423
        assert headers["Server-Error-Message"].startswith(
            "Current Mistral state is PAUSING")

        wait_for(lambda: _request("GET", root + "/maintenance")[2] ==
                 {"status": "PAUSED"}, 60, 0.2)
        for ex_id in ex_ids:
            assert get_wf_ex(ex_id)["state"] == "PAUSED"
            tasks = tasks_of(ex_id)
            # The running action ended; nothing after it started.
            assert tasks["first"]["state"] == "SUCCESS"
            assert "second" not in tasks
        status, _, body = _request(
            "POST", base + "/executions",
            json.dumps({"workflow_name": "sleep_then_noop"}))
        assert status == 423

        status, _, body = _request("PUT", root + "/maintenance",
                                   json.dumps({"status": "RUNNING"}))
        assert (status, body) == (200, {"status": "RUNNING"})
        wait_for(lambda: all(get_wf_ex(i)["state"] == "SUCCESS"
                             for i in ex_ids), 60, 0.2)
        status, _, body = _request(
            "POST", base + "/executions",
            json.dumps({"workflow_name": "sleep_then_noop"}))
        assert status == 201
    finally:
        processes.stop(procs)
