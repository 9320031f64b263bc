"""What a controller decides: commands, executed by the handlers.

Commands are plain data (they can wait in a paused workflow's backlog).
"""

import dataclasses
from typing import Optional

RUN_TASK = "run_task"
FAIL = "fail"
SUCCEED = "succeed"
PAUSE = "pause"
NOOP = "noop"

ENGINE_COMMANDS = (FAIL, SUCCEED, PAUSE, NOOP)


@dataclasses.dataclass
class Command:
    kind: str
    task_name: Optional[str] = None      # the task to run (RUN_TASK)
    ctx: dict = dataclasses.field(default_factory=dict)  # its inbound ctx
    msg: Optional[str] = None            # fail/succeed/pause message
    triggered_by: list = dataclasses.field(default_factory=list)
    handles_error: bool = False
    join: bool = False

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Command":
        return cls(**data)

    @property
    def changes_workflow_state(self) -> bool:
        return self.kind in (FAIL, SUCCEED, PAUSE)


def run_task(task_name: str, ctx: dict, triggered_by=None,
             handles_error: bool = False, join: bool = False) -> Command:
    return Command(RUN_TASK, task_name, ctx, None, list(triggered_by or []),
                   handles_error, join)


def rearrange(cmds: list) -> list:
    """Mistral's order of execution: noops dropped; nothing after a command
    that ends the workflow; after ``pause`` the rest waits in the backlog
    (the handler does that since the workflow is then PAUSED)."""
    cmds = [c for c in cmds if c.kind != NOOP]
    for i, cmd in enumerate(cmds):
        if cmd.changes_workflow_state:
            if i == 0 and cmd.kind != PAUSE:
                return [cmd]
            head = cmds[:i] + [cmd]
            return head + cmds[i + 1:] if cmd.kind == PAUSE else head
    return cmds
