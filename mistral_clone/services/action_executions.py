"""Action executions as the API reads them, and the deletion of an ad-hoc
one."""

import sqlalchemy as sa
from sqlalchemy import orm

from mistral_clone import config
from mistral_clone import exceptions as exc
from mistral_clone.db import models
from mistral_clone.db import query as dbq
from mistral_clone.db import session as db_session
from mistral_clone.engine import states

ActionEx = models.ActionExecution

SCALAR_FIELDS = ("id", "workflow_name", "workflow_namespace",
                 "task_execution_id", "state", "state_info", "tags", "name",
                 "description", "project_id", "accepted", "created_at",
                 "updated_at")


def not_found(ex_id) -> exc.NotFoundError:
    return exc.NotFoundError("ActionExecution not found [id=%s]" % ex_id)


def _get_row(session, ctx, ex_id, undefer=(), for_update=False):
    stmt = dbq.guard(sa.select(ActionEx).where(ActionEx.id == ex_id),
                     ActionEx, ctx, all_projects=bool(ctx.is_admin))
    if undefer:
        stmt = stmt.options(*[orm.undefer(getattr(ActionEx, n))
                              for n in undefer])
    if for_update:
        stmt = stmt.with_for_update()
    row = session.execute(stmt).scalars().first()
    if row is None:
        raise not_found(ex_id)
    return row


def values(row, include_output=True) -> dict:
    result = {name: getattr(row, name) for name in SCALAR_FIELDS}
    result["input"] = row.input
    if include_output:
        result["output"] = row.output
    return as_shown(result)


def as_shown(values: dict) -> dict:
    """Mistral never fills an action execution's tags: they show as null
    (on reads, and in the answers of a run or a result)."""
    return dict(values, tags=values.get("tags") or None)


def list_statement(include_output: bool, task_name=None):
    blobs = ["input"] + (["output"] if include_output else [])
    stmt = sa.select(ActionEx).options(
        *[orm.undefer(getattr(ActionEx, n)) for n in blobs])
    if task_name is not None:
        # The task's name is not a column of the action: match through the
        # task executions of that name.
        stmt = stmt.where(ActionEx.task_execution_id.in_(
            sa.select(models.TaskExecution.id).where(
                models.TaskExecution.name == task_name)))
    return stmt


def list_values(include_output: bool):
    return lambda row: values(row, include_output)


def get_action_execution(ctx, ex_id) -> dict:
    with db_session.read_only() as session:
        return values(_get_row(session, ctx, ex_id,
                               undefer=("input", "output")))


def check_exists(ctx, ex_id) -> None:
    with db_session.read_only() as session:
        _get_row(session, ctx, ex_id)


def delete_action_execution(ctx, ex_id) -> None:
    """Only when ``[api] allow_action_execution_deletion``, and only a
    completed ad-hoc one (not part of a workflow)."""
    if not config.CONF.api.allow_action_execution_deletion:
        raise exc.NotAllowedError("Action execution deletion is not allowed.")
    with db_session.transaction() as session:
        row = _get_row(session, ctx, ex_id, for_update=True)
        if row.task_execution_id:
            raise exc.NotAllowedError(
                "Only ad-hoc action execution can be deleted.")
        if not states.is_completed(row.state):
            raise exc.NotAllowedError(
                "Only completed action execution can be deleted.")
        session.delete(row)
