"""The real ``python-mistralclient`` CLI against our API server:
workflow-*, workbook-* and action-* commands end to end.

Runs when the ``mistral`` CLI is found (``MISTRAL_CLI`` or the reference
installation); skipped otherwise.
"""

import os
import subprocess

import pytest

from tests.functional.server import CLI, running_server


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


def run(server, *args, ok=True):
    url, _state = server
    result = subprocess.run([CLI, "--os-mistral-url", url] + list(args),
                            capture_output=True, text=True, timeout=60)
    if ok:
        assert result.returncode == 0, result.stderr
    return result


def write(server, name, text):
    path = server[1] / name
    path.write_text(text)
    return str(path)


def values(output):
    """``-f value`` output: one list of words per line."""
    return [line.split() for line in output.splitlines() if line.strip()]


def test_workflow_commands(server):
    path = write(server, "wf.yaml", WF)
    run(server, "workflow-create", path)
    assert run(server, "workflow-validate", path).stdout.count("True") == 1
    listed = run(server, "workflow-list", "--filter", "tags=cli", "-c",
                 "Name", "-f", "value").stdout
    assert values(listed) == [["cli_wf1"]]
    got = run(server, "workflow-get", "cli_wf1", "-f", "value", "-c",
              "Input").stdout
    assert got.strip() == "x"
    assert "cli_wf2" in run(server, "workflow-get-definition",
                            "cli_wf2").stdout
    one = write(server, "wf1.yaml", WF.split("cli_wf2:")[0])
    run(server, "workflow-update", one, "--id", "cli_wf1")
    run(server, "workflow-delete", "cli_wf1", "cli_wf2")
    missing = run(server, "workflow-get", "cli_wf1", ok=False)
    assert "Workflow not found" in missing.stderr + missing.stdout


def test_workbook_commands(server):
    path = write(server, "wb.yaml", WB)
    run(server, "workbook-create", path)
    assert "True" in run(server, "workbook-validate", path).stdout
    listed = run(server, "workbook-list", "-c", "Name", "-f",
                 "value").stdout
    assert values(listed) == [["cli_wb"]]
    assert run(server, "workbook-get-definition", "cli_wb").stdout.strip() \
        == WB.strip()
    run(server, "workbook-update", path)
    assert "cli_wb.main" in run(server, "workflow-list", "-c", "Name",
                                "-f", "value").stdout
    run(server, "workbook-delete", "cli_wb")
    assert run(server, "workbook-list", "-f", "value").stdout.strip() == ""


def test_action_commands(server):
    path = write(server, "act.yaml", ACTION)
    run(server, "action-create", path)
    assert "True" in run(server, "action-validate", path).stdout
    listed = run(server, "action-list", "--filter", "name=has:cli_", "-c",
                 "Name", "-c", "Input", "-f", "value").stdout
    assert values(listed) == [["cli_act", "a"]]
    got = run(server, "action-get", "std.echo", "-f", "value", "-c",
              "Is system").stdout
    assert got.strip() == "False"
    assert "from the cli" in run(server, "action-get-definition",
                                 "cli_act").stdout
    run(server, "action-update", path)
    run(server, "action-delete", "cli_act")
    refused = run(server, "action-delete", "std.echo", ok=False)
    assert "Action definition not found" in refused.stderr + refused.stdout
