"""Maintenance mode with workflows Mistral users run: sub-workflows and
with-items pause with their parents and the mode reaches PAUSED once the
running actions ended; RUNNING resumes every paused execution to its end.
Engine and executor in this process (``fake:/``), with the engines'
maintenance driver of this test sending its pauses and resumes to them
(the shared test engine runs none: its database changes under it)."""

import pytest

from mistral_clone.db import maintenance as maintenance_db
from mistral_clone.db import session as db_session
from mistral_clone.engine import maintenance as engine_maintenance
from mistral_clone.rpc import clients
from mistral_clone.services import maintenance
from tests.functional.helpers import children_of, get_wf_ex, tasks_of, \
    wait_state
from tests.waiting import wait_for

WF = """
version: '2.0'
parent:
  tasks:
    call_child:
      workflow: child
      on-success: last
    items:
      with-items: i in <% range(6) %>
      concurrency: 2
      action: std.sleep seconds=0.5
    last:
      action: std.noop
child:
  tasks:
    slow:
      action: std.sleep seconds=1
      on-success: after
    after:
      action: std.noop
"""


def _child_of(wf_ex_id):
    task = tasks_of(wf_ex_id).get("call_child")
    children = children_of(task["id"]) if task else []
    return children[0] if children else None


@pytest.fixture
def driver(engine):
    """The driver an engine runs, over the engine client: its calls have
    the endpoint's signatures."""
    look = engine_maintenance.Driver(clients.get_engine_client()).start()
    yield look
    look.stop()


def test_pause_and_resume_a_tree(engine, ctx, create_workflows, driver):
    create_workflows(WF)
    wf_ex = engine.start_workflow(ctx, "parent")
    child = wait_for(lambda: _child_of(wf_ex["id"]), 30)

    assert maintenance.change_mode("PAUSED") == "PAUSING"
    wait_for(lambda: maintenance.current_status() == "PAUSED", 60, 0.05)
    assert get_wf_ex(wf_ex["id"])["state"] == "PAUSED"
    assert get_wf_ex(child["id"])["state"] == "PAUSED"
    assert "last" not in tasks_of(wf_ex["id"])
    assert "after" not in tasks_of(child["id"])
    # Paused: nothing moves any more.
    assert not any(t["state"] == "RUNNING"
                   for t in tasks_of(wf_ex["id"]).values())

    assert maintenance.change_mode("RUNNING") == "RUNNING"
    done = wait_state(wf_ex["id"], timeout=60)
    assert done["state"] == "SUCCESS", done["state_info"]
    assert get_wf_ex(child["id"])["state"] == "SUCCESS"
    wait_for(lambda: not _resume_pending(), 30, 0.05)


def _resume_pending():
    with db_session.read_only() as session:
        return maintenance_db.resume_pending(session)
