"""Reading executions back in tests."""

import sqlalchemy as sa

from mistral_clone.db import models
from mistral_clone.db import session as db_session
from mistral_clone.engine import states
from tests.waiting import wait_for


def _row_dict(row):
    return {c.key: getattr(row, c.key)
            for c in sa.inspect(type(row)).column_attrs}


def get_wf_ex(wf_ex_id):
    with db_session.read_only() as session:
        return _row_dict(session.get(models.WorkflowExecution, wf_ex_id))


def wait_state(wf_ex_id, *wanted, timeout=15.0):
    wanted = wanted or states.COMPLETED

    def done():
        wf_ex = get_wf_ex(wf_ex_id)
        return wf_ex if wf_ex["state"] in wanted else None

    return wait_for(done, timeout)


def tasks_of(wf_ex_id):
    with db_session.read_only() as session:
        model = models.TaskExecution
        rows = session.execute(
            sa.select(model).where(model.workflow_execution_id == wf_ex_id)
            .order_by(model.created_at)).scalars().all()
        return {r.name: _row_dict(r) for r in rows}


def children_of(task_ex_id):
    with db_session.read_only() as session:
        model = models.WorkflowExecution
        rows = session.execute(
            sa.select(model).where(model.task_execution_id == task_ex_id)
        ).scalars().all()
        return [_row_dict(r) for r in rows]


def action_exs_of(task_ex_id):
    with db_session.read_only() as session:
        model = models.ActionExecution
        rows = session.execute(
            sa.select(model).where(model.task_execution_id == task_ex_id)
            .order_by(model.index)).scalars().all()
        return [_row_dict(r) for r in rows]
