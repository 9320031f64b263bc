"""Action heartbeats across processes: an executor killed (-9) in the
middle of a ``std.sleep`` stops sending heartbeats; the engine's checker
runs the action again on another executor when its task says
``safe-rerun: true`` (the workflow succeeds), and fails it with Mistral's
"Heartbeat wasn't received." otherwise.

* ``test_killed_executor_safe_rerun_or_heartbeat_error``: engine and
  executors as separate processes over RabbitMQ and PostgreSQL; skipped
  unless MISTRAL_CLONE_TEST_RABBIT_URL is set. Topics of their own, so
  that other runs on the same broker do not take these messages.
* ``test_restart_of_one_process``: the embedded server (fake:/, SQLite)
  killed and started again: its executor died with it, so the same rules
  apply after the heartbeat timeout.
"""

import json
import time

import pytest

from tests.functional.helpers import action_exs_of
from tests.functional.helpers import tasks_of
from tests.functional.helpers import wait_state
from tests.functional import processes
from tests.waiting import wait_for

RABBIT_URL = processes.RABBIT_URL

WF = """
version: '2.0'
hb_safe:
  tasks:
    t:
      action: std.sleep seconds=5
      safe-rerun: true
hb_unsafe:
  tasks:
    t:
      action: std.sleep seconds=5
      safe-rerun: false
"""

HEARTBEAT_ERROR = "Heartbeat wasn't received."
HEARTBEAT_CONF = ("[action_heartbeat]\ncheck_interval = 1\n"
                  "max_missed_heartbeats = 2\nfirst_heartbeat_timeout = 2\n")


def _beating_action(wf_ex_id):
    """The task's action execution once an executor has sent its first
    heartbeat for it (it is running there)."""
    tasks = tasks_of(wf_ex_id)
    if "t" not in tasks:
        return None
    actions = action_exs_of(tasks["t"]["id"])
    if len(actions) == 1 and actions[0]["state"] == "RUNNING" and \
            actions[0]["last_heartbeat"] is not None:
        return actions[0]
    return None


@pytest.mark.skipif(not RABBIT_URL,
                    reason="MISTRAL_CLONE_TEST_RABBIT_URL unset")
@pytest.mark.postgresql
def test_killed_executor_safe_rerun_or_heartbeat_error(tmp_path, db_url, db):
    from mistral_clone import context as mc_context
    from mistral_clone.services import workflows

    conf_text, engine_topic = processes.isolated_conf(db_url,
                                                      HEARTBEAT_CONF)
    conf_file = tmp_path / "mc.conf"
    conf_file.write_text(conf_text)
    engine_proc = processes.start("engine", conf_file, tmp_path, "1")
    executor_a = processes.start("executor", conf_file, tmp_path, "a")
    procs = [engine_proc, executor_a]
    try:
        with processes.rabbit_engine_client(engine_topic) as engine:
            ctx = mc_context.RequestContext()
            workflows.create_workflows(ctx, WF)
            safe = processes.start_when_listening(engine, ctx, "hb_safe")
            unsafe = engine.start_workflow(ctx, "hb_unsafe")

        # Both sleeps run on executor A (the only one) and it beats.
        safe_action = wait_for(lambda: _beating_action(safe["id"]), 30, 0.1)
        unsafe_action = wait_for(lambda: _beating_action(unsafe["id"]), 30,
                                 0.1)
        processes.kill([executor_a])
        killed_at = time.monotonic()
        procs.append(processes.start("executor", conf_file, tmp_path, "b"))

        _check_outcome(safe["id"], safe_action, unsafe["id"], unsafe_action)
        # Run again from the start on B, 5 s after it was re-sent.
        assert time.monotonic() - killed_at > 5
    finally:
        processes.kill(procs)


def _check_outcome(safe_id, safe_action, unsafe_id, unsafe_action):
    done = wait_state(safe_id, timeout=60)
    assert done["state"] == "SUCCESS", done["state_info"]
    [action] = action_exs_of(tasks_of(safe_id)["t"]["id"])
    assert action["id"] == safe_action["id"]
    assert action["state"] == "SUCCESS"

    failed = wait_state(unsafe_id, timeout=60)
    assert failed["state"] == "ERROR"
    task = tasks_of(unsafe_id)["t"]
    assert task["state"] == "ERROR"
    assert HEARTBEAT_ERROR in (task["state_info"] or "")
    [action] = action_exs_of(task["id"])
    assert action["id"] == unsafe_action["id"]
    assert action["state"] == "ERROR"
    assert action["output"] == {"result": HEARTBEAT_ERROR}


def test_restart_of_one_process(tmp_path, db_url, db):
    if not db_url.startswith("sqlite"):
        pytest.skip("one-process variant runs on the SQLite file database")
    conf_file, base = processes.embedded_conf(db_url, tmp_path,
                                              HEARTBEAT_CONF)
    services = processes.EMBEDDED
    proc = processes.start(services, conf_file, tmp_path, "first")
    try:
        processes.wait_api(base)
        processes.http("POST", base + "/workflows", WF, "text/plain")
        safe, unsafe = (
            processes.http("POST", base + "/executions",
                  json.dumps({"workflow_name": name}))
            for name in ("hb_safe", "hb_unsafe"))
        safe_action = wait_for(lambda: _beating_action(safe["id"]), 30, 0.1)
        unsafe_action = wait_for(lambda: _beating_action(unsafe["id"]), 30,
                                 0.1)
        processes.kill([proc])
        proc = processes.start(services, conf_file, tmp_path, "second")
        _check_outcome(safe["id"], safe_action, unsafe["id"], unsafe_action)
    finally:
        processes.kill([proc])
