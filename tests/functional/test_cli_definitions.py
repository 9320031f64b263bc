"""The real ``python-mistralclient`` CLI against our API server:
workflow-*, workbook-* and action-* commands end to end.

Runs when the ``mistral`` CLI is found (``MISTRAL_CLI`` or the reference
installation); skipped otherwise.
"""

import os

import pytest

from tests.functional.server import (
    CLI, run_cli, running_server, write_file)


pytestmark = pytest.mark.skipif(not os.access(CLI, os.X_OK),
                                reason="python-mistralclient not installed")

WF = """---
version: "2.0"
cli_wf1:
  tags: [cli]
  input: [x]
  tasks:
    t:
      action: std.noop
cli_wf2:
  tasks:
    t:
      action: std.noop
"""

WB = """---
version: "2.0"
name: cli_wb
actions:
  act:
    base: std.echo output="hi"
workflows:
  main:
    tasks:
      t:
        action: cli_wb.act
"""

ACTION = """---
version: "2.0"
cli_act:
  description: from the cli
  base: std.echo output="x"
  input: [a]
"""



@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("cli_state"),
                        services="api") as srv:
        yield srv


def values(output):
    """``-f value`` output: one list of words per line."""
    return [line.split() for line in output.splitlines() if line.strip()]


def test_workflow_commands(server):
    path = write_file(server, "wf.yaml", WF)
    run_cli(server, "workflow-create", path)
    assert run_cli(server, "workflow-validate", path).stdout.count("True") == 1
    listed = run_cli(server, "workflow-list", "--filter", "tags=cli", "-c",
                 "Name", "-f", "value").stdout
    assert values(listed) == [["cli_wf1"]]
    got = run_cli(server, "workflow-get", "cli_wf1", "-f", "value", "-c",
              "Input").stdout
    assert got.strip() == "x"
    assert "cli_wf2" in run_cli(server, "workflow-get-definition",
                            "cli_wf2").stdout
    one = write_file(server, "wf1.yaml", WF.split("cli_wf2:")[0])
    run_cli(server, "workflow-update", one, "--id", "cli_wf1")
    run_cli(server, "workflow-delete", "cli_wf1", "cli_wf2")
    missing = run_cli(server, "workflow-get", "cli_wf1", ok=False)
    assert "Workflow not found" in missing.stderr + missing.stdout


def test_workbook_commands(server):
    path = write_file(server, "wb.yaml", WB)
    run_cli(server, "workbook-create", path)
    assert "True" in run_cli(server, "workbook-validate", path).stdout
    listed = run_cli(server, "workbook-list", "-c", "Name", "-f",
                 "value").stdout
    assert values(listed) == [["cli_wb"]]
    assert run_cli(server, "workbook-get-definition", "cli_wb").stdout.strip() \
        == WB.strip()
    run_cli(server, "workbook-update", path)
    assert "cli_wb.main" in run_cli(server, "workflow-list", "-c", "Name",
                                "-f", "value").stdout
    run_cli(server, "workbook-delete", "cli_wb")
    assert run_cli(server, "workbook-list", "-f", "value").stdout.strip() == ""


def test_action_commands(server):
    path = write_file(server, "act.yaml", ACTION)
    run_cli(server, "action-create", path)
    assert "True" in run_cli(server, "action-validate", path).stdout
    listed = run_cli(server, "action-list", "--filter", "name=has:cli_", "-c",
                 "Name", "-c", "Input", "-f", "value").stdout
    assert values(listed) == [["cli_act", "a"]]
    got = run_cli(server, "action-get", "std.echo", "-f", "value", "-c",
              "Is system").stdout
    assert got.strip() == "False"
    assert "from the cli" in run_cli(server, "action-get-definition",
                                 "cli_act").stdout
    run_cli(server, "action-update", path)
    run_cli(server, "action-delete", "cli_act")
    refused = run_cli(server, "action-delete", "std.echo", ok=False)
    assert "Action definition not found" in refused.stderr + refused.stdout
