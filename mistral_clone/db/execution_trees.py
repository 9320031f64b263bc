"""Deleting workflow executions with everything that hangs on them: their
sub-executions (at any depth), task executions, action executions, and
this project's own rows keyed by them -- durable timers (``delayed_calls``,
keyed by task execution) and with-items values.

Undelivered notification events (``pending_notifications``) stay: each
holds all it sends, so it still reaches its webhook (notifications are
delivered at least once), and it leaves once delivered or after
``[notifier] delivery_max_age``.

Children go before parents and each table is one statement per level, so
a database without foreign keys (or without ON DELETE CASCADE) keeps no
orphan; the caller's transaction holds the rows only for these few
statements.
"""

import sqlalchemy as sa

from mistral_clone.db import models

WfEx = models.WorkflowExecution
TaskEx = models.TaskExecution


def delete_trees(session, wf_ex_ids) -> int:
    """Delete the executions ``wf_ex_ids`` and all below them; returns how
    many workflow executions went (sub-executions included)."""
    wf_ex_ids = list(wf_ex_ids)
    if not wf_ex_ids:
        return 0
    task_ids = _ids(session, sa.select(TaskEx.id).where(
        TaskEx.workflow_execution_id.in_(wf_ex_ids)))
    children = _ids(session, sa.select(WfEx.id).where(
        WfEx.task_execution_id.in_(task_ids))) if task_ids else []
    deleted = delete_trees(session, children) if children else 0
    if task_ids:
        _delete(session, models.DelayedCall,
                models.DelayedCall.key.in_(task_ids))
        _delete(session, models.WithItemsValue,
                models.WithItemsValue.task_execution_id.in_(task_ids))
        _delete(session, models.ActionExecution,
                models.ActionExecution.task_execution_id.in_(task_ids))
        _delete(session, TaskEx, TaskEx.id.in_(task_ids))
    return deleted + _delete(session, WfEx, WfEx.id.in_(wf_ex_ids))


def _ids(session, stmt) -> list:
    return list(session.execute(stmt).scalars().all())


def _delete(session, model, condition) -> int:
    return session.execute(
        sa.delete(model).where(condition)
        .execution_options(synchronize_session=False)).rowcount
