"""The engine's metrics: state transitions of workflow and task
executions, step durations, result batch sizes, and the results waiting
to be absorbed.

A transition is counted by the process that commits it, once its
transaction has committed (a step that is rolled back and run again
counts once): an execution's first transition (NONE to RUNNING) is
committed by the api that accepts it, the others by engines.
"""

import prometheus_client

WORKFLOW = "workflow"
TASK = "task"
# The ``from_state`` of a record just created.
NO_STATE = "NONE"

WORKFLOW_TRANSITIONS = prometheus_client.Counter(
    "mistral_workflow_execution_transitions_total",
    "State transitions of workflow executions committed by this process.",
    ["from_state", "to_state"])
TASK_TRANSITIONS = prometheus_client.Counter(
    "mistral_task_execution_transitions_total",
    "State transitions of task executions committed by this process.",
    ["from_state", "to_state"])
STEP_DURATION = prometheus_client.Histogram(
    "mistral_engine_step_duration_seconds",
    "Time of a committed engine step: one transaction, from its start to "
    "its commit (the messages it sends afterwards not included).")
RESULT_BATCH_SIZE = prometheus_client.Histogram(
    "mistral_engine_result_batch_size",
    "Action results an engine absorbed in one committed step.",
    buckets=(1, 2, 5, 10, 20, 50, 100, 200))

_COUNTERS = {WORKFLOW: WORKFLOW_TRANSITIONS, TASK: TASK_TRANSITIONS}
# (kind, from_state, to_state) -> labelled child (states are a fixed set).
_children = {}


def count_transitions(transitions) -> None:
    """Count committed transitions, each ``(kind, from_state, to_state)``;
    kinds other than workflow and task are not counted."""
    for key in transitions:
        child = _children.get(key)
        if child is None:
            counter = _COUNTERS.get(key[0])
            if counter is None:
                continue
            child = _children[key] = counter.labels(
                key[1] or NO_STATE, key[2])
        child.inc()


def observe_step(seconds: float) -> None:
    STEP_DURATION.observe(seconds)


def observe_result_batch(size: int) -> None:
    RESULT_BATCH_SIZE.observe(size)
