"""Completion checks of many workflows in one step read their facts, end
tasks and parents in one query each (``DbStore.prefetch_completion``), and
never answer from what they read once a task of that workflow changed."""

from mistral_clone import context as mc_context
from mistral_clone.db import models
from mistral_clone.db import session as db_session
from mistral_clone.engine import machines
from mistral_clone.engine import rows
from mistral_clone.engine import states
from mistral_clone.engine import step as step_mod
from mistral_clone.engine import store as store_mod
from tests.statements import recorded


def _workflow(session, parent_task=None) -> models.WorkflowExecution:
    wf_ex = models.WorkflowExecution(
        id=models.new_id(), project_id="p", workflow_name="wf",
        state=states.RUNNING, params={}, runtime_context={},
        task_execution_id=parent_task)
    session.add(wf_ex)
    return wf_ex


def _task(session, wf_ex, name, state, published=None):
    task = models.TaskExecution(
        id=models.new_id(), project_id="p", name=name, workflow_name="wf",
        workflow_execution_id=wf_ex.id, state=state,
        published=published or {}, in_context={}, has_next_tasks=False)
    rows.insert(session, task)
    return task


def _store(session):
    step = step_mod.Step(session, mc_context.RequestContext(project_id="p"))
    return store_mod.DbStore(step)


def test_many_checks_cost_one_query_each_for_facts_ends_and_parents(db):
    with db_session.transaction() as session:
        parent = _workflow(session)
        done, failed, busy = [], [], []
        for i in range(3):
            call = _task(session, parent, "call%d" % i, states.RUNNING)
            child = _workflow(session, parent_task=call.id)
            _task(session, child, "only", states.SUCCESS, {"n": i})
            done.append(child)
        other = _workflow(session)
        _task(session, other, "bad", states.ERROR)
        failed.append(other)
        running = _workflow(session)
        _task(session, running, "slow", states.RUNNING)
        busy.append(running)
        session.flush()
        store = _store(session)
        checked = done + failed + busy
        with recorded("SELECT", session.connection()) as selects:
            store.prefetch_completion(checked, lambda _wf_ex: False)
            facts = {w.id: store.completion_facts(w, False) for w in checked}
            ends = {w.id: store.end_tasks(w) for w in done}
            for child in done:
                store.report_to_parent(child)
        # Facts of five, end tasks of the four with nothing left to run,
        # parents of the three children: three SELECTs, not 5 + 4 + 3.
        assert len(selects) == 3, selects
        assert [facts[w.id].incomplete for w in done] == [0, 0, 0]
        assert facts[other.id].unhandled_errors == 1
        assert facts[running.id].incomplete == 1
        assert [[r.published for r in ends[w.id]] for w in done] == [
            [{"n": 0}], [{"n": 1}], [{"n": 2}]]
        # Each read is used once: a second check asks the database.
        with recorded("SELECT", session.connection()) as selects:
            assert store.completion_facts(done[0], False).incomplete == 0
        assert len(selects) == 1


def test_a_task_change_after_the_prefetch_is_seen(db):
    with db_session.transaction() as session:
        first, second = _workflow(session), _workflow(session)
        task = _task(session, first, "a", states.SUCCESS)
        _task(session, second, "b", states.SUCCESS)
        session.flush()
        store = _store(session)
        store.prefetch_completion([first, second], lambda _wf_ex: False)
        # A task of the first workflow runs again meanwhile (through the
        # state machine, as every change): its facts are read again.
        machines.fire(machines.TASK, task, machines.RERUN,
                      notify=lambda change: store.notify(first, change))
        assert task.state == states.RUNNING
        assert store.completion_facts(first, False).incomplete == 1
        # A new task of the second one: the same.
        store.add_task(_new_task(second))
        store.step.new_tasks.clear()      # seen through the database only
        assert store.completion_facts(second, False).incomplete == 1


def _new_task(wf_ex):
    return models.TaskExecution(
        id=models.new_id(), project_id="p", name="next", workflow_name="wf",
        workflow_execution_id=wf_ex.id, state=states.RUNNING)


def test_the_prefetch_ends_with_the_drain(db):
    with db_session.transaction() as session:
        first, second = _workflow(session), _workflow(session)
        _task(session, first, "a", states.SUCCESS)
        _task(session, second, "b", states.SUCCESS)
        session.flush()
        store = _store(session)
        store.prefetch_completion([first, second], lambda _wf_ex: False)
        store.forget_prefetched()
        with recorded("SELECT", session.connection()) as selects:
            store.completion_facts(first, False)
            store.end_tasks(first)
        assert len(selects) == 2
