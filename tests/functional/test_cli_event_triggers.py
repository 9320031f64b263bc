"""The real ``python-mistralclient`` CLI's ``event-trigger-*`` commands
against a whole embedded server (every service, the event engine too, in
one process)."""

import json
import os

import pytest

from tests.functional.server import (
    CLI, run_cli, running_server, write_file)

pytestmark = pytest.mark.skipif(not os.access(CLI, os.X_OK),
                                reason="python-mistralclient not installed")

WF = """---
version: '2.0'
cli_ev:
  input:
    - a
  tasks:
    t1:
      action: std.noop
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("cli_ev_state")) as srv:
        yield srv


def as_json(server, *args):
    return json.loads(run_cli(server, *args, "-f", "json").stdout)


def test_event_trigger_commands(server):
    [wf] = as_json(server, "workflow-create",
                   write_file(server, "wf.yaml", WF))
    created = as_json(
        server, "event-trigger-create", "tr1", wf["ID"], "nova",
        "notifications", "compute.instance.create.end",
        write_file(server, "in.json", '{"a": 1}'),
        "--params", '{"env": {"k": 1}}')
    assert (created["Name"], created["Workflow ID"], created["Exchange"],
            created["Topic"], created["Event"]) == (
        "tr1", wf["ID"], "nova", "notifications",
        "compute.instance.create.end")
    assert json.loads(created["Params"]) == {"env": {"k": 1}}
    assert created["Updated at"] is None

    listed = as_json(server, "event-trigger-list")
    assert [t["ID"] for t in listed] == [created["ID"]]
    got = as_json(server, "event-trigger-get", created["ID"])
    assert got == created

    again = run_cli(server, "event-trigger-create", "tr1", wf["ID"], "nova",
                    "notifications", "compute.instance.create.end",
                    write_file(server, "in2.json", '{"a": 1}'), ok=False)
    assert "Duplicate entry for EventTrigger" in again.stderr

    run_cli(server, "event-trigger-delete", created["ID"])
    # (The CLI shows an empty list as one row of empty cells.)
    assert [t["ID"] for t in as_json(server, "event-trigger-list")
            if t["ID"]] == []
    missing = run_cli(server, "event-trigger-get", created["ID"], ok=False)
    assert "Event trigger not found [id=%s]." % created["ID"] in \
        missing.stderr
