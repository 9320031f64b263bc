"""The real ``python-mistralclient`` CLI against a whole embedded server
(``mistral-clone-server``, every service in one process): executions,
tasks, action executions, environments and reports end to end.

Runs when the ``mistral`` CLI is found (``MISTRAL_CLI`` or the reference
installation); skipped otherwise.
"""

import json
import os
import time

import pytest

from tests.functional.server import (
    CLI, run_cli, running_server, write_file)

pytestmark = pytest.mark.skipif(not os.access(CLI, os.X_OK),
                                reason="python-mistralclient not installed")

WF = """---
version: '2.0'
cli_rt:
  input:
    - name
    - greeting: hello
  tasks:
    t1:
      action: std.echo output="<% $.greeting %> <% $.name %>"
      publish:
        msg: <% task().result %>
      on-success: [t2]
    t2:
      action: std.async_noop
  output:
    msg: <% $.msg %>
    env_a: <% env().a %>
cli_fail:
  tasks:
    f1:
      action: std.fail
"""

ENV = """name: cli_env
description: cli env
variables:
  a: 1
  b: two
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("cli_rt_state")) as srv:
        yield srv


def value(server, *args) -> str:
    return run_cli(server, *args, "-f", "value").stdout.strip()


def as_json(server, *args) -> dict:
    return json.loads(run_cli(server, *args, "-f", "json").stdout)


def wait_value(server, expected, *args, timeout=20.0):
    deadline = time.monotonic() + timeout
    while True:
        got = value(server, *args)
        if got == expected or time.monotonic() > deadline:
            return got
        time.sleep(0.1)


def task_ids(server, ex_id) -> dict:
    lines = value(server, "task-list", ex_id, "-c", "ID", "-c", "Name")
    return {name: id_ for id_, name in
            (line.split() for line in lines.splitlines())}


def test_environment_commands(server):
    got = as_json(server, "environment-create", write_file(server, "env.yaml", ENV))
    assert (got["Name"], got["Description"]) == ("cli_env", "cli env")
    assert json.loads(got["Variables"]) == {"a": 1, "b": "two"}
    assert "cli_env" in value(server, "environment-list", "-c", "Name")
    assert as_json(server, "environment-get", "cli_env")["Scope"] == "private"
    updated = as_json(server, "environment-update", write_file(
        server, "env2.yaml", "name: cli_env\nvariables:\n  a: 3\n"))
    assert json.loads(updated["Variables"]) == {"a": 3}
    run_cli(server, "environment-delete", "cli_env")
    missing = run_cli(server, "environment-get", "cli_env", ok=False)
    assert "Environment not found" in missing.stderr


def test_execution_task_and_action_commands(server):
    run_cli(server, "workflow-create", write_file(server, "wf.yaml", WF))
    run_cli(server, "environment-create", write_file(server, "env.yaml", ENV))
    ex = as_json(server, "execution-create", "cli_rt", '{"name": "bob"}',
                 '{"env": "cli_env"}', "-d", "a run")
    assert (ex["State"], ex["Description"]) == ("RUNNING", "a run")
    ex_id = ex["ID"]
    assert json.loads(run_cli(server, "execution-get-input", ex_id).stdout) == \
        {"name": "bob", "greeting": "hello"}
    tasks = {}
    deadline = time.monotonic() + 20
    while "t2" not in tasks and time.monotonic() < deadline:
        tasks = task_ids(server, ex_id)
    assert value(server, "task-get", tasks["t1"], "-c", "State") == "SUCCESS"
    assert run_cli(server, "task-get-result", tasks["t1"]).stdout.strip() == \
        '"hello bob"'
    assert json.loads(run_cli(server, "task-get-published",
                          tasks["t1"]).stdout) == {"msg": "hello bob"}
    listed = value(server, "execution-list", "--filter",
                   "workflow_name=cli_rt", "-c", "State")
    assert listed == "RUNNING"

    # The async action: paused and resumed through the action API.
    action_id = value(server, "action-execution-list", tasks["t2"], "-c",
                      "ID")
    assert value(server, "action-execution-get", action_id, "-c", "Name") \
        == "std.async_noop"
    assert value(server, "action-execution-update", action_id, "--state",
                 "PAUSED", "-c", "State") == "PAUSED"
    assert wait_value(server, "PAUSED", "execution-get", ex_id, "-c",
                      "State") == "PAUSED"
    assert value(server, "task-get", tasks["t2"], "-c", "State") == "PAUSED"
    assert value(server, "action-execution-update", action_id, "--state",
                 "RUNNING", "-c", "State") == "RUNNING"
    assert wait_value(server, "RUNNING", "execution-get", ex_id, "-c",
                      "State") == "RUNNING"

    # The execution paused and resumed, then the result delivered.
    assert value(server, "execution-update", ex_id, "-s", "PAUSED", "-c",
                 "State") == "PAUSED"
    assert value(server, "execution-update", ex_id, "-s", "RUNNING", "-c",
                 "State") == "RUNNING"
    assert value(server, "action-execution-update", action_id, "--state",
                 "SUCCESS", "--output", '{"x": 1}', "-c", "State") == \
        "SUCCESS"
    assert wait_value(server, "SUCCESS", "execution-get", ex_id, "-c",
                      "State") == "SUCCESS"
    assert json.loads(run_cli(server, "execution-get-output", ex_id).stdout) == \
        {"msg": "hello bob", "env_a": 1}
    report = run_cli(server, "execution-get-report", ex_id).stdout
    assert "workflow 'cli_rt' [SUCCESS] %s" % ex_id in report

    # Rerun of a failed task; --resume is for with-items tasks only.
    fail_id = value(server, "execution-create", "cli_fail", "-c", "ID")
    assert wait_value(server, "ERROR", "execution-get", fail_id, "-c",
                      "State") == "ERROR"
    f1 = task_ids(server, fail_id)["f1"]
    run_cli(server, "task-rerun", f1)
    refused = run_cli(server, "task-rerun", f1, "--resume", ok=False)
    assert "Only with-items task has the option to not reset." in \
        refused.stderr
    assert wait_value(server, "ERROR", "execution-get", fail_id, "-c",
                      "State") == "ERROR"
    assert value(server, "action-execution-list", f1, "-c", "State") \
        .split() == ["ERROR", "ERROR"]
    # Cancelling a finished execution changes nothing, as in Mistral.
    assert value(server, "execution-update", fail_id, "-s", "CANCELLED",
                 "-c", "State") == "ERROR"
    errors = run_cli(server, "execution-get-report", fail_id,
                 "--errors-only").stdout
    assert "task 'f1' [ERROR]" in errors

    cancel_id = value(server, "execution-create", "cli_rt",
                      '{"name": "z"}', "-c", "ID")
    assert value(server, "execution-update", cancel_id, "-s", "CANCELLED",
                 "-c", "State") == "CANCELLED"
    for ex in (ex_id, fail_id, cancel_id):
        run_cli(server, "execution-delete", ex, "--force")
    run_cli(server, "environment-delete", "cli_env")


def test_run_action(server):
    assert json.loads(run_cli(server, "run-action", "std.echo",
                          '{"output": "x"}').stdout) == {"result": "x"}
    # -s saves it and runs it in the background (RUNNING at first).
    saved = value(server, "run-action", "std.echo", '{"output": "s"}', "-s",
                  "-c", "ID", "-c", "State").split()
    assert saved[1] == "RUNNING"
    assert wait_value(server, "SUCCESS", "action-execution-get", saved[0],
                      "-c", "State") == "SUCCESS"
    assert json.loads(run_cli(server, "run-action", "std.echo",
                          '{"output": "y"}', "--run-sync").stdout) == \
        {"result": "y"}
    refused = run_cli(server, "run-action", "std.async_noop", "--run-sync",
                  ok=False)
    assert "Action does not support synchronous execution." in \
        refused.stderr
    missing = run_cli(server, "run-action", "std.nope", "{}", ok=False)
    assert "Failed to find action [action_name=std.nope]" in missing.stderr
