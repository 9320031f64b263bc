"""``/v2/tasks`` and ``/v2/executions/{id}/tasks``: read task executions;
rerun or skip a task in ERROR."""

import functools

from pecan import rest
from wsme import types as wtypes
import wsmeext.pecan as wsme_pecan

from mistral_clone import exceptions as exc
from mistral_clone.api import engine_calls
from mistral_clone.api import hooks
from mistral_clone.api import listing
from mistral_clone.api import policy
from mistral_clone.api import types
from mistral_clone.api.controllers.v2 import action_executions
from mistral_clone.api.controllers.v2 import execution_lists
from mistral_clone.api.controllers.v2 import runtime_resources as res
from mistral_clone.db import models
from mistral_clone.engine import states
from mistral_clone.services import executions as ex_service
from mistral_clone.services import tasks as task_service

# Query parameters the API reference lists that are no column of a task.
_NOT_FILTERABLE = ("reset", "env")


def _out_of_error(ctx, task_id):
    """The task, when it has left ERROR (the rerun or skip took place
    though its answer was lost), else None."""
    values = task_service.get_task(ctx, task_id)
    return values if values.get("state") != states.ERROR else None


def list_tasks(ctx, filters, marker, limit, sort_keys, sort_dirs, fields):
    for name in _NOT_FILTERABLE:
        if filters.pop(name, None) is not None:
            raise exc.InputError(
                "Tasks can not be filtered by '%s': it is not a field of a "
                "task execution." % name)
    spec, fields = listing.make_spec(
        models.TaskExecution, res.Task, limit, marker, sort_keys, sort_dirs,
        fields, **filters)
    items = listing.fetch_page(
        models.TaskExecution, spec, ctx, task_service.values,
        "Task execution not found [id=%s]",
        base_stmt=task_service.list_statement())
    link = listing.next_link("tasks", spec, fields, items)
    return res.Tasks.build(
        [res.Task.from_values(v, fields or None) for v in items], link)


class TaskWorkflowExecutionsController(rest.RestController):
    """``GET /v2/tasks/{id}/workflow_executions``: the task's
    sub-workflow executions."""

    @wsme_pecan.wsexpose(res.Executions, types.uuid_type, types.uuid_type,
                         int, types.uniquelist, types.list_type,
                         types.uniquelist, wtypes.text, types.uuid_type,
                         wtypes.text, types.uniquelist, res.jsondict,
                         wtypes.text, wtypes.text, res.jsondict,
                         res.jsondict, wtypes.text, wtypes.text)
    def get_all(self, task_execution_id, marker=None, limit=None,
                sort_keys=None, sort_dirs=None, fields=None,
                workflow_name=None, workflow_id=None, description=None,
                tags=None, params=None, state=None, state_info=None,
                input=None, output=None, created_at=None, updated_at=None):
        ctx = hooks.request_context()
        policy.enforce("executions:list", ctx)
        filters = dict(
            task_execution_id=task_execution_id, created_at=created_at,
            workflow_name=workflow_name, workflow_id=workflow_id, tags=tags,
            params=params, state=state, state_info=state_info, input=input,
            output=output, updated_at=updated_at, description=description)
        # Mistral lists them without their params and input (it reads
        # the rows without those deferred columns).
        return execution_lists.list_executions(
            ctx, "executions", filters, [], marker, limit, sort_keys,
            sort_dirs, fields, blobs=())


