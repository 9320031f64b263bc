"""The direct workflow controller: pure functions of (spec, facts).

Nothing here touches the database. The conductor gives the facts (a task's
state, the latest execution of each task around a join) and an
``evaluate`` callable for conditions; it gets back commands and join
states.
"""

import dataclasses
import functools
from typing import Callable, Optional

from mistral_clone.engine import commands
from mistral_clone.engine import states


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


def transition_commands(wf_spec, task_ex_id: str, transitions: list,
                        outbound_ctx: dict) -> list:
    """Commands for the transitions of one finished task: a task name wins
    over an engine command of the same name."""
    cmds = []
    for t in transitions:
        triggered_by = [{"task_id": task_ex_id, "event": t.event}]
        handles_error = t.event == "on-error"
        if t.target in commands.ENGINE_COMMANDS and \
                t.target not in wf_spec.tasks:
            cmds.append(commands.WorkflowCommand(
                t.target, t.params.get("msg"), triggered_by, handles_error))
            continue
        cmds.append(commands.RunTask(t.target, dict(outbound_ctx),
                                     triggered_by, handles_error))
    return cmds


def next_tasks_of(cmds: list) -> list:
    """``task_ex.next_tasks``: ``[name, event]`` of the task commands
    (engine commands are not recorded, as in Mistral)."""
    return [[c.name, c.triggered_by[0]["event"] if c.triggered_by else None]
            for c in cmds if isinstance(c, commands.RunTask)]


def error_handled(cmds: list) -> bool:
    """A failed task is handled when one of its commands came from an
    on-error clause (an engine command included)."""
    return any(c.handles_error for c in cmds)


def has_error_clause(task_spec) -> bool:
    """Mistral's ``is_error_handled_for``: the task has an on-error clause
    (conditions not evaluated); used by the failure message."""
    return bool(task_spec.on_error and task_spec.on_error.next)


# -- joins -------------------------------------------------------------------

@dataclasses.dataclass
class InboundFact:
    """The latest execution of a task: its state and the ``[name, event]``
    pairs of the tasks it transitioned to (``next_tasks``)."""

    task_ex_id: str
    state: str
    next_tasks: list = dataclasses.field(default_factory=list)

    def event_to(self, name: str) -> Optional[str]:
        for target, event in self.next_tasks:
            if target == name:
                return event
        return None

    def leads_to(self, name: str) -> bool:
        return any(target == name for target, _ in self.next_tasks)


@dataclasses.dataclass
class JoinState:
    state: str                      # RUNNING, WAITING or ERROR
    state_info: Optional[str] = None
    triggered_by: list = dataclasses.field(default_factory=list)


def join_commands(task_ex, result: JoinState) -> list:
    """What a join's logical state asks for: record what triggered it
    (Mistral rewrites ``triggered_by`` at every evaluation), then start it
    or fail it; a waiting join waits."""
    cmds = [commands.UpdateRuntimeContext(
        task_ex, {"triggered_by": result.triggered_by})]
    if result.state == states.RUNNING:
        cmds.append(commands.StartJoin(task_ex))
    elif result.state == states.ERROR:
        cmds.append(commands.CompleteTask(task_ex, states.ERROR,
                                          result.state_info, [],
                                          origin=(commands.ORIGIN_TIMER,
                                                  None)))
    return cmds


def inbound_names(wf_spec, join_name: str) -> list:
    return wf_spec.inbound_task_names(join_name)


@functools.lru_cache(maxsize=4096)
def _ancestors(wf_spec, task_name: str) -> frozenset:
    names, stack = set(), list(wf_spec.inbound_task_names(task_name))
    while stack:
        name = stack.pop()
        if name in names:
            continue
        names.add(name)
        stack.extend(wf_spec.inbound_task_names(name))
    return frozenset(names)


def route_names(wf_spec, join_name: str) -> frozenset:
    """Every task upstream of the join: what ``join_state`` may need when
    an inbound task has not run yet (can it still run?)."""
    return _ancestors(wf_spec, join_name)


def needs_route_facts(wf_spec, join_name: str, facts: dict) -> bool:
    """Facts of the inbound tasks are enough unless one has not run."""
    return any(facts.get(n) is None for n in inbound_names(wf_spec,
                                                           join_name))


