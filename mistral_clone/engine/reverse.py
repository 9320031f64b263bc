"""The reverse workflow controller: pure functions of (spec, state).

A reverse workflow runs what its target task requires, dependencies first;
a task starts when everything it requires has succeeded.
"""

from mistral_clone import exceptions as exc


def target_task_names(wf_spec, params: dict) -> list:
    target = (params or {}).get("task_name")
    if not target:
        raise exc.InputError(
            "Reverse workflow requires 'task_name' in params "
            "[workflow=%s]" % wf_spec.name)
    return wf_spec.tasks_required_for(target)


def start_task_names(wf_spec, required: list) -> list:
    return [n for n in required if not _requires(wf_spec, n, required)]


def _requires(wf_spec, name, required):
    return [r for r in wf_spec.tasks[name].requires if r in required]


def next_task_names(wf_spec, required: list, finished_name: str,
                    succeeded: set) -> list:
    """Tasks that may start now that ``finished_name`` succeeded, given the
    names of every task that has succeeded (``succeeded``)."""
    ready = []
    for name in required:
        needs = _requires(wf_spec, name, required)
        if finished_name in needs and name not in succeeded and \
                all(n in succeeded for n in needs):
            ready.append(name)
    return ready


def upstream_names(wf_spec, name: str, required: list) -> list:
    return _requires(wf_spec, name, required)
