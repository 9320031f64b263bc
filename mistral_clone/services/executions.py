"""Workflow executions as the API reads and edits them.

State changes belong to the engine (over RPC); here are only the reads, the
edits Mistral's API does itself (description, ``params.env`` of a paused
execution) and deletion.
"""

import copy

import sqlalchemy as sa
from sqlalchemy import orm

from mistral_clone import exceptions as exc
from mistral_clone import lang
from mistral_clone.db import execution_trees
from mistral_clone.db import models
from mistral_clone.db import query as dbq
from mistral_clone.db import session as db_session
from mistral_clone.engine import states

WfEx = models.WorkflowExecution

# Columns of the Execution resource, in the resource's order.
SCALAR_FIELDS = ("id", "workflow_id", "workflow_name", "workflow_namespace",
                 "description", "tags", "task_execution_id",
                 "root_execution_id", "state", "state_info", "created_at",
                 "updated_at", "project_id")
BLOB_FIELDS = ("params", "input", "output")

# Keys of a workflow context that are not published variables.
_INTERNAL_CONTEXT_KEYS = {"__execution", "openstack", "__env",
                          "__task_execution"}


def not_found(ex_id) -> exc.NotFoundError:
    return exc.NotFoundError("WorkflowExecution not found [id=%s]" % ex_id)


def _visible(stmt, model, ctx):
    """The caller's rows (all of them for an admin), as Mistral's secure
    queries."""
    return dbq.guard(stmt, model, ctx, all_projects=bool(ctx.is_admin))


def values(row, blobs=BLOB_FIELDS) -> dict:
    """The resource values of a row; ``blobs`` names the JSON columns to
    include (they must be loaded)."""
    result = {name: getattr(row, name) for name in SCALAR_FIELDS}
    for name in blobs:
        result[name] = getattr(row, name)
    return result


# The blobs an execution list shows (``output`` with ``include_output``).
LIST_BLOBS = ("params", "input")


def list_statement(include_output: bool, blobs=LIST_BLOBS):
    """The base statement of execution lists: the returned blobs in the
    same query, the others never read."""
    blobs = list(blobs) + (["output"] if include_output else [])
    return sa.select(WfEx).options(
        *[orm.undefer(getattr(WfEx, name)) for name in blobs])


def list_values(include_output: bool, blobs=LIST_BLOBS):
    blobs = tuple(blobs) + (("output",) if include_output else ())
    return lambda row: values(row, blobs)


def get_row(session, ctx, ex_id, undefer=(), for_update=False):
    stmt = _visible(sa.select(WfEx).where(WfEx.id == ex_id), WfEx, ctx)
    if undefer:
        stmt = stmt.options(*[orm.undefer(getattr(WfEx, n)) for n in undefer])
    if for_update:
        stmt = stmt.with_for_update()
    row = session.execute(stmt).scalars().first()
    if row is None:
        raise not_found(ex_id)
    return row


def published_global(row) -> dict:
    """Globally published variables: the workflow context without the
    internal keys and the workflow's own ``vars``."""
    exclude = set(_INTERNAL_CONTEXT_KEYS)
    if row.spec_definition:
        try:
            exclude.update(lang.get_workflow_spec(row.spec_definition).vars)
        except exc.MistralError:
            pass
    return {k: v for k, v in (row.context or {}).items()
            if k not in exclude}


def get_execution(ctx, ex_id) -> dict:
    """Every field of ``GET /v2/executions/{id}``."""
    with db_session.read_only() as session:
        row = get_row(session, ctx, ex_id,
                      undefer=BLOB_FIELDS + ("context", "spec_definition"))
        result = values(row)
        result["published_global"] = published_global(row)
        return result


def find_execution(ctx, ex_id):
    """The values of an execution, or None (idempotent create by id)."""
    try:
        return get_execution(ctx, ex_id)
    except exc.NotFoundError:
        return None


def check_exists(ctx, ex_id) -> None:
    with db_session.read_only() as session:
        stmt = _visible(sa.select(WfEx.id).where(WfEx.id == ex_id), WfEx, ctx)
        if session.execute(stmt).first() is None:
            raise not_found(ex_id)


