"""The state machines of workflow, task and action executions.

Each kind has a table ``(state, event) -> next state``, written as data:
anything not in the table is an illegal transition (``IllegalTransition``).
``fire`` is the one function that changes the state of a record: it looks
the transition up, stamps the times Mistral stamps, and hands the change to
the step's notifier. No other code assigns a state (``bulk_fire`` does the
same for many action executions at once, with a conditional UPDATE).

A record is any object with the attributes of the kind's model
(``models.WorkflowExecution`` / ``TaskExecution`` / ``ActionExecution``):
the engine gives ORM rows, a rehearsal gives the same classes outside any
session.
"""

import dataclasses
import json
from typing import Callable, Optional

import sqlalchemy as sa

from mistral_clone.db import models
from mistral_clone.engine import completion
from mistral_clone.engine import states

WORKFLOW = "workflow"
TASK = "task"
ACTION = "action"

# Events. Each kind uses the subset its table names.
START = "start"        # a new execution / task begins (or a task resumes)
WAIT = "wait"          # a join task waits for its inbound tasks
DELAY = "delay"        # wait-before, wait-after, retry: a timer will go on
HOLD = "hold"          # pause-before: IDLE until the workflow is resumed
PAUSE = "pause"
RESUME = "resume"
SUCCEED = "succeed"
FAIL = "fail"
CANCEL = "cancel"
SKIP = "skip"
RERUN = "rerun"        # a failed (or cancelled) task or workflow runs again

_INCOMPLETE_TASK = (states.WAITING, states.RUNNING, states.RUNNING_DELAYED,
                    states.IDLE, states.PAUSED)


def _table(rows) -> dict:
    table = {}
    for from_states, event, to_state in rows:
        if not isinstance(from_states, tuple):
            from_states = (from_states,)
        for from_state in from_states:
            key = (from_state, event)
            assert key not in table, key
            table[key] = to_state
    return table


WORKFLOW_TABLE = _table([
    (None, START, states.RUNNING),
    (states.RUNNING, PAUSE, states.PAUSED),
    (states.PAUSED, RESUME, states.RUNNING),
    ((states.RUNNING, states.PAUSED), SUCCEED, states.SUCCESS),
    ((states.RUNNING, states.PAUSED), FAIL, states.ERROR),
    ((states.RUNNING, states.PAUSED), CANCEL, states.CANCELLED),
    ((states.ERROR, states.CANCELLED, states.PAUSED), RERUN, states.RUNNING),
])

TASK_TABLE = _table([
    (None, START, states.RUNNING),
    (None, WAIT, states.WAITING),
    ((states.WAITING, states.RUNNING_DELAYED, states.IDLE), START,
     states.RUNNING),
    # A join task waits again: a later round of its inbound tasks, or a
    # retry of the join (Mistral re-evaluates the join after the delay).
    ((states.WAITING, states.RUNNING, states.SUCCESS, states.ERROR), WAIT,
     states.WAITING),
    ((states.RUNNING, states.SUCCESS, states.ERROR), DELAY,
     states.RUNNING_DELAYED),
    (states.RUNNING, HOLD, states.IDLE),
    (states.RUNNING, PAUSE, states.PAUSED),
    (states.PAUSED, RESUME, states.RUNNING),
    ((states.RUNNING, states.RUNNING_DELAYED, states.PAUSED), SUCCEED,
     states.SUCCESS),
    # SUCCESS -> ERROR: fail-on, or an error while handling the completion.
    (_INCOMPLETE_TASK + (states.SUCCESS, states.ERROR), FAIL, states.ERROR),
    (_INCOMPLETE_TASK, CANCEL, states.CANCELLED),
    (states.ERROR, SKIP, states.SKIPPED),
    # ERROR / CANCELLED: rerun through the API; SUCCESS: a join task runs
    # its action again (Mistral keeps one execution per join).
    ((states.ERROR, states.CANCELLED, states.SUCCESS), RERUN,
     states.RUNNING),
])

ACTION_TABLE = _table([
    (None, START, states.RUNNING),
    (states.RUNNING, PAUSE, states.PAUSED),
    (states.PAUSED, RESUME, states.RUNNING),
    ((states.RUNNING, states.PAUSED), SUCCEED, states.SUCCESS),
    ((states.RUNNING, states.PAUSED), FAIL, states.ERROR),
    ((states.RUNNING, states.PAUSED), CANCEL, states.CANCELLED),
])

