"""Which workflow executions the expiration policy deletes, as Mistral 23
selects them, and the deletion of one batch.

Only finished top-level executions (SUCCESS, ERROR, CANCELLED, less the
ignored states) are picked: a sub-execution goes with its top-level one,
as Mistral's cascade takes it. ``expired``: last updated before a time;
``superfluous``: all but the latest updated ``keep``.

A batch is one short transaction. On PostgreSQL its rows are taken with
``FOR UPDATE SKIP LOCKED``: several engines deleting at once take
different executions and never wait for, or fail on, each other's.
"""

import datetime

import sqlalchemy as sa

from mistral_clone.db import execution_trees
from mistral_clone.db import models
from mistral_clone.db import session as db_session

FINISHED_STATES = ("SUCCESS", "ERROR", "CANCELLED")

WfEx = models.WorkflowExecution


def _deletable(ignored_states):
    wanted = [s for s in FINISHED_STATES if s not in ignored_states]
    return (sa.select(WfEx.id)
            .where(WfEx.task_execution_id.is_(None),
                   WfEx.state.in_(wanted)))


def expired(ignored_states, updated_before: datetime.datetime):
    return _deletable(ignored_states).where(
        WfEx.updated_at < updated_before)


def superfluous(ignored_states, keep: int):
    """All but the latest updated ``keep``, or None when there are no more
    than ``keep``.

    The ``keep``-th latest is found once (an OFFSET over ``keep`` rows);
    the statement then picks what is older than it, from the oldest, so
    each batch reads only its own rows. (An OFFSET in every batch would
    read ``keep`` rows per batch: seconds each with a million kept.)"""
    with db_session.read_only() as session:
        cutoff = session.execute(
            _deletable(ignored_states).with_only_columns(
                WfEx.updated_at, WfEx.id)
            .order_by(WfEx.updated_at.desc(), WfEx.id.desc())
            .offset(keep - 1).limit(1)).first()
    if cutoff is None or cutoff.updated_at is None:
        return None
    return (_deletable(ignored_states)
            .where(sa.or_(WfEx.updated_at < cutoff.updated_at,
                          sa.and_(WfEx.updated_at == cutoff.updated_at,
                                  WfEx.id < cutoff.id)))
            .order_by(WfEx.updated_at, WfEx.id))


def delete_batch(stmt, batch_size: int) -> int:
    """Delete up to ``batch_size`` of the executions ``stmt`` selects,
    with their trees, in one transaction; how many top-level ones went."""
    stmt = stmt.limit(batch_size)
    if db_session.is_postgresql():
        stmt = stmt.with_for_update(of=WfEx, skip_locked=True)
    with db_session.transaction() as session:
        ids = list(session.execute(stmt).scalars().all())
        if ids:
            execution_trees.delete_trees(session, ids)
    return len(ids)
