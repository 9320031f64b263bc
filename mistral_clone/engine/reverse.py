"""The reverse workflow controller: pure functions of (spec, facts).

A reverse workflow runs what its target task requires, dependencies first;
a task starts when everything it requires has succeeded.
"""

from mistral_clone import exceptions as exc


def target_task_names(wf_spec, params: dict) -> list:
    """The target task (``params.task_name``) and everything it requires,
    dependencies first; InputError with Mistral's message when it names
    no task of the workflow."""
    target = (params or {}).get("task_name")
    if target not in wf_spec.tasks:
        raise exc.InputError(
            "Invalid task name [wf_spec=ReverseWorkflowSpec %s, "
            "task_name=%s]" % (wf_spec.to_dict(), target))
    return wf_spec.tasks_required_for(target)


def target_name(params: dict) -> str:
    return (params or {}).get("task_name")


def requires(wf_spec, name: str, required: list) -> list:
    """What ``name`` requires, among the tasks the target needs."""
    return [r for r in wf_spec.tasks[name].requires if r in required]


def ready_task_names(wf_spec, required: list, started: set,
                     succeeded: set) -> list:
    """Tasks that may start now: not started yet, everything they require
    succeeded (Mistral's ``_find_task_specs_with_satisfied_dependencies``),
    dependencies first."""
    return [name for name in required
            if name not in started and
            all(r in succeeded for r in requires(wf_spec, name, required))]


def start_task_names(wf_spec, required: list) -> list:
    return ready_task_names(wf_spec, required, set(), set())


def upstream_names(wf_spec, name: str, required: list) -> list:
    return requires(wf_spec, name, required)
