"""What this process has done since it started, as named counts: the
engine's steps, the task executions they created and the action results
they absorbed; the actions the executor ran.

Engines share one RPC topic, executors another; these counts are how an
operator (or ``bench/topology.py``) sees the work really spread over
them. Each service logs its own once when it stops (``engine_summary``,
``executor_summary``). Counting is an integer addition under a lock,
nothing per row.
"""

import threading

_lock = threading.Lock()
_counts = {"steps": 0, "tasks": 0, "results": 0, "actions": 0}


def add(name: str, count: int = 1) -> None:
    with _lock:
        _counts[name] += count


def snapshot() -> dict:
    with _lock:
        return dict(_counts)


def engine_summary() -> str:
    return ("engine work: %(steps)d steps committed, %(tasks)d task "
            "executions created, %(results)d action results absorbed "
            "since this process started" % snapshot())


def executor_summary() -> str:
    return ("executor work: %(actions)d actions run since this process "
            "started" % snapshot())
