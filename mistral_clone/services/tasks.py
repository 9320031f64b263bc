"""Task executions as the API reads them, and the checks of a rerun or skip
request before it goes to the engine."""

import json

import sqlalchemy as sa
from sqlalchemy import orm

from mistral_clone import exceptions as exc
from mistral_clone.db import models
from mistral_clone.db import query as dbq
from mistral_clone.db import session as db_session
from mistral_clone.engine import dataflow
from mistral_clone.engine import specs as engine_specs
from mistral_clone.engine import states
from mistral_clone.engine.provider import DbDataProvider

TaskEx = models.TaskExecution

SCALAR_FIELDS = ("id", "name", "type", "workflow_name", "workflow_namespace",
                 "workflow_id", "workflow_execution_id", "tags", "state",
                 "state_info", "project_id", "processed", "created_at",
                 "updated_at", "started_at", "finished_at")
LIST_BLOBS = ("runtime_context", "published")


def not_found(task_id) -> exc.NotFoundError:
    return exc.NotFoundError("Task execution not found [id=%s]" % task_id)


def get_row(session, ctx, task_id, undefer=()):
    stmt = dbq.guard(sa.select(TaskEx).where(TaskEx.id == task_id), TaskEx,
                     ctx, all_projects=bool(ctx.is_admin))
    if undefer:
        stmt = stmt.options(*[orm.undefer(getattr(TaskEx, n))
                              for n in undefer])
    row = session.execute(stmt).scalars().first()
    if row is None:
        raise not_found(task_id)
    return row


def values(row, blobs=LIST_BLOBS) -> dict:
    result = {name: getattr(row, name) for name in SCALAR_FIELDS}
    for name in blobs:
        result[name] = getattr(row, name)
    return result


def list_statement():
    return sa.select(TaskEx).options(
        *[orm.undefer(getattr(TaskEx, n)) for n in LIST_BLOBS])


def is_with_items(spec) -> bool:
    return bool(spec) and bool(spec.get("with-items") or
                               spec.get("with_items"))


def _child_result(child):
    if isinstance(child, models.ActionExecution):
        output = child.output
        return output.get("result") if isinstance(output, dict) else output
    return child.output


def task_result(session, row):
    """The task's result: what the engine stored, or else the accepted
    results of its actions / sub-workflows, in item order (a list for a
    with-items task or when there is not exactly one)."""
    if row.result is not None:
        return row.result
    actions = session.execute(
        sa.select(models.ActionExecution)
        .options(orm.undefer(models.ActionExecution.output),
                 orm.undefer(models.ActionExecution.runtime_context))
        .where(models.ActionExecution.task_execution_id == row.id)
    ).scalars().all()
    workflows = session.execute(
        sa.select(models.WorkflowExecution)
        .options(orm.undefer(models.WorkflowExecution.output),
                 orm.undefer(models.WorkflowExecution.runtime_context))
        .where(models.WorkflowExecution.task_execution_id == row.id)
    ).scalars().all()
    children = [c for c in list(actions) + list(workflows) if c.accepted]
    children.sort(key=lambda c: ((c.runtime_context or {}).get("index")
                                 or 0, c.created_at))
    results = [_child_result(c) for c in children]
    if is_with_items(row.spec):
        return results
    return results[0] if len(results) == 1 else results


def get_task(ctx, task_id) -> dict:
    """Every field of ``GET /v2/tasks/{id}``: ``result`` as JSON text."""
    with db_session.read_only() as session:
        row = get_row(session, ctx, task_id,
                      undefer=LIST_BLOBS + ("result", "spec"))
        result = values(row)
        result["result"] = json.dumps(task_result(session, row))
        published_global = _published_global(session, row)
        if published_global:
            result["published_global"] = published_global
        return result


class _DetachedTaskProvider(DbDataProvider):
    """Mistral 23 evaluates a task's global publish again for
    ``GET /v2/tasks/{id}``, and there ``task()`` fails: the task row it
    reads is detached from its session. The same 400 answer here."""

    def task_info(self, task_execution_id: str):
        raise exc.ExpressionEvaluationError(_DETACHED % id(self))

    def find_task_info(self, workflow_execution_id: str, name: str):
        raise exc.ExpressionEvaluationError(_DETACHED % id(self))


_DETACHED = ("Parent instance <TaskExecution at 0x%x> is not bound to a "
             "Session; deferred load operation of attribute 'spec' cannot "
             "proceed (Background on this error at: "
             "https://sqlalche.me/e/21/bhk3)")


def _published_global(session, row):
    """The task's global publish evaluated now, as Mistral's task GET
    does (None when it publishes nothing global)."""
    if row.state not in (states.SUCCESS, states.ERROR):
        return None
    wf_ex = session.execute(
        sa.select(models.WorkflowExecution)
        .options(*[orm.undefer(getattr(models.WorkflowExecution, n))
                   for n in ("input", "context", "params",
                             "spec_definition")])
        .where(models.WorkflowExecution.id == row.workflow_execution_id)
    ).scalars().first()
    if wf_ex is None or not wf_ex.spec_definition:
        return None
    try:
        task_spec = engine_specs.workflow_spec(wf_ex).tasks.get(row.name)
    except exc.MistralError:
        return None
    publish_spec = dataflow.publish_vars(task_spec, row.state) \
        if task_spec is not None else None
    global_vars = (publish_spec or {}).get("global")
    if not global_vars:
        return None
    provider = _DetachedTaskProvider(session, row.project_id)
    view = dataflow.eval_context(
        wf_ex.input, wf_ex.context, (wf_ex.params or {}).get("env"),
        row.in_context, {"id": row.id, "name": row.name}, provider)
    return dataflow.evaluate(global_vars, view)


def check_rerun(ctx, task_id, requested: dict) -> str:
    """Mistral's checks of ``PUT /v2/tasks/{id}``, in its order. Returns
    the requested state (RUNNING to rerun, SKIPPED to skip)."""
    with db_session.read_only() as session:
        row = get_row(session, ctx, task_id, undefer=("spec",))
        name = requested.get("name")
        if name and name != row.name:
            raise exc.WorkflowError("Task name does not match.")
        wf_name = requested.get("workflow_name")
        if wf_name and wf_name != row.workflow_name:
            raise exc.WorkflowError("Workflow name does not match.")
        state = requested.get("state")
        if state not in (states.RUNNING, states.SKIPPED):
            raise exc.WorkflowError(
                "Invalid task state. Only updating task to RUNNING or "
                "SKIPPED is supported.")
        if row.state != states.ERROR:
            raise exc.WorkflowError(
                "The current task execution must be in ERROR for rerun. "
                "Only updating task to rerun is supported.")
        if state == states.RUNNING:
            if "reset" not in requested:
                raise exc.WorkflowError(
                    "Reset field is mandatory to rerun task.")
            if not requested["reset"] and not is_with_items(row.spec):
                raise exc.WorkflowError(
                    "Only with-items task has the option to not reset.")
        return state
