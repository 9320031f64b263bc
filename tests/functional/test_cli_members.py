"""The real ``python-mistralclient`` ``member-*`` commands with Keystone
credentials against a server with auth on: project A shares a workflow
with project B, B accepts it and runs it, A removes the share."""

import json
import os
import subprocess

import pytest

from tests.functional import keystone_api
from tests.functional.server import CLI

WF = """---
version: "2.0"
cli_shared_wf:
  tasks:
    t:
      action: std.noop
"""

pytestmark = pytest.mark.skipif(not os.access(CLI, os.X_OK),
                                reason="python-mistralclient not installed")


def mistral(keystone, url, user, *args, ok=True):
    """The CLI as ``user`` (its Keystone credentials in ``OS_*``). B's
    user names its project by id (``OS_PROJECT_ID``): the client then
    knows it, and ``member-get``/``member-update`` default to it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update(keystone.cli_env(user))
    if user.startswith("b-"):
        del env["OS_PROJECT_NAME"]
        env["OS_PROJECT_ID"] = keystone.project_ids["b"]
    done = subprocess.run([CLI, "--os-mistral-url", url] + list(args),
                          env=env, capture_output=True, text=True,
                          timeout=120)
    if ok:
        assert done.returncode == 0, done.stderr
    return done


def test_member_commands_end_to_end(keystone, tmp_path):
    with keystone_api.auth_server(keystone, tmp_path) as url:
        _share_accept_run_remove(keystone, url, tmp_path)


def _share_accept_run_remove(keystone, url, state):
    a_id, b_id = keystone.project_ids["a"], keystone.project_ids["b"]
    wf_file = state / "wf.yaml"
    wf_file.write_text(WF)

    def run(user, *args):
        return json.loads(mistral(keystone, url, user, *args,
                                  "-f", "json").stdout)

    wf_id = run("a-member", "workflow-create", str(wf_file))[0]["ID"]
    created = run("a-member", "member-create", wf_id, "workflow", b_id)
    assert (created["Resource ID"], created["Resource Type"],
            created["Resource Owner"], created["Member ID"],
            created["Status"]) == (wf_id, "workflow", a_id, b_id, "pending")
    listed = run("a-member", "member-list", wf_id, "workflow")
    assert [(m["Member ID"], m["Status"]) for m in listed] == [
        (b_id, "pending")]
    # B: its own membership without naming it, then accepts it.
    assert run("b-member", "member-get", wf_id, "workflow")["Status"] == \
        "pending"
    assert "cli_shared_wf" not in [
        w["Name"] for w in run("b-member", "workflow-list")]
    updated = run("b-member", "member-update", wf_id, "workflow",
                  "--status", "accepted")
    assert updated["Status"] == "accepted"
    assert run("a-member", "member-get", wf_id, "workflow", "-m",
               b_id)["Status"] == "accepted"
    assert "cli_shared_wf" in [
        w["Name"] for w in run("b-member", "workflow-list")]
    ex = run("b-member", "execution-create", wf_id)
    done = keystone_api.Caller(url, keystone.token(
        "b-member")).finished_execution(ex["ID"])
    assert done["state"] == "SUCCESS"
    assert done["project_id"] == b_id

    # Only A removes it; then B neither sees nor starts it.
    refused = mistral(keystone, url, "b-member", "member-delete", wf_id,
                      "workflow", b_id, ok=False)
    assert refused.returncode != 0
    assert "Resource member not found" in refused.stdout, refused.stdout
    assert "Unable to delete the specified member" in refused.stderr
    mistral(keystone, url, "a-member", "member-delete", wf_id, "workflow",
            b_id)
    # The client shows an empty list as one row of empty cells.
    assert [m["Member ID"] for m in run(
        "a-member", "member-list", wf_id, "workflow")] in ([], [""])
    again = mistral(keystone, url, "b-member", "execution-create", wf_id,
                    ok=False)
    assert again.returncode != 0
    assert "Workflow not found" in again.stderr, again.stderr
