"""The expiration policy in real engine processes: executions run for
real (a parent with sub-workflows, a failure, one still running), the
finished ones aged, then two engines started with the policy delete every
expired tree, and only those, together.

Skipped unless MISTRAL_CLONE_TEST_RABBIT_URL is set."""

import datetime

import pytest
import sqlalchemy as sa

from mistral_clone.db import models
from mistral_clone.db import session as db_session
from tests.functional import processes
from tests.functional.helpers import wait_state
from tests.waiting import wait_for

WF = """---
version: '2.0'
exp_parent:
  tasks:
    subs:
      with-items: i in <% range(3) %>
      workflow: exp_child
exp_child:
  tasks:
    echo:
      action: std.echo output=1
exp_fail:
  tasks:
    boom:
      action: std.fail
exp_wait:
  tasks:
    hold:
      action: std.async_noop
"""

POLICY = ("[execution_expiration_policy]\nevaluation_interval = 60\n"
          "older_than = 60\nbatch_size = 2\n")


def _counts():
    with db_session.read_only() as session:
        return {model.__tablename__: session.execute(
            sa.select(sa.func.count()).select_from(model)).scalar()
            for model in (models.WorkflowExecution, models.TaskExecution,
                          models.ActionExecution)}


def _age(wf_ex_ids, minutes):
    then = models.utcnow() - datetime.timedelta(minutes=minutes)
    wf_ex = models.WorkflowExecution
    with db_session.transaction() as session:
        session.execute(sa.update(wf_ex).where(
            sa.or_(wf_ex.id.in_(wf_ex_ids),
                   wf_ex.root_execution_id.in_(wf_ex_ids)))
            .values(updated_at=then))


@pytest.mark.skipif(not processes.RABBIT_URL,
                    reason="MISTRAL_CLONE_TEST_RABBIT_URL unset")
@pytest.mark.postgresql
def test_two_engines_expire_finished_trees(tmp_path, db_url, db):
    from mistral_clone import context as mc_context
    from mistral_clone.services import workflows

    conf_file, topic = processes.write_isolated_conf(tmp_path, db_url)
    procs = [processes.start("engine", conf_file, tmp_path, "plain"),
             processes.start("executor", conf_file, tmp_path)]
    try:
        with processes.rabbit_engine_client(topic) as engine:
            ctx = mc_context.RequestContext()
            workflows.create_workflows(ctx, WF)
            old = [processes.start_when_listening(engine, ctx, name)["id"]
                   for name in ("exp_parent", "exp_parent", "exp_fail")]
            recent = processes.start_when_listening(engine, ctx,
                                                    "exp_parent")["id"]
            running = processes.start_when_listening(engine, ctx,
                                                     "exp_wait")["id"]
        for ex_id in old + [recent]:
            assert wait_state(ex_id, timeout=60)["state"] in (
                "SUCCESS", "ERROR")
        processes.stop(procs[:1])
        _age(old + [running], 120)
        before = _counts()
        # 2 parents with 3 children each, one failure, one recent tree
        # (4 executions), one running.
        assert before["workflow_executions"] == 4 + 4 + 1 + 4 + 1

        conf_file.write_text(conf_file.read_text() + POLICY)
        procs[0] = processes.start("engine", conf_file, tmp_path, "a")
        procs.append(processes.start("engine", conf_file, tmp_path, "b"))
        wait_for(lambda: _counts()["workflow_executions"] == 5, 60, 0.2)
        with db_session.read_only() as session:
            left = set(session.execute(sa.select(
                models.WorkflowExecution.root_execution_id,
            )).scalars()) | set(session.execute(sa.select(
                models.WorkflowExecution.id).where(
                models.WorkflowExecution.task_execution_id.is_(None))
            ).scalars())
        assert left - {None} == {recent, running}
        after = _counts()
        # The recent tree (4 executions: parent task + 3 child tasks, 3
        # actions) and the running one (1 task, 1 action) remain.
        assert after == {"workflow_executions": 5, "task_executions": 5,
                         "action_executions": 4}
        for tag in ("a", "b"):
            log = (tmp_path / ("engine-%s.log" % tag)).read_text()
            assert "look failed" not in log and "Traceback" not in log, log
    finally:
        processes.stop(procs)
