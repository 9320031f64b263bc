"""The real ``python-mistralclient`` CLI on the commands no other CLI test
runs: sub-executions of an execution and of a task, an execution's
published variables, an action execution's input, output and (refused)
deletion, and cron triggers listed, shown and deleted. Outputs as the
same commands print them against Mistral 23. One embedded server.

Runs when the ``mistral`` CLI is found; skipped otherwise.
"""

import json
import os

import pytest

from tests.functional.server import CLI, run_cli, running_server, \
    write_file
from tests.waiting import wait_for

pytestmark = pytest.mark.skipif(not os.access(CLI, os.X_OK),
                                reason="python-mistralclient not installed")

WF = """---
version: '2.0'
cli_rest_parent:
  tasks:
    first:
      action: std.noop
      on-success: [call]
    call:
      workflow: cli_rest_child
      input:
        x: 1
cli_rest_child:
  input:
    - x
  tasks:
    c1:
      action: std.echo output=<% $.x %>
      publish:
        seen: <% task().result %>
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("cli_rest_state")) as srv:
        run_cli(srv, "workflow-create", write_file(srv, "wf.yaml", WF))
        yield srv


def as_json(server, *args):
    return json.loads(run_cli(server, *args, "-f", "json").stdout)


def finished(server, wf_name, *args):
    """The execution of ``wf_name``, once SUCCESS."""
    ex_id = as_json(server, "execution-create", wf_name, *args)["ID"]
    return wait_for(lambda: as_json(server, "execution-get", ex_id)
                    if as_json(server, "execution-get", ex_id)["State"] ==
                    "SUCCESS" else None, 60, 0.2)


def test_sub_executions_and_published(server):
    parent = finished(server, "cli_rest_parent")
    tree = as_json(server, "execution-get-sub-executions", parent["ID"])
    assert [(e["Workflow name"], e["State"]) for e in tree] == [
        ("cli_rest_parent", "SUCCESS"), ("cli_rest_child", "SUCCESS")]
    [child] = [e for e in tree if e["Workflow name"] == "cli_rest_child"]
    tasks = {t["Name"]: t["ID"] for t in
             as_json(server, "task-list", parent["ID"])}
    assert [e["ID"] for e in as_json(
        server, "task-get-sub-executions", tasks["call"])] == [child["ID"]]
    # None: the CLI prints one blank row (so it does against Mistral).
    assert [e["ID"] for e in as_json(
        server, "task-get-sub-executions", tasks["first"])] == [""]
    # Global variables only (none here), as Mistral 23 prints them; the
    # child's task published its own.
    for ex in (parent, child):
        assert json.loads(run_cli(server, "execution-get-published",
                                  ex["ID"]).stdout) == {}
    [c1] = as_json(server, "task-list", child["ID"])
    assert json.loads(run_cli(server, "task-get-published",
                              c1["ID"]).stdout) == {"seen": 1}


def test_action_execution_input_output_and_refused_delete(server):
    action_id = run_cli(server, "run-action", "std.echo",
                        '{"output": "hi"}', "-s", "-f", "value", "-c",
                        "ID").stdout.strip()
    wait_for(lambda: as_json(server, "action-execution-get", action_id)
             ["State"] == "SUCCESS", 60, 0.2)
    assert json.loads(run_cli(server, "action-execution-get-input",
                              action_id).stdout) == {"output": "hi"}
    assert json.loads(run_cli(server, "action-execution-get-output",
                              action_id).stdout) == {"result": "hi"}
    # [api] allow_action_execution_deletion is false by default.
    refused = run_cli(server, "action-execution-delete", action_id,
                      ok=False)
    assert refused.returncode == 1
    assert "Action execution deletion is not allowed." in refused.stdout
    assert as_json(server, "action-execution-get", action_id)["ID"] == \
        action_id


def test_cron_trigger_list_get_delete(server):
    created = as_json(server, "cron-trigger-create", "cli_rest_cron",
                      "cli_rest_child", '{"x": 1}', "--pattern",
                      "0 0 1 1 *")
    shown = {k: v for k, v in created.items()
             if k not in ("Created at", "Updated at",
                          "Next execution time")}
    assert shown == {"Name": "cli_rest_cron", "Workflow": "cli_rest_child",
                     "Params": "{}", "Pattern": "0 0 1 1 *",
                     "Remaining executions": None}
    [listed] = [t for t in as_json(server, "cron-trigger-list")
                if t["Name"] == "cli_rest_cron"]
    assert listed == created
    assert as_json(server, "cron-trigger-get", "cli_rest_cron") == created
    assert "has been accepted" in run_cli(
        server, "cron-trigger-delete", "cli_rest_cron").stdout
    gone = run_cli(server, "cron-trigger-get", "cli_rest_cron", ok=False)
    assert gone.returncode == 1
    assert "Cron trigger not found [identifier=cli_rest_cron]" in \
        gone.stderr
