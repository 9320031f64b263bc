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

import pytest

from tests.functional import processes
from tests.functional.server import free_port
from tests.waiting import wait_for
from tests.functional.helpers import tasks_of, wait_state

RABBIT_URL = processes.RABBIT_URL

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
    assert tasks["t2"]["runtime_context"]["retry_task_policy"] == {
        "retry_no": 1}
    assert tasks["t3"]["state"] == "SUCCESS"



def test_waits_survive_restart_one_process(tmp_path, db_url, db):
    if not db_url.startswith("sqlite"):
        pytest.skip("one-process variant runs on the SQLite file database")
    port = free_port()
    conf_file = tmp_path / "mc.conf"
    conf_file.write_text(
        "[database]\nconnection = %s\n[api]\nport = %s\n"
        "[scheduler]\ncaptured_job_timeout = 2\n" % (db_url, port))
    services = "api,engine,executor,scheduler"
    base = "http://127.0.0.1:%s/v2" % port
    proc = processes.start(services, conf_file, tmp_path, "first")
    try:
        processes.wait_api(base)
        processes.http("POST", base + "/workflows", WF, "text/plain")
        wf_ex = processes.http("POST", base + "/executions",
                      json.dumps({"workflow_name": "wf"}))
        _task_in(wf_ex["id"], "t1", "DELAYED")
        processes.kill([proc])
        proc = processes.start(services, conf_file, tmp_path, "second")
        _task_in(wf_ex["id"], "t2", "DELAYED")
        processes.kill([proc])
        proc = processes.start(services, conf_file, tmp_path, "third")
        _check_outcome(wf_ex["id"])
    finally:
        processes.kill([proc])


@pytest.mark.skipif(not RABBIT_URL,
                    reason="MISTRAL_CLONE_TEST_RABBIT_URL unset")
@pytest.mark.postgresql
def test_waits_survive_restart_separate_processes(tmp_path, db_url, db):
    from mistral_clone import context as mc_context
    from mistral_clone.services import workflows

    conf_file = tmp_path / "mc.conf"
    conf_text, engine_topic = processes.isolated_conf(
        db_url, "[scheduler]\ncaptured_job_timeout = 2\n")
    conf_file.write_text(conf_text)
    engine_proc = processes.start("engine", conf_file, tmp_path, "1")
    scheduler_proc = processes.start("scheduler", conf_file, tmp_path, "1")
    executor_proc = processes.start("executor", conf_file, tmp_path, "1")
    try:
        with processes.rabbit_engine_client(engine_topic) as engine:
            ctx = mc_context.RequestContext()
            workflows.create_workflows(ctx, WF)
            wf_ex = processes.start_when_listening(engine, ctx, "wf")
        for state_task, tag in (("t1", "2"), ("t2", "3")):
            _task_in(wf_ex["id"], state_task, "DELAYED")
            processes.kill([engine_proc, scheduler_proc])
            engine_proc = processes.start("engine", conf_file, tmp_path, tag)
            scheduler_proc = processes.start("scheduler", conf_file, tmp_path, tag)
        _check_outcome(wf_ex["id"])
    finally:
        processes.kill([engine_proc, scheduler_proc, executor_proc])
