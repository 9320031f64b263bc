"""A stopping executor (SIGTERM) loses nothing: the actions it accepted
but had not started go back to the topic and run on another executor; the
one it was running finishes and reports before the process exits.

Engine and executors as separate processes over RabbitMQ and PostgreSQL;
skipped unless MISTRAL_CLONE_TEST_RABBIT_URL is set.
"""

import re

import pytest

from tests.functional.helpers import action_exs_of
from tests.functional.helpers import tasks_of
from tests.functional.helpers import wait_state
from tests.functional import processes
from tests.waiting import wait_for

WF = """
version: '2.0'
three_sleeps:
  tasks:
    a:
      action: std.sleep seconds=4
    b:
      action: std.sleep seconds=4
    c:
      action: std.sleep seconds=4
"""


def _running_on_a(wf_ex_id):
    """One action beating (running on executor A), the other two waiting
    for its only worker."""
    tasks = tasks_of(wf_ex_id)
    if len(tasks) != 3:
        return None
    actions = [a for t in tasks.values() for a in action_exs_of(t["id"])]
    beating = [a for a in actions if a["last_heartbeat"] is not None]
    return actions if len(actions) == 3 and beating else None


@pytest.mark.skipif(not processes.RABBIT_URL,
                    reason="MISTRAL_CLONE_TEST_RABBIT_URL unset")
@pytest.mark.postgresql
def test_stopped_executor_hands_back_what_it_did_not_start(tmp_path, db_url,
                                                           db):
    from mistral_clone import context as mc_context
    from mistral_clone.services import workflows

    conf_text, engine_topic = processes.isolated_conf(
        db_url, "[executor]\nworkers = 1\n[action_heartbeat]\n"
                "check_interval = 1\n")
    conf_file = tmp_path / "mc.conf"
    conf_file.write_text(conf_text)
    procs = [processes.start("engine", conf_file, tmp_path, "1")]
    executor_a = processes.start("executor", conf_file, tmp_path, "a")
    try:
        with processes.rabbit_engine_client(engine_topic) as engine:
            ctx = mc_context.RequestContext()
            workflows.create_workflows(ctx, WF)
            wf_ex = processes.start_when_listening(engine, ctx,
                                                   "three_sleeps")
        actions = wait_for(lambda: _running_on_a(wf_ex["id"]), 30, 0.1)
        processes.stop([executor_a])        # SIGTERM, waits for the exit
        log = (tmp_path / "executor-a.log").read_text()
        # Two waited for the worker; one of them may have started already
        # if the first heartbeat came late.
        assert re.search(r"Handed back [12] action\(s\) not started here",
                         log), log[-3000:]
        procs.append(processes.start("executor", conf_file, tmp_path, "b"))

        done = wait_state(wf_ex["id"], timeout=60)
        assert done["state"] == "SUCCESS", done["state_info"]
        finished = [a for t in tasks_of(wf_ex["id"]).values()
                    for a in action_exs_of(t["id"])]
        # The same three action executions, each run once, all SUCCESS.
        assert sorted(a["id"] for a in finished) == \
            sorted(a["id"] for a in actions)
        assert all(a["state"] == "SUCCESS" for a in finished)
    finally:
        processes.kill(procs + [executor_a])