class TasksController(rest.RestController):
    action_executions = action_executions.TaskActionExecutionsController()
    workflow_executions = TaskWorkflowExecutionsController()
    executions = execution_lists.SubExecutionsController("task")

    @wsme_pecan.wsexpose(res.Task, wtypes.text, types.uniquelist)
    def get(self, id, fields=None):
        ctx = hooks.request_context()
        policy.enforce("tasks:get", ctx)
        fields = listing.check_fields(res.Task, fields)
        return res.Task.from_values(task_service.get_task(ctx, id),
                                    fields or None)

    @wsme_pecan.wsexpose(res.Tasks, types.uuid_type, int, types.uniquelist,
                         types.list_type, types.uniquelist, wtypes.text,
                         wtypes.text, types.uuid_type, types.uuid_type,
                         types.uniquelist, wtypes.text, wtypes.text,
                         types.jsontype, res.jsondict, res.boolean,
                         wtypes.text, wtypes.text, res.boolean,
                         res.jsondict)
    def get_all(self, marker=None, limit=None, sort_keys=None,
                sort_dirs=None, fields=None, name=None, workflow_name=None,
                workflow_id=None, workflow_execution_id=None, tags=None,
                state=None, state_info=None, result=None, published=None,
                processed=None, created_at=None, updated_at=None,
                reset=None, env=None):
        ctx = hooks.request_context()
        policy.enforce("tasks:list", ctx)
        filters = dict(
            created_at=created_at, workflow_name=workflow_name,
            workflow_id=workflow_id, tags=tags, state=state,
            state_info=state_info, updated_at=updated_at, name=name,
            workflow_execution_id=workflow_execution_id, result=result,
            published=published, processed=processed, reset=reset, env=env)
        return list_tasks(ctx, filters, marker, limit, sort_keys, sort_dirs,
                          fields)

    @wsme_pecan.wsexpose(res.Task, wtypes.text, body=res.Task)
    def put(self, id, task):
        ctx = hooks.request_context()
        policy.enforce("tasks:update", ctx)
        requested = task.to_dict()
        state = task_service.check_rerun(ctx, id, requested)
        engine = engine_calls.engine()
        if state == states.SKIPPED:
            call = functools.partial(engine.skip_task, ctx, id)
        else:
            before = task_service.get_task(ctx, id)
            call = functools.partial(
                engine.rerun_workflow, ctx, id,
                reset=bool(requested["reset"]),
                env=requested.get("env") or None)
        engine_calls.call_or_read(
            call, functools.partial(_out_of_error, ctx, id),
            "No engine answered in time; task %s may not be %s yet. Check "
            "it, or send this request again." % (
                id, "skipped" if state == states.SKIPPED else "rerun"))
        if state == states.SKIPPED:
            return res.Task.from_values(task_service.get_task(ctx, id))
        return res.Task.from_values(_as_rerun_found_it(before))


def _as_rerun_found_it(task_values: dict) -> dict:
    """Mistral 23 answers a rerun with the task as the rerun left it
    before running it again (that happens after the answer): still ERROR,
    with its old result and times, its runtime context cleared."""
    return dict(task_values, runtime_context={})


class ExecutionTasksController(rest.RestController):
    """``GET /v2/executions/{id}/tasks``."""

    @wsme_pecan.wsexpose(res.Tasks, types.uuid_type, types.uuid_type, int,
                         types.uniquelist, types.list_type, types.uniquelist,
                         wtypes.text, wtypes.text, types.uuid_type,
                         types.uniquelist, wtypes.text, wtypes.text,
                         types.jsontype, res.jsondict, res.boolean,
                         wtypes.text, wtypes.text, res.boolean,
                         res.jsondict)
    def get_all(self, workflow_execution_id, marker=None, limit=None,
                sort_keys=None, sort_dirs=None, fields=None, name=None,
                workflow_name=None, workflow_id=None, tags=None, state=None,
                state_info=None, result=None, published=None,
                processed=None, created_at=None, updated_at=None,
                reset=None, env=None):
        ctx = hooks.request_context()
        policy.enforce("tasks:list", ctx)
        ex_service.check_exists(ctx, workflow_execution_id)
        filters = dict(
            workflow_execution_id=workflow_execution_id,
            created_at=created_at, workflow_name=workflow_name,
            workflow_id=workflow_id, tags=tags, state=state,
            state_info=state_info, updated_at=updated_at, name=name,
            result=result, published=published, processed=processed,
            reset=reset, env=env)
        return list_tasks(ctx, filters, marker, limit, sort_keys, sort_dirs,
                          fields)
