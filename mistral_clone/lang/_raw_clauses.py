"""Transition targets as written in a task's raw clauses.

Used to point at the exact item of a clause (``on-success[1]``,
``on-complete.next[0]``), and, when every problem is being collected, to
check the targets of tasks that could not be built.
"""

from mistral_clone import exceptions as exc
from mistral_clone.lang import _checks
from mistral_clone.lang import _collect
from mistral_clone.lang import _inline
from mistral_clone.lang.tasks import CLAUSE_KEYS
from mistral_clone.lang.transitions import ENGINE_COMMANDS


def check_targets(wf_path, tasks: dict, skip) -> None:
    """When collecting: the transition targets written in the tasks not
    built (``skip``: the built ones) for problems of their own."""
    for task_name, task_data in tasks.items():
        if task_name in skip or not isinstance(task_data, dict):
            continue
        where = list(wf_path) + ["tasks", task_name]
        for key in CLAUSE_KEYS:
            for sub_path, name in targets(task_data.get(key)):
                if name not in tasks and name not in ENGINE_COMMANDS:
                    _collect.report(_checks.invalid(
                        "Task '%s' not found." % name, where + [key],
                        pin=where + [key] + sub_path))


def find_target(clause, name):
    """The sub-path of ``name`` in a raw clause, None when not there."""
    for sub_path, target in targets(clause):
        if target == name:
            return sub_path
    return None


def targets(clause):
    """(sub-path, target name) of each target written in a raw clause
    (``t2``, ``[t2, {t3: cond}]``, ``{next: ..., publish: ...}``);
    what cannot be read as one is skipped."""
    if isinstance(clause, dict) and ("next" in clause or
                                     "publish" in clause):
        for sub_path, name in targets(clause.get("next")):
            yield ["next"] + sub_path, name
        return
    items = clause if isinstance(clause, list) else [clause]
    for i, item in enumerate(items):
        raw = next(iter(item), None) if isinstance(item, dict) else item
        if not isinstance(raw, str):
            continue
        try:
            name = _inline.split_command(raw)[0]
        except exc.InvalidModelError:
            continue
        yield ([i] if isinstance(clause, list) else []), name
