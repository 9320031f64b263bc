"""The engine's fast paths: rows written with one Core INSERT, the
in-process executor hand-over, and results drained by the engine's own
threads."""

import threading

import sqlalchemy as sa

from mistral_clone.db import models
from mistral_clone.db import session as db_session
from mistral_clone.engine import completions
from mistral_clone.engine import rows
from mistral_clone.engine import states


def _workflow(session) -> str:
    wf_id = models.new_id()
    session.add(models.WorkflowExecution(
        id=wf_id, project_id="p", workflow_name="wf", state=states.RUNNING,
        params={}, runtime_context={}))
    return wf_id


def test_insert_now_writes_defaults_and_attaches_a_clean_object(db):
    with db_session.transaction() as session:
        wf_id = _workflow(session)  # pending: flushed first (FK parent)
        task = models.TaskExecution(
            id=models.new_id(), project_id="p", name="t",
            workflow_name="wf", workflow_execution_id=wf_id,
            state=states.RUNNING, in_context={"a": 1})
        rows.insert_now(session, task)
        state = sa.inspect(task)
        assert state.persistent and not session.dirty
        # Every column is loaded, defaults included: no lazy re-read.
        assert not state.unloaded
        assert task.processed is False and task.published == {}
        assert task.created_at is not None
        action = models.ActionExecution(
            id=models.new_id(), project_id="p", name="std.noop",
            task_execution_id=task.id, state=states.RUNNING)
        rows.insert_now(session, action)
        # Later changes are ordinary UPDATEs at the next flush.
        task.state = states.SUCCESS
        action.accepted = True
    with db_session.read_only() as session:
        stored = session.get(models.TaskExecution, task.id)
        assert stored.state == states.SUCCESS
        assert stored.in_context == {"a": 1}
        assert stored.runtime_context == {} and stored.next_tasks == []
        stored_action = session.get(models.ActionExecution, action.id)
        assert stored_action.accepted is True
        assert stored_action.is_sync is True and stored_action.index == 0


def test_submit_async_drains_in_the_queues_own_threads():
    seen = []
    done = threading.Event()
    caller = threading.get_ident()

    def handle(key, items):
        seen.append((key, list(items), threading.get_ident()))
        if sum(len(batch) for _k, batch, _t in seen) == 3:
            done.set()

    queue = completions.CompletionQueue(handle, workers=2)
    queue.submit_async("wf", 1)
    queue.submit_async("wf", 2)
    queue.submit_async("wf", 3)
    assert done.wait(5)
    assert [i for _k, batch, _t in seen for i in batch] == [1, 2, 3]
    assert all(t != caller for _k, _b, t in seen)


def test_in_process_hand_over_only_on_the_fake_transport(conf):
    from mistral_clone.executor import endpoint as executor_endpoint
    from mistral_clone.rpc import transport
    assert transport.is_in_process()
    conf.set_override("transport_url", "rabbit://u:p@127.0.0.1:1/v")
    try:
        assert not transport.is_in_process()
        queue = completions.CompletionQueue(lambda key, items: None)
        previous = completions.local_queue()
        completions.set_local_queue(queue)
        try:
            assert executor_endpoint._local_engine_queue() is None
        finally:
            completions.set_local_queue(previous)
    finally:
        conf.clear_override("transport_url")
