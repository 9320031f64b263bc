"""``GET /v2/executions/{id}/report``: the tree of an execution (tasks, their
actions and sub-workflows) with task statistics, read in one transaction.
"""

import dataclasses

import sqlalchemy as sa

from mistral_clone.db import models
from mistral_clone.db import session as db_session
from mistral_clone.engine import states
from mistral_clone.services import executions as ex_service

# How many earlier successful runs the time estimate averages.
ESTIMATE_SAMPLE = 20

_COUNTED = {states.RUNNING: "running", states.SUCCESS: "success",
            states.ERROR: "error", states.IDLE: "idle",
            states.PAUSED: "paused"}


@dataclasses.dataclass
class Statistics:
    total_tasks_count: int = 0
    running_tasks_count: int = 0
    success_tasks_count: int = 0
    error_tasks_count: int = 0
    idle_tasks_count: int = 0
    paused_tasks_count: int = 0
    estimated_time: int = 0

    def count(self, state) -> None:
        """Mistral counts only these five states (and their total)."""
        kind = _COUNTED.get(state)
        if kind:
            attr = "%s_tasks_count" % kind
            setattr(self, attr, getattr(self, attr) + 1)
            self.total_tasks_count += 1


def _base_entry(row, name) -> dict:
    return {"id": row.id, "name": name, "created_at": row.created_at,
            "updated_at": row.updated_at, "state": row.state,
            "state_info": row.state_info}


class _Walker:
    def __init__(self, session, errors_only, max_depth):
        self.session = session
        self.errors_only = errors_only
        self.max_depth = max_depth
        self.stats = Statistics()

    def execution(self, row, depth):
        entry = _base_entry(row, row.workflow_name)
        if 0 <= self.max_depth < depth:
            return entry
        entry["task_executions"] = []
        for task in ex_service.tasks_of(self.session, row.id):
            task_entry = self.task(task, depth + 1)
            if task_entry is not None:
                entry["task_executions"].append(task_entry)
        return entry

    def task(self, task, depth):
        if self.errors_only and task.state != states.ERROR:
            return None
        self.stats.count(task.state)
        entry = _base_entry(task, task.name)
        retry = (task.runtime_context or {}).get("retry_task_policy")
        if retry and "retry_no" in retry:
            entry["retry_count"] = retry["retry_no"]
        entry["action_executions"] = [
            dict(_base_entry(a, a.name), accepted=a.accepted,
                 last_heartbeat=a.last_heartbeat)
            for a in self.session.execute(
                sa.select(models.ActionExecution)
                .where(models.ActionExecution.task_execution_id == task.id)
                .order_by(models.ActionExecution.created_at,
                          models.ActionExecution.id)).scalars()]
        entry["workflow_executions"] = [
            self.execution(child, depth)
            for child in self.session.execute(
                sa.select(models.WorkflowExecution)
                .where(models.WorkflowExecution.task_execution_id == task.id)
                .order_by(models.WorkflowExecution.created_at,
                          models.WorkflowExecution.id)).scalars()]
        return entry


def _estimate(session, row) -> int:
    """Seconds left for a RUNNING execution, from the mean duration of the
    last successful runs of its workflow: -1 without history, at least 1
    while running, 0 once not running."""
    if row.state != states.RUNNING:
        return 0
    previous = session.execute(
        sa.select(models.WorkflowExecution)
        .where(models.WorkflowExecution.workflow_id == row.workflow_id,
               models.WorkflowExecution.state == states.SUCCESS)
        .order_by(models.WorkflowExecution.created_at.desc())
        .limit(ESTIMATE_SAMPLE)).scalars().all()
    if not previous:
        return -1
    elapsed = (models.utcnow() - row.created_at).total_seconds()
    average = sum(((p.updated_at or p.created_at) - p.created_at)
                  .total_seconds() for p in previous) / len(previous)
    left = int(average - elapsed)
    return left if left >= 0 else 1


def build_report(ctx, wf_ex_id, errors_only=False, max_depth=-1,
                 statistics_only=False) -> dict:
    """``{"statistics": Statistics, "root_workflow_execution": entry}``
    (no root entry for ``statistics_only``)."""
    with db_session.read_only() as session:
        row = ex_service.get_row(session, ctx, wf_ex_id)
        walker = _Walker(session, errors_only, max_depth)
        walker.stats.estimated_time = _estimate(session, row)
        root = walker.execution(row, 0)
        report = {"statistics": walker.stats}
        if not statistics_only:
            report["root_workflow_execution"] = root
        return report
