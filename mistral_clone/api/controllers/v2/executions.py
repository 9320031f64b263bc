"""``/v2/executions``: start, read, pause/resume/stop, edit and delete
workflow executions; their tasks, sub-executions and report."""

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
from mistral_clone.api.controllers.v2 import execution_lists
from mistral_clone.api.controllers.v2 import execution_report
from mistral_clone.api.controllers.v2 import runtime_resources as res
from mistral_clone.api.controllers.v2 import tasks
from mistral_clone.engine import states
from mistral_clone.services import environments as env_service
from mistral_clone.services import executions as ex_service
from mistral_clone.services import workflows as wf_service

_STOP_STATES = (states.SUCCESS, states.ERROR, states.CANCELLED)


def check_params(ctx, params: dict) -> None:
    """What the engine would refuse, refused before the RPC."""
    env = params.get("env")
    if env is None or isinstance(env, dict):
        return
    if isinstance(env, str):
        try:
            env_service.get_environment(ctx, env)
        except exc.NotFoundError:
            raise exc.InputError("Environment is not found: %s" % env)
        return
    raise exc.InputError("Unexpected value type for environment [env=%s, "
                         "type=%s]" % (env, type(env)))


def _start_values(ctx, requested: dict) -> dict:
    """The request, on top of its source execution for a replay."""
    source_id = requested.get("source_execution_id")
    if not source_id:
        return requested
    merged = ex_service.deep_merge(
        ex_service.source_values(ctx, source_id), requested)
    merged["description"] = ("%s Based on the execution '%s'" % (
        requested.get("description") or "", source_id)).strip()
    if requested.get("workflow_id") or requested.get("workflow_name"):
        # The request names its workflow: the source's does not mix in.
        for key in ("workflow_id", "workflow_name"):
            if key not in requested:
                merged.pop(key, None)
    return merged


def _in_state(ctx, ex_id, state):
    """The execution, when it is in ``state`` (a change that took place
    though its answer was lost), else None."""
    values = engine_calls.created_execution(ctx, ex_id)
    return values if values and values.get("state") == state else None


