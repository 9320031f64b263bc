"""The engine's fast paths: rows written with queued Core INSERTs, the
in-process executor hand-over, and results drained by the engine's own
threads."""

import threading

import sqlalchemy as sa

from mistral_clone.db import models
from mistral_clone.db import session as db_session
from mistral_clone.rpc import results as completions
from mistral_clone.engine import rows
from mistral_clone.engine import states


def _workflow(session) -> str:
    wf_id = models.new_id()
    session.add(models.WorkflowExecution(
        id=wf_id, project_id="p", workflow_name="wf", state=states.RUNNING,
        params={}, runtime_context={}))
    return wf_id


def test_insert_writes_defaults_and_attaches_a_clean_object(db):
    with db_session.transaction() as session:
        wf_id = _workflow(session)  # pending: flushed first (FK parent)
        task = models.TaskExecution(
            id=models.new_id(), project_id="p", name="t",
            workflow_name="wf", workflow_execution_id=wf_id,
            state=states.RUNNING, in_context={"a": 1})
        rows.insert(session, task)
        state = sa.inspect(task)
        assert state.persistent and not session.dirty
        # Every column is loaded, defaults included: no lazy re-read.
        assert not state.unloaded
        assert task.processed is False and task.published == {}
        assert task.created_at is not None
        action = models.ActionExecution(
            id=models.new_id(), project_id="p", name="std.noop",
            task_execution_id=task.id, state=states.RUNNING)
        rows.insert(session, action)
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


def _task(wf_id, name="t"):
    return models.TaskExecution(
        id=models.new_id(), project_id="p", name=name, workflow_name="wf",
        workflow_execution_id=wf_id, state=states.RUNNING)


def test_queued_rows_go_out_together_before_the_next_statement(db):
    statements = []

    def record(_conn, _cursor, statement, _params, _context, many):
        statements.append((statement.split()[0:3], many))

    engine = db_session.get_engine()
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        with db_session.transaction() as session:
            wf_id = _workflow(session)
            tasks = [_task(wf_id, "t%d" % i) for i in range(3)]
            for task in tasks:
                rows.insert(session, task)
            rows.send_pending(session)     # the tasks
            statements.clear()
            for task in tasks:
                rows.insert(session, models.ActionExecution(
                    id=models.new_id(), project_id="p", name="std.noop",
                    task_execution_id=task.id, state=states.RUNNING))
            assert statements == []    # queued, nothing sent yet
            model = models.ActionExecution
            # A query through the session sees them: one INSERT for the
            # three rows, then the query.
            count = session.execute(sa.select(sa.func.count()).select_from(
                model)).scalar_one()
            assert count == 3
            assert [s for s, _many in statements] == [
                ["INSERT", "INTO", "action_executions"], ["SELECT", "count(*)",
                                                          "AS"]]
            assert statements[0][1] is True   # executemany
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    with db_session.read_only() as session:
        assert session.execute(sa.select(sa.func.count()).select_from(
            models.TaskExecution)).scalar_one() == 3


def test_queued_rows_go_out_parents_first(db):
    with db_session.transaction() as session:
        wf_id = _workflow(session)
        first = _task(wf_id, "first")
        rows.insert(session, first)
        rows.send_pending(session)
        # An action of the sent task, then a new task and its action: the
        # actions' table was queued first, the tasks' table goes first.
        for task in (first, _task(wf_id, "second")):
            if task is not first:
                rows.insert(session, task)
            rows.insert(session, models.ActionExecution(
                id=models.new_id(), project_id="p", name="std.noop",
                task_execution_id=task.id, state=states.RUNNING))
    with db_session.read_only() as session:
        assert session.execute(sa.select(sa.func.count()).select_from(
            models.ActionExecution)).scalar_one() == 2


def test_queued_rows_are_written_at_commit_and_updated_by_the_flush(db):
    with db_session.transaction() as session:
        wf_id = _workflow(session)
        session.flush()
        task = _task(wf_id)
        rows.insert(session, task)
        task.state = states.SUCCESS      # an UPDATE after the INSERT
    with db_session.read_only() as session:
        assert session.get(models.TaskExecution, task.id).state == \
            states.SUCCESS


def test_discarded_rows_are_not_written(db):
    with db_session.transaction() as session:
        wf_id = _workflow(session)
        session.flush()
        kept, dropped = _task(wf_id, "kept"), _task(wf_id, "dropped")
        rows.insert(session, kept)
        rows.send_pending(session)
        rows.insert(session, dropped)
        rows.discard_pending(session)
        assert dropped not in session
    with db_session.read_only() as session:
        names = session.execute(sa.select(models.TaskExecution.name)
                                ).scalars().all()
        assert names == ["kept"]


def test_submit_async_drains_in_the_queues_own_threads():
    seen = []
    done = threading.Event()
    caller = threading.get_ident()

    def handle(batches):
        for key, items in batches.items():
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
        queue = completions.CompletionQueue(lambda batches: None)
        previous = completions.local_engine_queue()
        completions.set_local_engine_queue(queue)
        try:
            assert executor_endpoint._local_engine_queue() is None
        finally:
            completions.set_local_engine_queue(previous)
    finally:
        conf.clear_override("transport_url")
