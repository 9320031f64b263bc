"""Maintenance mode as python-mistralclient users meet it (the CLI has no
maintenance command; they set it over HTTP): while PAUSED the CLI's
writes fail with Mistral's message, an async action that runs keeps the
mode at PAUSING until its result comes (a PUT the hook lets through),
and RUNNING lets everything go on. One embedded server."""

import json
import os
import urllib.request

import pytest

from tests.functional.server import CLI, run_cli, running_server, \
    write_file
from tests.waiting import wait_for

pytestmark = pytest.mark.skipif(not os.access(CLI, os.X_OK),
                                reason="python-mistralclient not installed")

WF = """---
version: '2.0'
maint_async:
  tasks:
    wait_for_it:
      action: std.async_noop
      on-success: after
    after:
      action: std.noop
"""


def _maintenance(base, status=None):
    root = base[:-len("/v2")]
    data = None if status is None else json.dumps(
        {"status": status}).encode()
    req = urllib.request.Request(
        root + "/maintenance", data=data,
        method="GET" if status is None else "PUT",
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())["status"]


def _show(server, kind, ident):
    return json.loads(run_cli(server, kind + "-get", ident, "-f",
                              "json").stdout)


def test_cli_in_maintenance(tmp_path):
    with running_server(tmp_path) as server:
        base, _ = server
        run_cli(server, "workflow-create", write_file(server, "wf.yaml", WF))
        ex = json.loads(run_cli(server, "execution-create", "maint_async",
                                "-f", "json").stdout)
        tasks = wait_for(lambda: json.loads(run_cli(
            server, "task-list", ex["ID"], "-f", "json").stdout), 30, 0.2)
        task_id = tasks[0]["ID"]
        action = wait_for(lambda: json.loads(run_cli(
            server, "action-execution-list", task_id, "-f",
            "json").stdout), 30, 0.2)[0]

        assert _maintenance(base, "PAUSED") == "PAUSING"
        wait_for(lambda: _show(server, "execution", ex["ID"])["State"]
                 == "PAUSED", 30, 0.2)
        # The async action still runs: not PAUSED yet, and new work is
        # refused with Mistral's message.
        assert _maintenance(base) == "PAUSING"
        refused = run_cli(server, "execution-create", "maint_async",
                          ok=False)
        assert refused.returncode != 0
        assert ("Current Mistral state is PAUSING. Method is not allowed"
                in refused.stderr), refused.stderr
        # Its result is let through; then nothing runs: PAUSED.
        run_cli(server, "action-execution-update", action["ID"],
                "--state", "SUCCESS", "--output", '{"x": 1}')
        wait_for(lambda: _maintenance(base) == "PAUSED", 30, 0.2)
        assert _show(server, "execution", ex["ID"])["State"] == "PAUSED"
        refused = run_cli(server, "workflow-delete", "maint_async",
                          ok=False)
        # (The CLI prints a delete's reason on stdout.)
        assert ("Current Mistral state is PAUSED. Method is not allowed"
                in refused.stdout), refused.stdout

        assert _maintenance(base, "RUNNING") == "RUNNING"
        wait_for(lambda: _show(server, "execution", ex["ID"])["State"]
                 == "SUCCESS", 30, 0.2)
        run_cli(server, "execution-create", "maint_async")