TABLES = {WORKFLOW: WORKFLOW_TABLE, TASK: TASK_TABLE, ACTION: ACTION_TABLE}

# The event that ends a record in each final state.
END_EVENTS = {states.SUCCESS: SUCCEED, states.ERROR: FAIL,
              states.CANCELLED: CANCEL, states.SKIPPED: SKIP}

# Keep the current state_info (``fire(..., info=KEEP)``).
KEEP = object()


class IllegalTransition(Exception):
    """A transition its kind's table does not have: a bug, never a user
    error (the API checks what users ask for before the engine acts)."""

    def __init__(self, kind: str, from_state, event: str):
        super().__init__("Illegal %s transition: %s on %s"
                         % (kind, event, from_state))
        self.kind = kind
        self.from_state = from_state
        self.event = event


@dataclasses.dataclass(frozen=True)
class Change:
    """A transition that happened: what notifications are made of."""

    kind: str
    record: object
    from_state: Optional[str]
    to_state: str


def next_state(kind: str, from_state: Optional[str], event: str) -> str:
    try:
        return TABLES[kind][(from_state, event)]
    except KeyError:
        raise IllegalTransition(kind, from_state, event) from None


def allows(kind: str, from_state: Optional[str], event: str) -> bool:
    return (from_state, event) in TABLES[kind]


def end_event(state: str) -> str:
    """The event that ends a record in ``state`` (SUCCESS, ERROR, ...)."""
    return END_EVENTS[state]


def fire(kind: str, record, event: str, info=KEEP,
         notify: Optional[Callable[[Change], None]] = None,
         now=None) -> Change:
    """Apply ``event`` to ``record``: its new state, ``state_info``
    (``KEEP`` leaves it), the times, and the notification (``notify``
    gets the change). A new record (``state`` None) is started."""
    from_state = record.state
    to_state = next_state(kind, from_state, event)
    now = now or models.utcnow()
    record.state = to_state
    if info is not KEEP:
        record.state_info = state_info_text(info)
    if kind == TASK:
        _stamp_task(record, from_state, to_state, event, now)
    elif kind == WORKFLOW:
        record.accepted = states.is_completed(to_state)
    if from_state is not None:
        record.updated_at = now
    change = Change(kind, record, from_state, to_state)
    if notify is not None:
        notify(change)
    return change


def _stamp_task(task_ex, from_state, to_state, event, now) -> None:
    """Mistral's times: ``started_at`` when the task starts (also when a
    join's wait ends, a pause-before is released or a rerun begins; not
    after a retry delay: all iterations count as one run),
    ``finished_at`` when it ends, cleared when it runs again."""
    if to_state == states.RUNNING and (
            from_state in (None, states.WAITING, states.IDLE) or
            event == RERUN):
        task_ex.started_at = now
    if states.is_completed(to_state):
        task_ex.finished_at = now
    elif event in (RERUN, WAIT) or (event == START and
                                    from_state == states.RUNNING_DELAYED):
        task_ex.finished_at = None


# Mistral trims every ``state_info`` to this many characters.
STATE_INFO_LIMIT = 65500


def state_info_text(info):
    """A ``state_info`` as Mistral stores it: a dict as JSON, anything
    else as its text (a list or a number given to ``fail msg=...``),
    trimmed to STATE_INFO_LIMIT characters."""
    if isinstance(info, dict):
        info = json.dumps(info)
    return completion.cut(info, STATE_INFO_LIMIT)


def bulk_fire(session, model, event: str, where, values=None) -> int:
    """``fire`` for every row of ``model`` matching ``where`` whose state
    allows ``event``, in one UPDATE (no notifications: only action
    executions are changed this way, and they have none)."""
    kind = {models.ActionExecution: ACTION, models.TaskExecution: TASK,
            models.WorkflowExecution: WORKFLOW}[model]
    by_target = {}
    for (from_state, ev), to_state in TABLES[kind].items():
        if ev == event and from_state is not None:
            by_target.setdefault(to_state, []).append(from_state)
    count = 0
    for to_state, from_states in by_target.items():
        stmt = sa.update(model).where(where, model.state.in_(from_states))
        count += session.execute(stmt.values(
            state=to_state, updated_at=models.utcnow(),
            **(values or {}))).rowcount
    return count


def legal_events(kind: str, state: Optional[str]) -> list:
    """Events a record in ``state`` accepts (for tests and messages)."""
    return sorted(ev for (st, ev) in TABLES[kind] if st == state)