def source_values(ctx, source_id) -> dict:
    """What a replay copies from its source execution."""
    with db_session.read_only() as session:
        row = get_row(session, ctx, source_id, undefer=("params", "input"))
        return {"workflow_id": row.workflow_id,
                "workflow_name": row.workflow_name,
                "workflow_namespace": row.workflow_namespace,
                "description": row.description or "",
                "input": copy.deepcopy(row.input or {}),
                "params": copy.deepcopy(row.params or {})}


def deep_merge(base: dict, override: dict) -> dict:
    """``override`` on top of ``base``, merging nested objects."""
    result = copy.deepcopy(base or {})
    for key, value in (override or {}).items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = deep_merge(result[key], value)
        else:
            result[key] = value
    return result


def update_description(ctx, ex_id, description) -> dict:
    """Mistral answers this update without the blobs."""
    with db_session.transaction() as session:
        row = get_row(session, ctx, ex_id, for_update=True)
        row.description = description
        session.flush()
        return values(row, blobs=())


def update_env(ctx, ex_id, env: dict) -> dict:
    """Merge ``env`` into ``params.env`` of an IDLE, PAUSED or ERROR
    execution (a running one reads its env at each step)."""
    with db_session.transaction() as session:
        row = get_row(session, ctx, ex_id, undefer=("params",),
                      for_update=True)
        if row.state not in (states.IDLE, states.PAUSED, states.ERROR):
            raise exc.NotAllowedError(
                "Updating env to workflow execution is only permitted if it "
                "is in IDLE, PAUSED, or ERROR state.")
        params = copy.deepcopy(row.params or {})
        params["env"] = deep_merge(params.get("env") or {}, env)
        row.params = params
        session.flush()
        return values(row, blobs=("params",))


def delete_execution(ctx, ex_id, force=False) -> None:
    """Delete an execution with its tasks, actions and sub-executions
    (and the rows that hang on them: ``db.execution_trees``)."""
    with db_session.transaction() as session:
        row = get_row(session, ctx, ex_id, for_update=True)
        if not force and not states.is_completed(row.state):
            raise exc.NotAllowedError(
                "Only completed executions can be deleted. Use --force to "
                "override this. Execution %s is in %s state"
                % (ex_id, row.state))
        execution_trees.delete_trees(session, [ex_id])


# Sub-executions: GET /v2/executions/{id}/executions and
# GET /v2/tasks/{id}/executions.

def sub_executions(ctx, origin: str, origin_id: str, errors_only=False,
                   max_depth=-1, include_output=False) -> list:
    """The execution tree under an execution (itself first) or a task, depth
    first, as a flat list of resource values."""
    blobs = ("params", "input", "output") if include_output else \
        ("params", "input")
    collected = []
    with db_session.read_only() as session:
        walker = _SubExecutionWalker(session, ctx, errors_only, max_depth,
                                     blobs, collected)
        if origin == "execution":
            walker.execution(origin_id, 0)
        else:
            walker.task(origin_id, 0)
    return collected


class _SubExecutionWalker:
    def __init__(self, session, ctx, errors_only, max_depth, blobs, out):
        self.session, self.ctx = session, ctx
        self.errors_only, self.max_depth = errors_only, max_depth
        self.blobs, self.out = blobs, out

    def execution(self, wf_ex_id, depth):
        if 0 <= self.max_depth < depth:
            return
        row = get_row(self.session, self.ctx, wf_ex_id, undefer=self.blobs)
        self.out.append(values(row, self.blobs))
        for task in tasks_of(self.session, wf_ex_id):
            self._task_row(task, depth + 1)

    def task(self, task_ex_id, depth):
        from mistral_clone.services import tasks as task_service
        row = task_service.get_row(self.session, self.ctx, task_ex_id)
        self._task_row(row, depth)

    def _task_row(self, task, depth):
        if self.errors_only and task.state != states.ERROR:
            return
        for child_id in child_execution_ids(self.session, task.id):
            self.execution(child_id, depth)


def tasks_of(session, wf_ex_id) -> list:
    return session.execute(
        sa.select(models.TaskExecution)
        .where(models.TaskExecution.workflow_execution_id == wf_ex_id)
        .order_by(models.TaskExecution.created_at, models.TaskExecution.id)
    ).scalars().all()


def child_execution_ids(session, task_ex_id) -> list:
    return session.execute(
        sa.select(WfEx.id).where(WfEx.task_execution_id == task_ex_id)
        .order_by(WfEx.created_at, WfEx.id)).scalars().all()