class ExecutionsController(rest.RestController):
    tasks = tasks.ExecutionTasksController()
    report = execution_report.ExecutionReportController()
    executions = execution_lists.SubExecutionsController("execution")

    @wsme_pecan.wsexpose(res.Execution, wtypes.text, types.uniquelist)
    def get(self, id, fields=None):
        ctx = hooks.request_context()
        policy.enforce("executions:get", ctx)
        fields = listing.check_one_fields(res.Execution, fields)
        return res.Execution.from_values(
            ex_service.get_execution(ctx, id), fields or None)

    @wsme_pecan.wsexpose(res.Execution, body=res.Execution, status_code=201)
    def post(self, wf_ex):
        ctx = hooks.request_context()
        policy.enforce("executions:create", ctx)
        requested = wf_ex.to_dict()
        ex_id = requested.get("id")
        if ex_id:
            if len(ex_id) > 36:
                raise exc.InputError(
                    "Execution id must be at most 36 characters: %s" % ex_id)
            existing = engine_calls.created_execution(ctx, ex_id)
            if existing is not None:
                return res.Execution.from_values(existing)
        values = _start_values(ctx, requested)
        identifier = values.get("workflow_id") or values.get("workflow_name")
        if not identifier:
            raise exc.WorkflowError(
                "Workflow ID or workflow name must be provided. Workflow ID "
                "is recommended.")
        namespace = values.get("workflow_namespace") or ""
        params = dict(values.get("params") or {})

        def definition(session):
            # Read in the transaction that writes the execution: one
            # transaction per start, not two.
            wf_def = wf_service.find_workflow(session, ctx, identifier,
                                              namespace)
            check_params(ctx, params)
            return wf_def

        result = engine_calls.start_workflow(
            ctx, ex_id or engine_calls.new_execution_id(), definition,
            values.get("input") or {}, values.get("description") or "",
            params)
        return res.Execution.from_values(result)

    @wsme_pecan.wsexpose(res.Execution, wtypes.text, body=res.Execution)
    def put(self, id, wf_ex):
        ctx = hooks.request_context()
        policy.enforce("executions:update", ctx)
        ex_service.check_exists(ctx, id)
        state = wf_ex.state or None
        description = wf_ex.description or None
        params = wf_ex.params or {}
        env = params.get("env") or None
        if not (state or description or env):
            raise exc.InputError("The property state, description, or env "
                                 "is not provided for update.")
        if description and state:
            raise exc.InputError("The property description must be updated "
                                 "separately from state.")
        if env and state and state != states.RUNNING:
            raise exc.InputError(
                "The property env can only be updated when workflow "
                "execution is not running or on resume from pause.")
        result = None
        if description:
            result = ex_service.update_description(ctx, id, description)
        if env and not state:
            if not isinstance(env, dict):
                raise exc.InputError("Unexpected value type for environment "
                                     "[env=%s, type=%s]" % (env, type(env)))
            result = ex_service.update_env(ctx, id, env)
        if state:
            result = self._change_state(ctx, id, state, env,
                                        wf_ex.state_info or None)
        return res.Execution.from_values(result)

    @staticmethod
    def _change_state(ctx, ex_id, state, env, state_info):
        engine = engine_calls.engine()
        if state == states.PAUSED:
            call = functools.partial(engine.pause_workflow, ctx, ex_id)
        elif state == states.RUNNING:
            call = functools.partial(engine.resume_workflow, ctx, ex_id,
                                     env=env)
        elif state in _STOP_STATES:
            call = functools.partial(engine.stop_workflow, ctx, ex_id,
                                     state, state_info)
        else:
            raise exc.InputError(
                "Cannot change state to %s. Allowed states are: '%s" % (
                    state, ", ".join([states.RUNNING, states.PAUSED,
                                      states.SUCCESS, states.ERROR,
                                      states.CANCELLED])))
        return engine_calls.call_or_read(
            call, functools.partial(_in_state, ctx, ex_id, state),
            "No engine answered in time; execution %s may not be %s yet. "
            "Check it, or send this request again." % (ex_id, state))

    @wsme_pecan.wsexpose(None, wtypes.text, res.boolean, status_code=204)
    def delete(self, id, force=False):
        ctx = hooks.request_context()
        policy.enforce("executions:delete", ctx)
        ex_service.delete_execution(ctx, id, force=bool(force))

    @wsme_pecan.wsexpose(res.Executions, types.uuid_type, int,
                         types.uniquelist, types.list_type, types.uniquelist,
                         wtypes.text, types.uuid_type, wtypes.text,
                         types.uniquelist, res.jsondict, types.uuid_type,
                         types.uuid_type, wtypes.text, wtypes.text,
                         res.jsondict, res.jsondict, wtypes.text,
                         wtypes.text, res.boolean, types.uuid_type,
                         res.boolean, types.list_type)
    def get_all(self, marker=None, limit=None, sort_keys=None,
                sort_dirs=None, fields=None, workflow_name=None,
                workflow_id=None, description=None, tags=None, params=None,
                task_execution_id=None, root_execution_id=None, state=None,
                state_info=None, input=None, output=None, created_at=None,
                updated_at=None, include_output=None, project_id=None,
                all_projects=False, nulls=None):
        ctx = hooks.request_context()
        policy.enforce("executions:list", ctx)
        nulls = execution_lists.check_nulls(nulls)
        if all_projects or project_id:
            policy.enforce("executions:list:all_projects", ctx)
        filters = dict(
            created_at=created_at, workflow_name=workflow_name,
            workflow_id=workflow_id, tags=tags, params=params,
            task_execution_id=task_execution_id, state=state,
            state_info=state_info, input=input, output=output,
            updated_at=updated_at, description=description,
            project_id=project_id, root_execution_id=root_execution_id)
        return execution_lists.list_executions(
            ctx, "executions", filters, nulls, marker, limit, sort_keys,
            sort_dirs, fields, bool(all_projects or project_id),
            bool(include_output))
