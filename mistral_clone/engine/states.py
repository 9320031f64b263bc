"""Workflow, task and action states, and the legal transitions as data.

``TRANSITIONS[state]`` lists the states reachable from ``state``; anything
else is illegal (``is_valid_transition``). Same table as Mistral 23.
"""

IDLE = "IDLE"
WAITING = "WAITING"
RUNNING = "RUNNING"
RUNNING_DELAYED = "DELAYED"
PAUSED = "PAUSED"
SUCCESS = "SUCCESS"
CANCELLED = "CANCELLED"
ERROR = "ERROR"
SKIPPED = "SKIPPED"

ALL = (IDLE, WAITING, RUNNING, RUNNING_DELAYED, PAUSED, SUCCESS, CANCELLED,
       ERROR, SKIPPED)

TRANSITIONS = {
    IDLE: (RUNNING, ERROR, CANCELLED),
    WAITING: (RUNNING,),
    RUNNING: (PAUSED, RUNNING_DELAYED, SUCCESS, ERROR, CANCELLED),
    RUNNING_DELAYED: (RUNNING, ERROR, CANCELLED),
    PAUSED: (RUNNING, ERROR, CANCELLED),
    SUCCESS: (),
    CANCELLED: (RUNNING,),
    ERROR: (RUNNING, SKIPPED),
    SKIPPED: (),
}

COMPLETED = (SUCCESS, ERROR, CANCELLED, SKIPPED)
INCOMPLETE = (IDLE, WAITING, RUNNING, RUNNING_DELAYED, PAUSED)


def is_valid(state: str) -> bool:
    return state in ALL


def is_valid_transition(from_state: str, to_state: str) -> bool:
    """Staying in the same state is always allowed (a no-op)."""
    return from_state == to_state or to_state in TRANSITIONS.get(
        from_state, ())


def is_completed(state: str) -> bool:
    return state in COMPLETED


def is_paused(state: str) -> bool:
    return state == PAUSED


def is_paused_or_completed(state: str) -> bool:
    return state == PAUSED or state in COMPLETED


def is_cancelled_or_skipped(state: str) -> bool:
    return state in (CANCELLED, SKIPPED)
