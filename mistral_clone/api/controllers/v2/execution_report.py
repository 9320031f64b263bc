"""``GET /v2/executions/{id}/report``: the execution tree with statistics,
shaped as Mistral's report."""

import dataclasses

from pecan import rest
from wsme import types as wtypes
import wsmeext.pecan as wsme_pecan

from mistral_clone.api import hooks
from mistral_clone.api import policy
from mistral_clone.api import resources
from mistral_clone.api import types
from mistral_clone.api.controllers.v2 import runtime_resources as res
from mistral_clone.services import execution_reports


class ActionExecutionReportEntry(resources.Resource):
    _time_fields = ("created_at", "updated_at", "last_heartbeat")

    accepted = bool
    last_heartbeat = wtypes.text
    id = wtypes.text
    name = wtypes.text
    created_at = wtypes.text
    updated_at = wtypes.text
    state = wtypes.text
    state_info = wtypes.text


class WorkflowExecutionReportEntry(resources.Resource):
    id = wtypes.text
    name = wtypes.text
    created_at = wtypes.text
    updated_at = wtypes.text
    state = wtypes.text
    state_info = wtypes.text


class TaskExecutionReportEntry(resources.Resource):
    action_executions = [ActionExecutionReportEntry]
    workflow_executions = [WorkflowExecutionReportEntry]
    retry_count = wtypes.IntegerType(minimum=0)
    id = wtypes.text
    name = wtypes.text
    created_at = wtypes.text
    updated_at = wtypes.text
    state = wtypes.text
    state_info = wtypes.text


# Declared late: a task entry holds workflow entries and the other way round.
WorkflowExecutionReportEntry.task_executions = [TaskExecutionReportEntry]
WorkflowExecutionReportEntry._wsme_attr_order = (
    "id", "name", "created_at", "updated_at", "state", "state_info",
    "task_executions")
wtypes.registry.reregister(WorkflowExecutionReportEntry)


class ExecutionReportStatistics(wtypes.Base):
    total_tasks_count = int
    running_tasks_count = int
    success_tasks_count = int
    error_tasks_count = int
    idle_tasks_count = int
    paused_tasks_count = int
    estimated_time = int


class ExecutionReport(wtypes.Base):
    statistics = ExecutionReportStatistics
    root_workflow_execution = WorkflowExecutionReportEntry


def _workflow_entry(values: dict) -> WorkflowExecutionReportEntry:
    entry = WorkflowExecutionReportEntry.from_values(
        {k: v for k, v in values.items() if k != "task_executions"})
    if "task_executions" in values:
        entry.task_executions = [_task_entry(t)
                                 for t in values["task_executions"]]
    return entry


def _task_entry(values: dict) -> TaskExecutionReportEntry:
    entry = TaskExecutionReportEntry.from_values(
        {k: v for k, v in values.items()
         if k not in ("action_executions", "workflow_executions")})
    entry.action_executions = [ActionExecutionReportEntry.from_values(a)
                               for a in values["action_executions"]]
    entry.workflow_executions = [_workflow_entry(w)
                                 for w in values["workflow_executions"]]
    return entry


class ExecutionReportController(rest.RestController):
    @wsme_pecan.wsexpose(ExecutionReport, types.uuid_type, res.boolean, int,
                         res.boolean)
    def get(self, workflow_execution_id, errors_only=False, max_depth=-1,
            statistics_only=False):
        ctx = hooks.request_context()
        policy.enforce("executions:get", ctx)
        report = execution_reports.build_report(
            ctx, workflow_execution_id, errors_only=bool(errors_only),
            max_depth=-1 if max_depth is None else max_depth,
            statistics_only=bool(statistics_only))
        result = ExecutionReport(statistics=ExecutionReportStatistics(
            **dataclasses.asdict(report["statistics"])))
        if "root_workflow_execution" in report:
            result.root_workflow_execution = _workflow_entry(
                report["root_workflow_execution"])
        return result
