"""What the decision functions ask for: commands, plain data.

The decisions (``direct``, ``reverse``, ``policies``, ``with_items``,
``completion``, ``tasks``) return lists of these; ``conductor`` applies
them, one at a time, in order. Workflow-level commands of a transition
(``RunTask``, ``WorkflowCommand``) can wait in a paused workflow's backlog,
so they turn into dicts and back.
"""

import dataclasses
from typing import Any, Optional

# Engine commands a transition may name instead of a task.
NOOP = "noop"
FAIL = "fail"
SUCCEED = "succeed"
PAUSE = "pause"
ENGINE_COMMANDS = (NOOP, FAIL, SUCCEED, PAUSE)

NO_RESULT = object()
# ``CompleteTask.result``: the results of the task's accepted runs (a
# with-items task's list, in item order).
ACCEPTED_RESULTS = object()
# ``FinishWorkflow.msg``: Mistral's summary of the failed tasks.
FAILURE_SUMMARY = object()

# Where a task's completion comes from (``CompleteTask.origin[0]``): the
# message of an error while completing names it.
ORIGIN_ACTION = "action"     # an action's or a sub-workflow's result
ORIGIN_START = "start"       # the task's work could not start
ORIGIN_TIMER = "timer"       # a timer, a join, a skip


@dataclasses.dataclass
class RunTask:
    """Run the task ``name`` with inbound context ``ctx`` (a join task:
    record the arrival and evaluate the join)."""

    name: str
    ctx: dict = dataclasses.field(default_factory=dict)
    triggered_by: list = dataclasses.field(default_factory=list)
    handles_error: bool = False

    def to_dict(self) -> dict:
        return {"cmd": "run_task", "task_name": self.name, "ctx": self.ctx,
                "triggered_by": self.triggered_by,
                "handles_error": self.handles_error}


@dataclasses.dataclass
class WorkflowCommand:
    """``fail`` / ``succeed`` / ``pause`` / ``noop`` named by a transition,
    with its ``msg``."""

    kind: str
    msg: Any = None
    triggered_by: list = dataclasses.field(default_factory=list)
    handles_error: bool = False

    def to_dict(self) -> dict:
        return {"cmd": self.kind, "msg": self.msg,
                "triggered_by": self.triggered_by,
                "handles_error": self.handles_error}


def from_dict(data: dict):
    """A ``RunTask`` or ``WorkflowCommand`` saved by ``to_dict`` (also the
    backlog format of earlier versions: ``kind`` / ``task_name``)."""
    kind = data.get("cmd") or data.get("kind")
    if kind in ENGINE_COMMANDS:
        return WorkflowCommand(kind, data.get("msg"),
                               list(data.get("triggered_by") or []),
                               bool(data.get("handles_error")))
    return RunTask(data["task_name"], dict(data.get("ctx") or {}),
                   list(data.get("triggered_by") or []),
                   bool(data.get("handles_error")))


def changes_workflow_state(cmd) -> bool:
    return isinstance(cmd, WorkflowCommand) and cmd.kind != NOOP


def rearrange(cmds: list) -> list:
    """Mistral's order of execution: noops dropped; nothing after a command
    that ends the workflow; after ``pause`` the rest waits in the backlog
    (the conductor does that since the workflow is then PAUSED)."""
    cmds = [c for c in cmds
            if not (isinstance(c, WorkflowCommand) and c.kind == NOOP)]
    for i, cmd in enumerate(cmds):
        if changes_workflow_state(cmd):
            if i == 0 and cmd.kind != PAUSE:
                return [cmd]
            head = cmds[:i] + [cmd]
            return head + cmds[i + 1:] if cmd.kind == PAUSE else head
    return cmds


# -- task commands ------------------------------------------------------------

@dataclasses.dataclass
class StartTask:
    """Apply the task's start policies, then run its action(s) (only the
    with-items items ``indexes`` when given)."""

    task_ex: Any
    indexes: Optional[list] = None


@dataclasses.dataclass
class RunWork:
    """Run the task's action(s) or sub-workflow(s) now (policies done).
    ``indexes``: only these with-items items (None: the task decides)."""

    task_ex: Any
    indexes: Optional[list] = None


@dataclasses.dataclass
class StartJoin:
    """A waiting join's inbound tasks are there: it runs (as Mistral's
    ``continue_task``: no start policies) with their contexts merged."""

    task_ex: Any


@dataclasses.dataclass
class SetTaskState:
    """A task changes state without finishing (delay, hold, wait)."""

    task_ex: Any
    event: str
    info: Any = None


@dataclasses.dataclass
class CompleteTask:
    """The task ends in ``state``: publish, after-completion policies,
    transitions (Mistral's ``Task.complete``)."""

    task_ex: Any
    state: str
    info: Any = None
    result: Any = NO_RESULT
    # What caused it (``(kind, action name)``): names it in the message of
    # an error while completing.
    origin: Optional[tuple] = None


@dataclasses.dataclass
class FailTask:
    """An error on the way fails the task and, as Mistral does, its whole
    workflow at once, without publishing or transitions."""

    task_ex: Any
    msg: str


@dataclasses.dataclass
class UpdateRuntimeContext:
    task_ex: Any
    values: dict
    remove: tuple = ()


@dataclasses.dataclass
class InvalidateResults:
    """The results of the task's finished run no longer count (retry): its
    action executions and sub-workflows are no longer accepted, a running
    action (the task timed out) is cancelled."""

    task_ex: Any


@dataclasses.dataclass
class ScheduleTimer:
    """A durable timer: ``target`` (a registered short name, see
    ``engine.timers``) runs about ``delay`` seconds after the commit."""

    target: str
    delay: float
    task_ex: Any
    args: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class EvaluateJoin:
    task_ex: Any


@dataclasses.dataclass
class PauseWorkflow:
    msg: Any = None


@dataclasses.dataclass
class FinishWorkflow:
    """End the workflow: SUCCESS, ERROR or CANCELLED (its output is
    evaluated by the conductor from the final context); ``msg`` may be
    FAILURE_SUMMARY."""

    state: str
    msg: Any = None


@dataclasses.dataclass
class CheckCompletion:
    """Finish the workflow when no task is left to finish."""
