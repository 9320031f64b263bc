"""Executions the API accepted are started once, whatever the number of
engines racing for them (``engine.accepting``): real API, engine and
executor processes over RabbitMQ and PostgreSQL.

Skipped unless MISTRAL_CLONE_TEST_RABBIT_URL is set (``tests/run.sh`` sets
it)."""

import concurrent.futures
import json

import pytest
import sqlalchemy as sa

from mistral_clone.db import models
from mistral_clone.db import session as db_session
from tests.functional import helpers
from tests.functional import processes
from tests.functional import server

pytestmark = pytest.mark.skipif(not processes.RABBIT_URL,
                                reason="MISTRAL_CLONE_TEST_RABBIT_URL unset")

WF = """
version: '2.0'
wf:
  tasks:
    t1:
      action: std.noop
      on-success: [t2]
    t2:
      action: std.noop
"""

COUNT = 40
# Two engines starting and running 40 executions on a loaded machine.
BACK_S = 180


def _task_counts(wf_ex_ids) -> dict:
    """``{(execution id, task name): task executions}``."""
    task = models.TaskExecution
    with db_session.read_only() as session:
        rows = session.execute(
            sa.select(task.workflow_execution_id, task.name, sa.func.count())
            .where(task.workflow_execution_id.in_(wf_ex_ids))
            .group_by(task.workflow_execution_id, task.name)).all()
    return {(ex_id, name): count for ex_id, name, count in rows}


@pytest.mark.postgresql
def test_two_engines_sweeping_the_same_executions_start_each_once(
        tmp_path, db_url, db):
    """The executions are accepted while no engine runs (their hints go
    nowhere); then two engines start at once, and each one's first sweep
    goes through the same executions in the same order."""
    port = server.free_port()
    conf_file, _topic = processes.write_isolated_conf(
        tmp_path, db_url, "[api]\nport = %d\n" % port)
    procs = [processes.start("api", conf_file, tmp_path),
             processes.start("executor", conf_file, tmp_path)]
    try:
        base = "http://127.0.0.1:%d/v2" % port
        processes.wait_api(base)
        processes.http("POST", base + "/workflows", WF, "text/plain")
        body = json.dumps({"workflow_name": "wf"})
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            accepted = list(pool.map(
                lambda _: processes.http("POST", base + "/executions", body),
                range(COUNT)))
        assert {ex["state"] for ex in accepted} == {"RUNNING"}
        ids = [ex["id"] for ex in accepted]
        assert all(helpers.tasks_of(ex_id) == {} for ex_id in ids)
        procs += [processes.start("engine", conf_file, tmp_path, tag=tag)
                  for tag in ("1", "2")]
        for ex_id in ids:
            assert helpers.wait_state(ex_id, timeout=BACK_S)["state"] == \
                "SUCCESS"
        assert _task_counts(ids) == {(ex_id, name): 1 for ex_id in ids
                                     for name in ("t1", "t2")}
    finally:
        processes.stop(procs)
