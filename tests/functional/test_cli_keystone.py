"""The real ``python-mistralclient`` CLI with Keystone credentials
(``OS_AUTH_URL``, ``OS_USERNAME``, ``OS_PASSWORD``, ``OS_PROJECT_NAME``...)
against a server with auth on: a representative command of each resource,
and what another project's user gets."""

import json
import os
import subprocess

import pytest

from tests.functional import keystone_api
from tests.functional.server import CLI

WF = """---
version: "2.0"
ks_wf:
  input: [x]
  tasks:
    t:
      action: std.echo output=<% $.x %>
"""

WB = """---
version: "2.0"
name: ks_wb
workflows:
  main:
    tasks:
      t:
        action: std.noop
"""

ACTION = """---
version: "2.0"
ks_act:
  base: std.echo output="x"
"""


pytestmark = pytest.mark.skipif(not os.access(CLI, os.X_OK),
                                reason="python-mistralclient not installed")



@pytest.fixture(scope="module")
def server(keystone, tmp_path_factory):
    state = tmp_path_factory.mktemp("cli-keystone")
    with keystone_api.auth_server(keystone, state) as url:
        keystone.register_mistral(url)
        yield url, state


def mistral(keystone, user, *args, url=None, ok=True):
    """The CLI as ``user``; it finds the API in Keystone's catalog unless
    ``url`` is given (``--os-mistral-url``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update(keystone.cli_env(user))
    prefix = ["--os-mistral-url", url] if url else []
    done = subprocess.run([CLI] + prefix + list(args), env=env,
                          capture_output=True, text=True, timeout=120)
    if ok:
        assert done.returncode == 0, done.stderr
    return done


def as_json(done):
    return json.loads(done.stdout)


def test_every_resource_with_keystone_credentials(server, keystone):
    url, state = server
    files = {}
    for name, text in (("wf", WF), ("wb", WB), ("act", ACTION)):
        files[name] = str(state / ("%s.yaml" % name))
        with open(files[name], "w") as f:
            f.write(text)
    env_file = str(state / "env.json")
    with open(env_file, "w") as f:
        json.dump({"name": "ks_env", "variables": {"v": 1}}, f)

    def run(*args):
        return as_json(mistral(keystone, "a-member", *args, "-f", "json"))

    wf = run("workflow-create", files["wf"])
    assert wf[0]["Project ID"] == keystone.project_ids["a"]
    assert run("workbook-create", files["wb"])["Name"] == "ks_wb"
    assert run("action-create", files["act"])[0]["Name"] == "ks_act"
    assert run("environment-create", env_file)["Name"] == "ks_env"
    ex = run("execution-create", "ks_wf", '{"x": "hello"}')
    done = keystone_api.Caller(
        url, keystone.token("a-member")).finished_execution(ex["ID"])
    assert done["project_id"] == keystone.project_ids["a"]
    tasks = run("task-list", ex["ID"])
    assert [t["Name"] for t in tasks] == ["t"]
    assert run("action-execution-list", tasks[0]["ID"])[0]["State"] == \
        "SUCCESS"
    cron = run("cron-trigger-create", "ks_cron", "ks_wf", '{"x": 1}',
               "--pattern", "0 0 1 1 *")
    assert cron["Name"] == "ks_cron"
    assert "ks_wf" in [w["Name"] for w in run("workflow-list")]

    # Project B's member sees none of it, through the catalog or the URL.
    for extra in ({}, {"url": url}):
        other = mistral(keystone, "b-member", "execution-get", ex["ID"],
                        ok=False, **extra)
        assert other.returncode != 0
        assert "not found" in other.stderr.lower(), other.stderr
        listed = as_json(mistral(keystone, "b-member", "workflow-list",
                                 "-f", "json", **extra))
        assert "ks_wf" not in [w["Name"] for w in listed]

    # A's reader reads and may not write.
    assert as_json(mistral(keystone, "a-reader", "execution-get", ex["ID"],
                           "-f", "json"))["ID"] == ex["ID"]
    refused = mistral(keystone, "a-reader", "execution-create", "ks_wf",
                      '{"x": 2}', ok=False)
    assert refused.returncode != 0
    assert "Operation forbidden" in refused.stderr, refused.stderr


def test_wrong_password_is_refused_by_keystone(server, keystone):
    env_user = "a-member"
    done = subprocess.run(
        [CLI, "workflow-list"], capture_output=True, text=True, timeout=120,
        env=dict({k: v for k, v in os.environ.items()
                  if not k.startswith("OS_")},
                 **dict(keystone.cli_env(env_user), OS_PASSWORD="wrong")))
    assert done.returncode != 0 and done.stdout == ""
