"""The execution expiration policy deletes what Mistral 23 deletes
(finished top-level executions by age, then beyond the latest
``max_finished_executions``) with everything below them, in batches; on
SQLite and PostgreSQL."""

import concurrent.futures
import datetime

import pytest
import sqlalchemy as sa

from mistral_clone import exceptions as exc
from mistral_clone.db import expired_executions
from mistral_clone.db import models
from mistral_clone.db import session as db_session
from mistral_clone.engine import expiration
from tests.api import runtime_rows as rows
from tests.conftest import DATABASES, each_database_url

db_url = pytest.fixture(params=DATABASES, name="db_url")(each_database_url)

NOW = datetime.datetime(2030, 1, 1, 12, 0, 0)


def minutes_ago(n):
    return NOW - datetime.timedelta(minutes=n)


def _count(model):
    with db_session.read_only() as session:
        return session.execute(
            sa.select(sa.func.count()).select_from(model)).scalar()


def _ids():
    with db_session.read_only() as session:
        return set(session.execute(
            sa.select(models.WorkflowExecution.id)).scalars())


def _tree(state="SUCCESS", updated=120, name="wf"):
    """A top-level execution with a task running a sub-workflow, whose own
    task has an action, a with-items value and a timer, plus an
    undelivered notification event of each execution."""
    root = rows.wf_ex(state=state, updated_at=minutes_ago(updated),
                      workflow_name=name)
    parent_task = rows.task_ex(root, name="sub", type="WORKFLOW")
    child = rows.wf_ex(state=state, updated_at=minutes_ago(updated),
                       task_execution_id=parent_task.id,
                       root_execution_id=root.id, workflow_name="child")
    task = rows.task_ex(child)
    rows.action_ex(task)
    rows.add(models.WithItemsValue(task_execution_id=task.id, item_index=0,
                                   value={"x": 1}))
    with db_session.transaction() as session:
        session.add(models.DelayedCall(
            run_at=NOW, func_name="continue_task", func_args={},
            key=task.id))
        for wf in (root, child):
            session.add(models.PendingNotification(
                execution_id=wf.id, publisher_key="k", publisher={},
                event={}, project_id=wf.project_id))
    return root


@pytest.fixture
def policy(conf, db):
    group = "execution_expiration_policy"
    conf.set_override("evaluation_interval", 1, group)
    return conf


def test_expired_trees_go_entirely(policy):
    policy.set_override("older_than", 60, "execution_expiration_policy")
    old = _tree(updated=120)
    recent = _tree(updated=30)
    running = rows.wf_ex(state="RUNNING", updated_at=minutes_ago(500))
    paused = rows.wf_ex(state="PAUSED", updated_at=minutes_ago(500))
    assert expiration.run_once(policy, now=NOW) == 1
    left = _ids()
    assert old.id not in left
    assert {recent.id, running.id, paused.id} <= left
    # The recent tree's rows only (2 executions, 2 tasks, ...).
    assert len(left) == 4
    assert _count(models.TaskExecution) == 2
    assert _count(models.ActionExecution) == 1
    assert _count(models.WithItemsValue) == 1
    assert _count(models.DelayedCall) == 1
    # Undelivered events still go out.
    assert _count(models.PendingNotification) == 4


def test_sub_executions_never_expire_on_their_own(policy):
    policy.set_override("older_than", 60, "execution_expiration_policy")
    root = rows.wf_ex(state="RUNNING", updated_at=minutes_ago(500))
    task = rows.task_ex(root, state="RUNNING")
    rows.wf_ex(state="SUCCESS", updated_at=minutes_ago(500),
               task_execution_id=task.id, root_execution_id=root.id)
    assert expiration.run_once(policy, now=NOW) == 0
    assert len(_ids()) == 2


def test_ignored_states_stay(policy):
    group = "execution_expiration_policy"
    policy.set_override("older_than", 60, group)
    policy.set_override("ignored_states", ["ERROR"], group)
    failed = rows.wf_ex(state="ERROR", updated_at=minutes_ago(500))
    cancelled = rows.wf_ex(state="CANCELLED", updated_at=minutes_ago(500))
    assert expiration.run_once(policy, now=NOW) == 1
    assert _ids() == {failed.id}
    assert cancelled.id not in _ids()


def test_max_finished_keeps_the_latest(policy):
    group = "execution_expiration_policy"
    policy.set_override("max_finished_executions", 3, group)
    policy.set_override("batch_size", 2, group)
    kept = [rows.wf_ex(state="SUCCESS", updated_at=minutes_ago(i)).id
            for i in range(1, 4)]
    for i in range(10, 17):
        rows.wf_ex(state="ERROR", updated_at=minutes_ago(i))
    running = rows.wf_ex(state="RUNNING", updated_at=minutes_ago(900)).id
    # No older_than: Mistral 23 crashes there; the count rule still runs.
    assert expiration.run_once(policy, now=NOW) == 7
    assert _ids() == set(kept) | {running}


def test_batches_are_small(policy, monkeypatch):
    group = "execution_expiration_policy"
    policy.set_override("older_than", 1, group)
    policy.set_override("batch_size", 3, group)
    for _ in range(7):
        rows.wf_ex(state="SUCCESS", updated_at=minutes_ago(5))
    sizes = []
    real = expired_executions.execution_trees.delete_trees

    def recording(session, ids):
        sizes.append(len(ids))
        return real(session, ids)

    monkeypatch.setattr(expired_executions.execution_trees, "delete_trees",
                        recording)
    assert expiration.run_once(policy, now=NOW) == 7
    assert sizes == [3, 3, 1]


def test_enabled_as_in_mistral(policy):
    group = "execution_expiration_policy"
    look = expiration.ExpirationPolicy(policy)
    assert not look.enabled()
    policy.set_override("older_than", 1, group)
    assert look.enabled()
    assert look.interval() == 60.0
    policy.clear_override("evaluation_interval", group)
    assert not look.enabled()


def test_ignored_state_must_be_finished(policy):
    policy.set_override("ignored_states", ["RUNNING"],
                        "execution_expiration_policy")
    with pytest.raises(exc.MistralError, match="RUNNING is not a terminal"):
        expiration.check_config(policy)


def test_engines_deleting_at_once_share_the_work(policy):
    """Two engines' passes at the same time delete every execution once
    and neither fails (PostgreSQL: SKIP LOCKED; SQLite: one writer)."""
    group = "execution_expiration_policy"
    policy.set_override("older_than", 1, group)
    policy.set_override("batch_size", 5, group)
    for _ in range(40):
        _tree(updated=10)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        runs = [pool.submit(expiration.run_once, policy, NOW)
                for _ in range(2)]
        deleted = [run.result(timeout=120) for run in runs]
    assert sum(deleted) == 40
    assert _ids() == set()
    assert _count(models.TaskExecution) == 0
    assert _count(models.PendingNotification) == 80
