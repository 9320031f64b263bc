"""The direct workflow controller: pure functions of (spec, state).

Nothing here touches the database. The handlers give the facts (a task's
state, the state of a join's inbound tasks) and an ``evaluate`` callable for
conditions; they get back transitions and join states.
"""

import dataclasses
from typing import Callable, Optional

from mistral_clone.engine import commands
from mistral_clone.engine import states

MAX_ROUTE_DEPTH = 5


@dataclasses.dataclass
class Transition:
    target: str
    params: dict
    event: str          # on-success / on-error / on-complete / on-skip


def start_task_names(wf_spec) -> list:
    return list(wf_spec.start_task_names())


def _clause_targets(clause, event, evaluate, out):
    if clause is None:
        return
    for t in clause.next:
        if not t.condition or evaluate(t.condition):
            params = evaluate(t.params) if t.params else {}
            out.append(Transition(t.target_name, params or {}, event))


def next_transitions(task_spec, task_state: str,
                     evaluate: Callable) -> list:
    """The transitions a task takes in ``task_state``, in Mistral's order:
    on-error, on-skip (or on-success when on-skip takes none), on-success,
    on-complete (not for cancelled/skipped tasks)."""
    result = []
    if task_state == states.ERROR:
        _clause_targets(task_spec.on_error, "on-error", evaluate, result)
    skip_is_empty = False
    if task_state == states.SKIPPED:
        _clause_targets(task_spec.on_skip, "on-skip", evaluate, result)
        skip_is_empty = not result
    if task_state == states.SUCCESS or skip_is_empty:
        _clause_targets(task_spec.on_success, "on-success", evaluate, result)
    if states.is_completed(task_state) and \
            not states.is_cancelled_or_skipped(task_state):
        _clause_targets(task_spec.on_complete, "on-complete", evaluate,
                        result)
    return result


def to_commands(wf_spec, task_ex_id: str, transitions: list,
                outbound_ctx: dict) -> list:
    """Commands for the transitions of one finished task."""
    cmds = []
    for t in transitions:
        triggered_by = [{"task_id": task_ex_id, "event": t.event}]
        handles_error = t.event == "on-error"
        if t.target in commands.ENGINE_COMMANDS and \
                t.target not in wf_spec.tasks:
            cmds.append(commands.Command(
                t.target, None, dict(outbound_ctx), t.params.get("msg"),
                triggered_by, handles_error))
            continue
        task_spec = wf_spec.tasks[t.target]
        cmds.append(commands.run_task(
            t.target, dict(outbound_ctx), triggered_by, handles_error,
            join=bool(task_spec.join)))
    return cmds


def error_handled(task_spec) -> bool:
    """A failed task is handled when it has an on-error clause."""
    return bool(task_spec.on_error and task_spec.on_error.next)


# -- joins -------------------------------------------------------------------

@dataclasses.dataclass
class InboundFact:
    """What the engine knows of one task execution: its state and the
    names of the tasks it transitioned to (``next_tasks``)."""

    task_ex_id: str
    state: str
    next_names: list
    events: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class JoinState:
    state: str                      # RUNNING, WAITING or ERROR
    state_info: Optional[str] = None
    triggered_by: list = dataclasses.field(default_factory=list)


def join_route_names(wf_spec, join_name: str) -> set:
    """Names of the tasks whose executions decide a join: its inbound
    tasks and their ancestors up to MAX_ROUTE_DEPTH (for the "impossible
    route" check)."""
    names = set()

    def visit(name, depth):
        for inbound in wf_spec.inbound_task_names(name):
            if inbound in names:
                continue
            names.add(inbound)
            if depth < MAX_ROUTE_DEPTH:
                visit(inbound, depth + 1)

    visit(join_name, 1)
    return names


def _possible_route(wf_spec, task_name: str, facts: dict, depth=1,
                    seen=None) -> bool:
    """Can a run of ``task_name`` still happen, given what ran upstream?"""
    seen = seen if seen is not None else set()
    inbound = wf_spec.inbound_task_names(task_name)
    if not inbound or depth >= MAX_ROUTE_DEPTH:
        return True
    for name in inbound:
        if name in seen:
            continue
        fact = facts.get(name)
        if fact is None:
            if _possible_route(wf_spec, name, facts, depth + 1,
                               seen | {name}):
                return True
        elif not states.is_completed(fact.state) or \
                task_name in fact.next_names:
            return True
    return False


def join_state(wf_spec, join_spec, facts: dict) -> JoinState:
    """The logical state of a join task given the latest execution of each
    task named by ``join_route_names`` (missing names: not run)."""
    inbound = wf_spec.inbound_task_names(join_spec.name)
    if not inbound:
        return JoinState(states.RUNNING)
    induced = []    # (name, state, fact)
    for name in inbound:
        fact = facts.get(name)
        if fact is None:
            state = states.WAITING if _possible_route(
                wf_spec, name, facts) else states.ERROR
        elif not states.is_completed(fact.state):
            state = states.WAITING
        elif join_spec.name not in fact.next_names:
            state = states.ERROR
        else:
            state = states.RUNNING
        induced.append((name, state, fact))

    def names(state):
        return [n for n, s, _ in induced if s == state]

    def triggered(state):
        return [{"task_id": f.task_ex_id,
                 "event": f.events.get(join_spec.name)}
                for _, s, f in induced if s == state and f is not None]

    running, errors = names(states.RUNNING), names(states.ERROR)
    total = len(induced)
    join = join_spec.join
    if join == "all":
        if len(running) == total:
            return JoinState(states.RUNNING, None, triggered(states.RUNNING))
        if errors:
            return JoinState(states.ERROR, "Failed by tasks: %s" % errors)
    else:
        needed = 1 if join == "one" else int(join)
        if len(running) >= needed:
            return JoinState(states.RUNNING, None, triggered(states.RUNNING))
        if len(errors) > total - needed:
            return JoinState(states.ERROR, "Failed by tasks: %s" % errors)
    return JoinState(states.WAITING,
                     "Blocked by tasks: %s" % names(states.WAITING))


def downstream_joins(wf_spec, task_name: str) -> set:
    """Join tasks reachable from ``task_name`` without passing through
    another join: the ones whose state may change when it finishes."""
    found, seen = set(), {task_name}
    stack = [n for n in _outbound(wf_spec, task_name)]
    while stack:
        name = stack.pop()
        if name in seen or name not in wf_spec.tasks:
            continue
        seen.add(name)
        if wf_spec.tasks[name].join:
            found.add(name)
            continue
        stack.extend(_outbound(wf_spec, name))
    return found


def _outbound(wf_spec, task_name):
    task_spec = wf_spec.tasks.get(task_name)
    return task_spec.next_task_names() if task_spec else []