def _possible_route(wf_spec, task_name: str, facts: dict,
                    seen: frozenset) -> bool:
    """Can a run of ``task_name`` still happen, given what ran upstream?
    (Mistral's ``_possible_route``; cycles end the search.)"""
    inbound = wf_spec.inbound_task_names(task_name)
    if not inbound:
        return True
    for name in inbound:
        if name in seen:
            continue
        fact = facts.get(name)
        if fact is None:
            if _possible_route(wf_spec, name, facts, seen | {name}):
                return True
        elif not states.is_completed(fact.state) or fact.leads_to(task_name):
            return True
    return False


def _induced(wf_spec, join_name, name, fact, facts):
    if fact is None:
        possible = _possible_route(wf_spec, name, facts,
                                   frozenset((name,)))
        return states.WAITING if possible else states.ERROR
    if not states.is_completed(fact.state):
        return states.WAITING
    if not fact.leads_to(join_name):
        return states.ERROR
    return states.RUNNING


def join_state(wf_spec, join_spec, facts: dict) -> JoinState:
    """The logical state of a join task given the latest execution of each
    task upstream of it (``{name: InboundFact}``; a missing name has not
    run). Mistral's ``_get_join_logical_state``."""
    inbound = inbound_names(wf_spec, join_spec.name)
    if not inbound:
        return JoinState(states.RUNNING)
    induced = [(name, _induced(wf_spec, join_spec.name, name,
                               facts.get(name), facts), facts.get(name))
               for name in inbound]

    def names(state):
        return [n for n, s, _ in induced if s == state]

    def triggered(state):
        # Mistral's events: the transition's, or "not triggered" for an
        # inbound task that ended without taking it.
        return [{"task_id": f.task_ex_id,
                 "event": f.event_to(join_spec.name) or "not triggered"}
                for _, s, f in induced if s == state and f is not None]

    running, errors = names(states.RUNNING), names(states.ERROR)
    total = len(induced)
    join = join_spec.join
    if join == "all":
        if len(running) == total:
            return JoinState(states.RUNNING, None, triggered(states.RUNNING))
        if errors:
            return JoinState(states.ERROR, "Failed by tasks: %s" % errors,
                             triggered(states.ERROR))
    else:
        needed = 1 if join == "one" else int(join)
        if len(running) >= needed:
            return JoinState(states.RUNNING, None, triggered(states.RUNNING))
        if len(errors) > total - needed:
            return JoinState(states.ERROR, "Failed by tasks: %s" % errors)
    return JoinState(states.WAITING,
                     "Blocked by tasks: %s" % names(states.WAITING))


def reachable_joins(wf_spec, task_name: str) -> frozenset:
    """Every join task reachable from ``task_name`` (through other joins
    too): the candidates of ``downstream_joins``."""
    return _reachable_joins(wf_spec, task_name)


@functools.lru_cache(maxsize=4096)
def _reachable_joins(wf_spec, task_name: str) -> frozenset:
    return _joins_from(wf_spec, task_name, None)


def downstream_joins(wf_spec, task_name: str, existing) -> frozenset:
    """Join tasks whose state may change when ``task_name`` finishes
    (Mistral's ``find_indirectly_affected_task_executions``): the joins
    that have an execution (``existing``: their names) reachable from it
    without passing through another one; a join that has none is passed
    through."""
    return _joins_from(wf_spec, task_name, existing)


def _joins_from(wf_spec, task_name: str, existing) -> frozenset:
    """Joins reachable from ``task_name``: every one (``existing`` None),
    or those of ``existing`` met first on each path."""
    found, seen = set(), {task_name}
    stack = list(_outbound(wf_spec, task_name))
    while stack:
        name = stack.pop()
        if name in seen or name not in wf_spec.tasks:
            continue
        seen.add(name)
        if wf_spec.tasks[name].join:
            if existing is None:
                found.add(name)
            elif name in existing:
                found.add(name)
                continue
        stack.extend(_outbound(wf_spec, name))
    return frozenset(found)


def _outbound(wf_spec, task_name):
    task_spec = wf_spec.tasks.get(task_name)
    return task_spec.next_task_names() if task_spec else []


def upstream_for_context(wf_spec, task_spec) -> list:
    """Names of the task executions a task's inbound context comes from
    when it completes (Mistral's ``_get_upstream_task_executions``): every
    inbound task of a join; the first inbound task otherwise."""
    inbound = wf_spec.inbound_task_names(task_spec.name)
    if not inbound:
        return []
    return list(inbound) if task_spec.join else inbound[:1]
