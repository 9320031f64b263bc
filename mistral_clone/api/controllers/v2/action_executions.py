"""``/v2/action_executions`` and ``/v2/tasks/{id}/action_executions``: run
an action directly, deliver the result of an async one, read and delete."""

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
from mistral_clone.api.controllers.v2 import runtime_resources as res
from mistral_clone.db import models
from mistral_clone.engine import states
from mistral_clone.services import action_executions as ax_service

SUPPORTED_TRANSITION_STATES = [states.SUCCESS, states.ERROR,
                               states.CANCELLED, states.PAUSED,
                               states.RUNNING]

_LIST_TYPES = (int, types.uniquelist, types.list_type, types.uniquelist,
               wtypes.text, wtypes.text, types.uniquelist, wtypes.text,
               wtypes.text, wtypes.text)


def _result_of(state, output) -> dict:
    """The ``{"data", "error", "cancel"}`` result a PUT delivers."""
    if state == states.SUCCESS:
        return {"data": output, "error": None, "cancel": False}
    if state == states.ERROR:
        return {"data": None, "error": output or "Unknown error",
                "cancel": False}
    return {"data": None, "error": None, "cancel": True}


def list_action_executions(ctx, filters, marker, limit, sort_keys, sort_dirs,
                           fields, include_output):
    if filters.pop("params", None) is not None:
        raise exc.InputError("Action executions can not be filtered by "
                             "'params': it is not a stored field.")
    task_name = filters.pop("task_name", None)
    spec, fields = listing.make_spec(
        models.ActionExecution, res.ActionExecution, limit, marker,
        sort_keys, sort_dirs, fields, **filters)
    items = listing.fetch_page(
        models.ActionExecution, spec, ctx,
        ax_service.list_values(include_output),
        "ActionExecution not found [id=%s]",
        base_stmt=ax_service.list_statement(include_output, task_name))
    extra = [("task_name", task_name)] if task_name is not None else []
    link = listing.next_link("action_executions", spec, fields, items, extra)
    return res.ActionExecutions.build(
        [res.ActionExecution.from_values(v, fields or None) for v in items],
        link)


def _in_state(ctx, ex_id, state):
    """The action execution, when it is in ``state`` (the change took
    place though its answer was lost), else None."""
    values = ax_service.get_action_execution(ctx, ex_id)
    return values if values.get("state") == state else None


def _get(ctx, ex_id, fields):
    fields = listing.check_fields(res.ActionExecution, fields)
    return res.ActionExecution.from_values(
        ax_service.get_action_execution(ctx, ex_id), fields or None)


