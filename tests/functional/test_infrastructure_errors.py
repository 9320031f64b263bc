"""An infrastructure error is never a task's failure (issue 11, item 4):
a database connection lost while an expression reads tasks or executions
makes the engine run the step again; the workflow ends as it would have.
The engine's safety net fails work for a bug, never for a database that is
still away."""

import pytest
import sqlalchemy as sa
import sqlalchemy.exc as sa_exc

from mistral_clone.db import session as db_session
from mistral_clone.engine import endpoint
from tests.functional.helpers import action_exs_of, get_wf_ex, tasks_of
from tests.functional.helpers import wait_state
from tests.waiting import wait_for

WF = """
version: '2.0'
wf:
  tasks:
    t1:
      action: std.echo output=1
      publish:
        seen: <% len(executions()) %>
        mine: <% task(t1).result %>
      on-error: [h]
    h:
      action: std.noop
"""


class _LoseConnectionOnce:
    """Fails the first statement that reads workflow executions for the
    ``executions()`` function as a lost connection would (a real
    OperationalError raised from the driver's cursor call)."""

    def __init__(self):
        self.failed = 0

    def __call__(self, _conn, _cursor, statement, _params, _context, _many):
        if not self.failed and "FROM workflow_executions" in statement \
                and "WHERE workflow_executions.project_id" in statement:
            self.failed += 1
            raise sa_exc.OperationalError(
                statement, {}, Exception("server closed the connection "
                                         "unexpectedly"))


def test_a_lost_connection_in_an_expression_is_retried(engine, ctx,
                                                       create_workflows):
    create_workflows(WF)
    fault = _LoseConnectionOnce()
    db_engine = db_session.get_engine()
    sa.event.listen(db_engine, "before_cursor_execute", fault)
    try:
        wf_ex = engine.start_workflow(ctx, "wf")
        done = wait_state(wf_ex["id"])
    finally:
        sa.event.remove(db_engine, "before_cursor_execute", fault)
    assert fault.failed == 1
    assert done["state"] == "SUCCESS", done["state_info"]
    tasks = tasks_of(wf_ex["id"])
    assert set(tasks) == {"t1"}     # no on-error handler ran
    assert tasks["t1"]["state"] == "SUCCESS"
    assert tasks["t1"]["published"] == {"seen": 1, "mine": 1}


WAITING = """
version: '2.0'
wf:
  tasks:
    t1:
      action: std.async_noop
"""


def _running_action(engine, ctx, create_workflows):
    create_workflows(WAITING)
    wf_ex = engine.start_workflow(ctx, "wf")
    t1 = wait_for(lambda: tasks_of(wf_ex["id"]).get("t1"))
    [action] = wait_for(lambda: action_exs_of(t1["id"]))
    return wf_ex["id"], action["id"]


@pytest.mark.parametrize("error, failed", [
    (sa_exc.OperationalError("SELECT 1", {}, Exception("gone")), False),
    (RuntimeError("a bug"), True)])
def test_the_safety_net_fails_work_for_bugs_not_for_a_lost_database(
        engine, ctx, create_workflows, error, failed):
    wf_ex_id, action_ex_id = _running_action(engine, ctx, create_workflows)
    endpoint._fail_broken(ctx, error, action_ex_id=action_ex_id)
    if failed:
        assert wait_state(wf_ex_id)["state"] == "ERROR"
    else:
        assert get_wf_ex(wf_ex_id)["state"] == "RUNNING"
        [action] = action_exs_of(tasks_of(wf_ex_id)["t1"]["id"])
        assert action["state"] == "RUNNING"
