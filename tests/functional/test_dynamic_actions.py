"""Dynamic actions on real processes: api, engine and executor over
RabbitMQ (and PostgreSQL when set). The executor runs the current version
of a code source without a restart, imports each version once, and a code
source that raises or hangs at import fails its task with a clear message
while the executor goes on."""

import json
import urllib.error
import urllib.request

import pytest

from tests.functional import processes
from tests.functional.server import free_port
from tests.waiting import wait_for

pytestmark = pytest.mark.skipif(not processes.RABBIT_URL,
                                reason="MISTRAL_CLONE_TEST_RABBIT_URL unset")

MODULE = '''
with open(%(log)r, "a") as log:
    log.write("imported\\n")


class Greet:
    def __init__(self, name):
        self.name = name

    def run(self, context):
        return "%(greeting)s " + self.name
'''

WF = """
version: '2.0'
greet_wf:
  tasks:
    t1:
      action: greet name="proc"
      publish: {out: <% task().result %>}
  output: {out: <% $.out %>}
broken_wf:
  tasks:
    t1:
      action: broken
hanging_wf:
  tasks:
    t1:
      action: hanging
"""


def call(base, method, path, body=None, content_type="application/json"):
    data = json.dumps(body) if isinstance(body, dict) else body
    req = urllib.request.Request(
        base + path, data=data.encode() if data is not None else None,
        method=method, headers={"Content-Type": content_type,
                                "X-Roles": "admin"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read() or b"null")


def code_source(base, name, text, method="POST"):
    path = "/code_sources?name=%s" % name if method == "POST" \
        else "/code_sources/%s" % name
    return call(base, method, path, text, "text/plain")


def run_workflow(base, wf_name):
    wf_ex = call(base, "POST", "/executions", {"workflow_name": wf_name})

    def done():
        got = call(base, "GET", "/executions/%s" % wf_ex["id"])
        return got if got["state"] in ("SUCCESS", "ERROR") else None
    return wait_for(done, timeout=90, interval=0.2)


def assert_fails_to_load(base, source_name, text, action_name, why):
    """A workflow calling a dynamic action of a code source made of
    ``text`` fails its task, saying ``why``."""
    code_source(base, source_name, text)
    call(base, "POST", "/dynamic_actions", {
        "name": action_name, "class_name": "Greet",
        "code_source_name": source_name})
    done = run_workflow(base, "%s_wf" % action_name)
    assert done["state"] == "ERROR"
    assert "Failed to load code source [name=%s" % source_name in \
        done["state_info"]
    assert why in done["state_info"]


@pytest.mark.postgresql
def test_dynamic_actions_on_an_executor_process(tmp_path, db_url, db):
    port = free_port()
    conf_file, _topic = processes.write_isolated_conf(
        tmp_path, db_url,
        "[api]\nport = %d\n[dynamic_actions]\nimport_timeout = 3\n" % port)
    procs = [processes.start(s, conf_file, tmp_path)
             for s in ("api", "engine", "executor")]
    executor = procs[2]
    base = "http://127.0.0.1:%d/v2" % port
    log = tmp_path / "imports.log"
    try:
        processes.wait_api(base)
        code_source(base, "greeting", MODULE % {"log": str(log),
                                                "greeting": "hello"})
        call(base, "POST", "/dynamic_actions", {
            "name": "greet", "class_name": "Greet",
            "code_source_name": "greeting"})
        call(base, "POST", "/workflows", WF, "text/plain")

        for _ in range(2):
            done = run_workflow(base, "greet_wf")
            assert done["state"] == "SUCCESS", done["state_info"]
            assert json.loads(done["output"]) == {"out": "hello proc"}
        # One import for both runs.
        assert log.read_text() == "imported\n"

        updated = code_source(base, "greeting", MODULE % {
            "log": str(log), "greeting": "hi"}, method="PUT")
        assert updated["version"] == 2
        done = run_workflow(base, "greet_wf")
        assert json.loads(done["output"]) == {"out": "hi proc"}
        assert log.read_text() == "imported\nimported\n"

        assert_fails_to_load(base, "raising",
                             "raise RuntimeError('no luck')\n", "broken",
                             "RuntimeError: no luck")
        assert_fails_to_load(base, "sleepy",
                             "import time\ntime.sleep(3600)\n", "hanging",
                             "importing took longer than 3.0 seconds")

        # The executor is still there and still runs actions.
        assert executor.poll() is None
        done = run_workflow(base, "greet_wf")
        assert json.loads(done["output"]) == {"out": "hi proc"}
    except urllib.error.HTTPError as e:
        raise AssertionError(e.read()) from e
    finally:
        processes.stop(procs)
