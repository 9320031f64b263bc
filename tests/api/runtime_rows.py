"""Rows of the runtime tables written straight into the test database, and a
recording stand-in for the engine's RPC client: the API's read paths and its
translation of requests into engine calls are tested without an engine."""

import datetime

from mistral_clone.context import DEFAULT_PROJECT_ID
from mistral_clone.db import models
from mistral_clone.db import session as db_session

T0 = datetime.datetime(2024, 1, 2, 3, 4, 5)


def at(seconds: int) -> datetime.datetime:
    return T0 + datetime.timedelta(seconds=seconds)


def add(row):
    with db_session.transaction() as session:
        session.add(row)
    return row


def wf_ex(**kw) -> models.WorkflowExecution:
    values = dict(workflow_name="wf", workflow_namespace="",
                  workflow_id=None, state="SUCCESS", description="",
                  input={}, output={}, params={"namespace": ""},
                  context={}, project_id=DEFAULT_PROJECT_ID,
                  created_at=T0, accepted=False)
    values.update(kw)
    return add(models.WorkflowExecution(**values))


def task_ex(wf, **kw) -> models.TaskExecution:
    values = dict(name="t1", workflow_execution_id=wf.id,
                  workflow_name=wf.workflow_name, workflow_namespace="",
                  workflow_id=wf.workflow_id, state="SUCCESS",
                  processed=True, spec={}, published={}, runtime_context={},
                  project_id=wf.project_id, created_at=T0)
    values.update(kw)
    return add(models.TaskExecution(**values))


def action_ex(task=None, **kw) -> models.ActionExecution:
    values = dict(name="std.echo", state="SUCCESS", accepted=True,
                  input={"output": 1}, output={"result": 1},
                  runtime_context={}, project_id=DEFAULT_PROJECT_ID,
                  created_at=T0, description="")
    if task is not None:
        values.update(task_execution_id=task.id,
                      workflow_name=task.workflow_name)
    values.update(kw)
    return add(models.ActionExecution(**values))


class FakeEngine:
    """Records each call; answers with ``answer(method, kwargs)``, by
    default the dict the call describes."""

    def __init__(self):
        self.calls = []
        self.error = None
        self.answers = {}

    def _record(self, method, **kwargs):
        self.calls.append((method, kwargs))
        if self.error is not None:
            raise self.error
        answer = self.answers.get(method)
        return answer(kwargs) if callable(answer) else (answer or {})

    def __getattr__(self, method):
        if method.startswith("_"):
            raise AttributeError(method)

        def call(ctx, *args, **kwargs):
            assert ctx is not None
            if args:
                kwargs["args"] = args
            return self._record(method, **kwargs)
        return call