class ActionExecutionsController(rest.RestController):
    @wsme_pecan.wsexpose(res.ActionExecution, wtypes.text, types.uniquelist)
    def get(self, id, fields=None):
        ctx = hooks.request_context()
        policy.enforce("action_executions:get", ctx)
        return _get(ctx, id, fields)

    @wsme_pecan.wsexpose(res.ActionExecution, body=res.ActionExecution,
                         status_code=201)
    def post(self, action_ex):
        ctx = hooks.request_context()
        policy.enforce("action_executions:create", ctx)
        if not action_ex.name:
            raise exc.InputError(
                "Please provide at least action name to run action.")
        params = action_ex.params or {}
        ax_id = action_ex.id or None
        if ax_id:
            # Not in Mistral (it ignores an id): a client that got no
            # answer sends the id it was given again and gets one action
            # execution.
            if len(ax_id) > 36:
                raise exc.InputError("Action execution id must be at most "
                                     "36 characters: %s" % ax_id)
            existing = engine_calls.created_action(ctx, ax_id)
            if existing is not None:
                return res.ActionExecution.from_values(
                    ax_service.as_shown(existing))
        values = engine_calls.start_action(
            ctx, ax_id or engine_calls.new_execution_id(), action_ex.name,
            action_ex.input or {}, action_ex.description or None,
            action_ex.workflow_namespace or "", params)
        return res.ActionExecution.from_values(ax_service.as_shown(values))

    @wsme_pecan.wsexpose(res.ActionExecution, wtypes.text,
                         body=res.ActionExecution)
    def put(self, id, action_ex):
        ctx = hooks.request_context()
        policy.enforce("action_executions:update", ctx)
        state = action_ex.state
        if state not in SUPPORTED_TRANSITION_STATES:
            raise exc.InputError("Error. Expected one of %s, actual: %s"
                                 % (SUPPORTED_TRANSITION_STATES, state))
        ax_service.check_exists(ctx, id)
        engine = engine_calls.engine()
        if state in (states.PAUSED, states.RUNNING):
            call = functools.partial(engine.on_action_update, ctx, id, state)
        else:
            output = action_ex.output
            if output is wtypes.Unset:
                # Mistral stores an omitted output of a success as {}.
                output = {} if state == states.SUCCESS else None
            call = functools.partial(engine.on_action_complete, ctx, id,
                                     _result_of(state, output))
        values = engine_calls.call_or_read(
            call, functools.partial(_in_state, ctx, id, state),
            "No engine answered in time; action execution %s may not be "
            "%s yet. Check it, or send this request again." % (id, state))
        return res.ActionExecution.from_values(ax_service.as_shown(values))

    @wsme_pecan.wsexpose(None, wtypes.text, status_code=204)
    def delete(self, id):
        ctx = hooks.request_context()
        policy.enforce("action_executions:delete", ctx)
        ax_service.delete_action_execution(ctx, id)

    @wsme_pecan.wsexpose(res.ActionExecutions, types.uuid_type, *_LIST_TYPES,
                         types.uuid_type, wtypes.text, wtypes.text,
                         res.boolean,
                         res.jsondict, res.jsondict, res.jsondict,
                         wtypes.text, res.boolean)
    def get_all(self, marker=None, limit=None, sort_keys=None,
                sort_dirs=None, fields=None, created_at=None, name=None,
                tags=None, updated_at=None, workflow_name=None,
                task_name=None, task_execution_id=None, state=None,
                state_info=None, accepted=None, input=None, output=None,
                params=None, description=None, include_output=False):
        ctx = hooks.request_context()
        policy.enforce("action_executions:list", ctx)
        filters = dict(
            created_at=created_at, name=name, tags=tags,
            updated_at=updated_at, workflow_name=workflow_name,
            task_name=task_name, task_execution_id=task_execution_id,
            state=state, state_info=state_info, accepted=accepted,
            input=input, output=output, params=params,
            description=description)
        return list_action_executions(ctx, filters, marker, limit, sort_keys,
                                      sort_dirs, fields, bool(include_output))


class TaskActionExecutionsController(rest.RestController):
    """``/v2/tasks/{id}/action_executions[/{action_ex_id}]``."""

    @wsme_pecan.wsexpose(res.ActionExecutions, types.uuid_type,
                         types.uuid_type, *_LIST_TYPES, wtypes.text,
                         wtypes.text, res.boolean, res.jsondict, res.jsondict,
                         res.jsondict, wtypes.text, res.boolean)
    def get_all(self, task_execution_id, marker=None, limit=None,
                sort_keys=None, sort_dirs=None, fields=None, created_at=None,
                name=None, tags=None, updated_at=None, workflow_name=None,
                task_name=None, state=None, state_info=None, accepted=None,
                input=None, output=None, params=None, description=None,
                include_output=None):
        ctx = hooks.request_context()
        policy.enforce("action_executions:list", ctx)
        filters = dict(
            created_at=created_at, name=name, tags=tags,
            updated_at=updated_at, workflow_name=workflow_name,
            task_name=task_name, task_execution_id=task_execution_id,
            state=state, state_info=state_info, accepted=accepted,
            input=input, output=output, params=params,
            description=description)
        return list_action_executions(ctx, filters, marker, limit, sort_keys,
                                      sort_dirs, fields, bool(include_output))

    @wsme_pecan.wsexpose(res.ActionExecution, wtypes.text, wtypes.text,
                         types.uniquelist)
    def get(self, task_execution_id, action_ex_id, fields=None):
        ctx = hooks.request_context()
        policy.enforce("action_executions:get", ctx)
        return _get(ctx, action_ex_id, fields)
