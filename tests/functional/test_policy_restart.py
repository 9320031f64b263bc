"""Durable waits: kill -9 the engine and the scheduler in the middle of a
wait-before and of a retry delay, start them again, and the execution
finishes as it would have.

* ``test_waits_survive_restart_one_process``: api+engine+executor+scheduler
  in one process (fake:/ transport, SQLite file), always runs.
* ``test_waits_survive_restart_separate_processes``: engine, executor and
  scheduler as separate processes over RabbitMQ; skipped unless
  MISTRAL_CLONE_TEST_RABBIT_URL is set.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.waiting import wait_for
from tests.functional.helpers import tasks_of, wait_state

RABBIT_URL = os.environ.get("MISTRAL_CLONE_TEST_RABBIT_URL")

WF = """
version: '2.0'
wf:
  tasks:
    t1:
      action: std.echo output=1
      wait-before: 2
      on-success: t2
    t2:
      action: std.fail
      retry: {count: 1, delay: 2}
      on-error: t3
    t3:
      action: std.echo output="done"
      publish: {r: <% task().result %>}
  output: {r: <% $.r %>}
"""


def _start(services, conf_file, tmp_path, tag):
    log = open(tmp_path / ("%s-%s.log" % (services.replace(",", "_"),
                                          tag)), "w")
    return subprocess.Popen(
        [sys.executable, "-m", "mistral_clone.cmd.server", "--server",
         services, "--config-file", str(conf_file)],
        stdout=log, stderr=subprocess.STDOUT)


def _kill(procs):
    for proc in procs:
        proc.kill()  # SIGKILL: no clean shutdown
    for proc in procs:
        proc.wait(timeout=30)


def _task_in(wf_ex_id, name, state):
    return wait_for(lambda: (tasks_of(wf_ex_id).get(name) or {}).get(
        "state") == state, 30)


def _check_outcome(wf_ex_id):
    done = wait_state(wf_ex_id, timeout=60)
    assert done["state"] == "SUCCESS", done["state_info"]
    assert done["output"] == {"r": "done"}
    tasks = tasks_of(wf_ex_id)
    assert tasks["t1"]["state"] == "SUCCESS"
    assert tasks["t2"]["state"] == "ERROR"
    assert tasks["t2"]["runtime_context"] == {
        "retry_task_policy": {"retry_no": 1}}
    assert tasks["t3"]["state"] == "SUCCESS"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _http(method, url, body=None, content_type="application/json"):
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": content_type})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read() or b"null")


def test_waits_survive_restart_one_process(tmp_path, db_url, db):
    if not db_url.startswith("sqlite"):
        pytest.skip("one-process variant runs on the SQLite file database")
    port = _free_port()
    conf_file = tmp_path / "mc.conf"
    conf_file.write_text(
        "[database]\nconnection = %s\n[api]\nport = %s\n"
        "[scheduler]\ncaptured_job_timeout = 2\n" % (db_url, port))
    services = "api,engine,executor,scheduler"
    base = "http://127.0.0.1:%s/v2" % port
    proc = _start(services, conf_file, tmp_path, "first")
    try:
        def ready():
            try:
                return _http("GET", base + "/workflows") is not None
            except OSError:
                return False
        wait_for(ready, 60, 0.2)
        _http("POST", base + "/workflows", WF, "text/plain")
        wf_ex = _http("POST", base + "/executions",
                      json.dumps({"workflow_name": "wf"}))
        _task_in(wf_ex["id"], "t1", "DELAYED")
        _kill([proc])
        proc = _start(services, conf_file, tmp_path, "second")
        _task_in(wf_ex["id"], "t2", "DELAYED")
        _kill([proc])
        proc = _start(services, conf_file, tmp_path, "third")
        _check_outcome(wf_ex["id"])
    finally:
        _kill([proc])


@pytest.mark.skipif(not RABBIT_URL,
                    reason="MISTRAL_CLONE_TEST_RABBIT_URL unset")
@pytest.mark.postgresql
def test_waits_survive_restart_separate_processes(tmp_path, db_url, db):
    from mistral_clone import config
    from mistral_clone import context as mc_context
    from mistral_clone.rpc import clients
    from mistral_clone.rpc import transport
    from mistral_clone.services import workflows

    conf_file = tmp_path / "mc.conf"
    conf_file.write_text(
        "[DEFAULT]\ntransport_url = %s\n[database]\nconnection = %s\n"
        "[scheduler]\ncaptured_job_timeout = 2\n" % (RABBIT_URL, db_url))
    engine_proc = _start("engine", conf_file, tmp_path, "1")
    scheduler_proc = _start("scheduler", conf_file, tmp_path, "1")
    executor_proc = _start("executor", conf_file, tmp_path, "1")
    try:
        transport.transport_url()  # registers oslo.messaging's options
        config.CONF.set_override("transport_url", RABBIT_URL)
        clients.cleanup()
        engine = clients.get_engine_client()
        config.CONF.set_override("rpc_response_timeout", 5)
        ctx = mc_context.RequestContext()
        workflows.create_workflows(ctx, WF)
        deadline = time.monotonic() + 30
        while True:
            try:
                wf_ex = engine.start_workflow(ctx, "wf")
                break
            except Exception:  # noqa: BLE001 - engine not listening yet
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        for state_task, tag in (("t1", "2"), ("t2", "3")):
            _task_in(wf_ex["id"], state_task, "DELAYED")
            _kill([engine_proc, scheduler_proc])
            engine_proc = _start("engine", conf_file, tmp_path, tag)
            scheduler_proc = _start("scheduler", conf_file, tmp_path, tag)
        _check_outcome(wf_ex["id"])
    finally:
        _kill([engine_proc, scheduler_proc, executor_proc])
        config.CONF.clear_override("transport_url")
        config.CONF.clear_override("rpc_response_timeout")
        clients.cleanup()
