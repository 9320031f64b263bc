"""The expressions' data provider over the database (``task()``,
``tasks()``, ``execution()``, ``executions()``, ``global()``).

It reads through the session of the engine step that evaluates, so an
expression sees what this step has written and not yet committed.
"""

import datetime
from typing import Any, Optional


from mistral_clone.db import models
from mistral_clone.db import retry
from mistral_clone.engine import queries
from mistral_clone.engine import specs
from mistral_clone.engine import states


def _ts(value: Optional[datetime.datetime]) -> Optional[str]:
    return value.isoformat(" ") if value is not None else None


def result_of(task_ex, accepted_results) -> object:
    """A task's result as Mistral computes it: what the task stored when
    it finished, else from its accepted runs (``accepted_results()``): a
    list for with-items, else the one result, or the list of them (``[]``
    while none has finished)."""
    if task_ex.result is not None or states.is_completed(task_ex.state):
        return task_ex.result
    results = accepted_results()
    if (task_ex.spec or {}).get("with-items"):
        return results
    return results[0] if len(results) == 1 else results


def task_dict(task_ex: models.TaskExecution, result=None) -> dict:
    return {
        "id": task_ex.id,
        "name": task_ex.name,
        "spec": task_ex.spec,
        "state": task_ex.state,
        "state_info": task_ex.state_info,
        "result": task_ex.result if result is None else result,
        "published": task_ex.published,
        "type": task_ex.type,
        "workflow_execution_id": task_ex.workflow_execution_id,
        "created_at": _ts(task_ex.created_at),
        "updated_at": _ts(task_ex.updated_at),
    }


def execution_dict(wf_ex: models.WorkflowExecution) -> dict:
    return {
        "id": wf_ex.id,
        "name": wf_ex.workflow_name,
        "spec": _spec_dict(wf_ex),
        "input": wf_ex.input,
        "params": wf_ex.params,
        "created_at": _ts(wf_ex.created_at),
        "updated_at": _ts(wf_ex.updated_at),
        "root_execution_id": wf_ex.root_execution_id,
    }


def _spec_dict(wf_ex) -> dict:
    try:
        return specs.workflow_spec(wf_ex).to_dict()
    except Exception:  # noqa: BLE001 - a spec view is best effort
        return {}


# The mark a sub-workflow's runtime_context gets once its parent task took
# its end (see ``EngineEndpoint.report_subworkflow_result``): the engine's
# own bookkeeping, not shown to expressions (Mistral has no such key).
REPORTED_TO_PARENT = "reported_to_parent"


def _shown_runtime_context(runtime_context):
    if not runtime_context or REPORTED_TO_PARENT not in runtime_context:
        return runtime_context
    return {k: v for k, v in runtime_context.items()
            if k != REPORTED_TO_PARENT}


def full_execution_dict(wf_ex: models.WorkflowExecution) -> dict:
    return {
        "id": wf_ex.id,
        "name": wf_ex.workflow_name,
        "workflow_name": wf_ex.workflow_name,
        "workflow_id": wf_ex.workflow_id,
        "workflow_namespace": wf_ex.workflow_namespace,
        "description": wf_ex.description,
        "spec": _spec_dict(wf_ex),
        "input": wf_ex.input,
        "output": wf_ex.output,
        "params": wf_ex.params,
        "context": wf_ex.context,
        "state": wf_ex.state,
        "state_info": wf_ex.state_info,
        "tags": wf_ex.tags,
        "runtime_context": _shown_runtime_context(wf_ex.runtime_context),
        "accepted": wf_ex.accepted,
        "scope": wf_ex.scope,
        "project_id": wf_ex.project_id,
        "task_execution_id": wf_ex.task_execution_id,
        "root_execution_id": wf_ex.root_execution_id,
        "created_at": _ts(wf_ex.created_at),
        "updated_at": _ts(wf_ex.updated_at),
    }


class DbDataProvider:
    """Implements ``mistral_clone.expressions.provider.DataProvider``."""

    def __init__(self, session, project_id: Optional[str] = None):
        """``project_id``: the project whose data expressions may see (the
        evaluating execution's); None only for internal callers."""
        self._session = session
        self._project_id = project_id

    @property
    def project_id(self) -> Optional[str]:
        return self._project_id

    @staticmethod
    def passes_through(error: BaseException) -> bool:
        """A transient database error is the infrastructure's, never the
        expression's: it reaches the step, which runs again (never a
        task's failure)."""
        return retry.is_transient(error)

    def _visible(self, row) -> bool:
        return row is not None and (self._project_id is None or
                                    row.project_id == self._project_id)

    def _task_dict(self, task_ex) -> dict:
        return task_dict(task_ex, result_of(
            task_ex, lambda: queries.accepted_results(self._session,
                                                      task_ex)))

    def task_info(self, task_execution_id: str) -> Optional[dict]:
        task_ex = queries.task(self._session, task_execution_id)
        return self._task_dict(task_ex) if self._visible(task_ex) else None

    def find_task_info(self, workflow_execution_id: str,
                       name: str) -> Optional[dict]:
        task_ex = queries.latest_task_named(self._session,
                                            workflow_execution_id, name)
        return self._task_dict(task_ex) if self._visible(task_ex) else None

    def tasks_info(self, workflow_execution_id: Optional[str] = None,
                   recursive: bool = False, state: Optional[str] = None,
                   flat: bool = False) -> list:
        if workflow_execution_id is None:
            return [task_dict(t) for t in queries.tasks_of_project(
                self._session, self._project_id, state)]
        if not self._visible(queries.workflow(self._session,
                                              workflow_execution_id)):
            return []
        result = []
        pending = [workflow_execution_id]
        while pending:
            wf_ex_id = pending.pop(0)
            all_tasks = queries.tasks_of_execution(self._session, wf_ex_id)
            wf_tasks = [t for t in all_tasks if t.type == "WORKFLOW"]
            children = {c.task_execution_id: c
                        for c in queries.children_of_tasks(
                            self._session, [t.id for t in wf_tasks])}
            for t in all_tasks:
                if state and t.state != state:
                    continue
                child = children.get(t.id)
                if flat and t.type == "WORKFLOW" and child is not None and \
                        child.state == t.state:
                    continue
                result.append(task_dict(t))
            if recursive:
                pending.extend(c.id for c in children.values())
        return result

    def execution_info(self, execution_id: str) -> Optional[dict]:
        wf_ex = queries.workflow(self._session, execution_id)
        return execution_dict(wf_ex) if self._visible(wf_ex) else None

    def executions_info(self, id: Optional[str] = None,
                        root_execution_id: Optional[str] = None,
                        state: Optional[str] = None,
                        from_time: Optional[str] = None,
                        to_time: Optional[str] = None) -> list:
        rows = queries.executions_matching(
            self._session, self._project_id, id, root_execution_id, state,
            _parse_time(from_time) if from_time else None,
            _parse_time(to_time) if to_time else None)
        return [full_execution_dict(r) for r in rows]

    def global_var(self, execution_id: str, name: str) -> Any:
        wf_ex = queries.workflow(self._session, execution_id)
        if not self._visible(wf_ex):
            return None
        return (wf_ex.context or {}).get(name)


def _parse_time(value):
    if isinstance(value, datetime.datetime):
        return value
    return datetime.datetime.fromisoformat(str(value).replace("Z", ""))

