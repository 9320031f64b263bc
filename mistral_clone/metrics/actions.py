"""Action runs by action name and outcome, timed where they run (an
executor, or an engine that runs actions itself).

The ``action`` label holds the names of the Python actions the process
knows (the system actions and the plugins installed with it: a set the
operator controls), ``dynamic`` for actions whose code users uploaded,
and ``other`` for any other name, so user-chosen names never become
label values. Ad-hoc actions are counted under the Python action they
are built on (that is the name an executor runs).
"""

from typing import Callable

import prometheus_client

DYNAMIC = "dynamic"
OTHER = "other"
SUCCESS = "success"
ERROR = "error"

ACTION_RUN_DURATION = prometheus_client.Histogram(
    "mistral_action_run_duration_seconds",
    "Time an action ran, by action name (Python actions; dynamic: "
    "uploaded code; other: anything else) and outcome (success, error).",
    ["action", "outcome"])

# (name, outcome) -> labelled child, for the names found registered.
_children = {}


def observe_run(name: str, dynamic: bool, failed: bool, seconds: float,
                is_registered: Callable[[str], bool]) -> None:
    outcome = ERROR if failed else SUCCESS
    key = (DYNAMIC if dynamic else name, outcome)
    child = _children.get(key)
    if child is None:
        if dynamic or is_registered(name):
            child = _children[key] = ACTION_RUN_DURATION.labels(*key)
        else:
            child = ACTION_RUN_DURATION.labels(OTHER, outcome)
    child.observe(seconds)
