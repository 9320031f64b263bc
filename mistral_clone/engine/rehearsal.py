"""Rehearsals: whole workflows run from their YAML through the engine's
conductor, with scripted action results, no database, no messages, no
sleeps (after StackStorm Orquesta's ``rehearsing``).

``memory_store.MemoryStore`` is the conductor's store over plain model
objects held in memory; ``Rehearsal`` plays the parts of the executor (actions'
results: scripted, or the trivial std actions run for real), the scheduler
(timers fire on a virtual clock, in order, at once) and the messages
between parent and sub-workflows. The engine itself is the real one: the
same conductor, decisions and state machines as in the service.

    r = Rehearsal(WORKFLOWS, results={"fetch": [error("boom"), {"v": 1}]})
    wf_ex = r.run("main", {"x": 1})
    assert wf_ex.state == "SUCCESS" and r.task("fetch").runtime_context ...
"""

import copy
import dataclasses
import datetime
from typing import Any, Callable, Optional

import yaml

from mistral_clone import actions as std_actions
from mistral_clone import lang
from mistral_clone.db import models
from mistral_clone.engine import conductor as conductor_mod
from mistral_clone.engine import dataflow
from mistral_clone.engine import states
from mistral_clone.engine.memory_store import PROJECT, MemoryStore

# The std actions a rehearsal runs for real when no result is scripted:
# instant and without side effects.
REAL_ACTIONS = ("std.noop", "std.echo", "std.fail")


@dataclasses.dataclass
class Result:
    """A scripted action result."""

    data: Any = None
    error: Any = None
    cancel: bool = False
    pending: bool = False      # stays RUNNING (an async action)

    def as_executor_result(self) -> dict:
        return {"data": self.data, "error": self.error,
                "cancel": self.cancel, "sync": not self.pending}


def ok(data=None) -> Result:
    return Result(data=data)


def error(message="") -> Result:
    return Result(error=message)


def cancelled() -> Result:
    return Result(cancel=True)


def pending() -> Result:
    return Result(pending=True)


class Rehearsal:
    """A workflow service in memory: define workflows, start executions,
    and run them to the end with scripted results.

    ``results``: ``{task name: [result, ...] or callable}``, consumed in
    order (one per action execution of that task); a result is a
    ``Result`` (``ok``, ``error``, ``cancelled``, ``pending``) or any value
    (success data). A callable gets ``(task_ex, action_ex, input)``. The
    trivial std actions (``REAL_ACTIONS``) run for real when a task has
    no script; any other unscripted action is an error of the
    rehearsal."""

    def __init__(self, definitions="", results: Optional[dict] = None,
                 options: Optional[dataflow.Options] = None,
                 start: Optional[datetime.datetime] = None):
        self.now = start or datetime.datetime(2026, 1, 1)
        self.store = MemoryStore(options, clock=self._tick)
        self.results = {k: (v if callable(v) else list(v))
                        for k, v in (results or {}).items()}
        self._log = []
        if definitions:
            self.define(definitions)

    def _tick(self) -> datetime.datetime:
        self.now += datetime.timedelta(microseconds=1000)
        return self.now

    # -- definitions --------------------------------------------------------

    def define(self, text: str, namespace: str = "") -> None:
        """Workflows (a file of them), or a workbook (with a ``name``)."""
        data = yaml.safe_load(text)
        if isinstance(data, dict) and "name" in data and \
                ("workflows" in data or "actions" in data):
            self._define_workbook(text, namespace)
            return
        specs = lang.parse_workflows(text).workflows
        for spec in specs:
            body = text if len(specs) == 1 else \
                lang.cut_workflow_definition(text, spec.name)
            self._add_definition(spec.name, body, namespace, spec.tags)

    def _add_definition(self, name, text, namespace, tags,
                        workbook_name=None):
        row = models.WorkflowDefinition(
            id=models.new_id(), name=name, namespace=namespace,
            definition=text, tags=list(tags or []), project_id=PROJECT,
            workbook_name=workbook_name)
        self.store.definitions[(name, namespace)] = row

    def _define_workbook(self, text, namespace):
        wb_spec = lang.parse_workbook(text)
        for spec in wb_spec.workflows:
            name = "%s.%s" % (wb_spec.name, spec.name)
            self._add_definition(
                name, lang.workbook_workflow_definition(text, spec.name),
                namespace, spec.tags, wb_spec.name)
        for spec in wb_spec.actions:
            name = "%s.%s" % (wb_spec.name, spec.name)
            self.store.action_definitions[(name, namespace)] = \
                models.ActionDefinition(
                    id=models.new_id(), name=name, namespace=namespace,
                    definition=lang.workbook_action_definition(
                        text, spec.name),
                    is_system=False, workbook_name=wb_spec.name,
                    project_id=PROJECT)

    def define_actions(self, text: str, namespace: str = "") -> None:
        for spec in lang.parse_actions(text):
            self.store.action_definitions[(spec.name, namespace)] = \
                models.ActionDefinition(
                    id=models.new_id(), name=spec.name, namespace=namespace,
                    definition=text, is_system=False, project_id=PROJECT)

    def define_environment(self, name: str, variables: dict) -> None:
        self.store.environments[name] = copy.deepcopy(variables)

    # -- running --------------------------------------------------------------

    def conductor(self) -> conductor_mod.Conductor:
        return conductor_mod.Conductor(self.store)

    def start(self, name: str, wf_input: Optional[dict] = None,
              params: Optional[dict] = None, namespace: str = ""):
        """Start an execution (nothing more runs until ``settle``)."""
        wf_def = self.store.find_workflow_definition(name, namespace, None)
        return self.conductor().start_workflow(
            wf_def, copy.deepcopy(wf_input or {}), "",
            copy.deepcopy(params or {}))

    def run(self, name: str, wf_input: Optional[dict] = None,
            params: Optional[dict] = None, namespace: str = ""):
        """Start an execution and ``settle``; returns it."""
        wf_ex = self.start(name, wf_input, params, namespace)
        self.settle()
        return wf_ex

    def settle(self, until: Optional[Callable[[], bool]] = None) -> None:
        """Deliver results, reports and timers until nothing is left to
        happen (or ``until()`` holds). Actions whose result is ``pending``
        stay RUNNING."""
        while until is None or not until():
            if self._deliver_next_result():
                continue
            if self._deliver_next_report():
                continue
            if self._fire_next_timer():
                continue
            return

    def _deliver_next_result(self) -> bool:
        """The results of every action sent so far, absorbed together (as
        an engine absorbs the results that arrive together)."""
        sent, self.store.sent = self.store.sent, []
        delivered = False
        with self.conductor().batch() as conductor:
            for wf_ex, task_ex, action_ex, name, base_input in sent:
                result = self._result_for(task_ex, action_ex, name,
                                          base_input)
                if result.pending:
                    action_ex.is_sync = False
                    continue
                conductor.on_action_result(wf_ex, task_ex, action_ex,
                                           result.as_executor_result())
                delivered = True
        return delivered

    def _result_for(self, task_ex, action_ex, name, base_input) -> Result:
        script = self.results.get(task_ex.name)
        if callable(script):
            value = script(task_ex, action_ex, base_input)
        elif script:
            value = script.pop(0)
        elif name in REAL_ACTIONS:
            real = std_actions.run_action(name, base_input)
            return Result(real.data, real.error, bool(real.cancel))
        else:
            raise AssertionError(
                "No scripted result for task %r (action %s)"
                % (task_ex.name, name))
        return value if isinstance(value, Result) else Result(data=value)

    def _deliver_next_report(self) -> bool:
        if self.store.updates:
            child, state = self.store.updates.pop(0)
            parent = self.store.parent_of(child)
            if parent is not None and state in (states.PAUSED,
                                                states.RUNNING):
                self.conductor().on_child_update(parent[0], parent[1],
                                                 state)
            return True
        if self.store.reports:
            child = self.store.reports.pop(0)
            parent = self.store.parent_of(child)
            if parent is not None and \
                    not states.is_completed(parent[0].state):
                self.conductor().on_subworkflow_done(parent[0], parent[1],
                                                     child)
            return True
        return False

    def _fire_next_timer(self) -> bool:
        if not self.store.timers:
            return False
        self.store.timers.sort(key=lambda t: (t[0], t[1]))
        due, _seq, target, task_ex_id, args = self.store.timers.pop(0)
        if due > self.now:
            self.now = due
        task_ex = self.store.tasks.get(task_ex_id)
        if task_ex is None:
            return True
        wf_ex = self.store.workflows[task_ex.workflow_execution_id]
        if states.is_completed(wf_ex.state):
            return True
        conductor = self.conductor()
        if not conductor.on_timer(target, wf_ex, task_ex, args):
            self.store.schedule_timer(target, 0, task_ex, args)
        return True

    # -- acting on executions --------------------------------------------------

    def complete_action(self, task_name: str, result: Any = None,
                        wf_ex=None) -> None:
        """Deliver the result of a RUNNING (async) action of a task, as
        ``PUT /v2/action_executions/{id}`` does, then ``settle``."""
        action_ex = self.running_action(task_name, wf_ex)
        task_ex = self.store.tasks[action_ex.task_execution_id]
        owner = self.store.workflows[task_ex.workflow_execution_id]
        result = result if isinstance(result, Result) else ok(result)
        self.conductor().on_action_result(
            owner, task_ex, action_ex,
            dict(result.as_executor_result(), sync=True))
        self.settle()

    def running_action(self, task_name: str, wf_ex=None):
        for action_ex in self.store.actions.values():
            task_ex = self.store.tasks.get(action_ex.task_execution_id)
            if task_ex is not None and task_ex.name == task_name and \
                    action_ex.state == states.RUNNING and \
                    (wf_ex is None or
                     task_ex.workflow_execution_id == wf_ex.id):
                return action_ex
        raise AssertionError("No running action of task %r" % task_name)

    def pause(self, wf_ex) -> None:
        self.conductor().pause(wf_ex)
        self.settle()

    def resume(self, wf_ex, env: Optional[dict] = None) -> None:
        self.conductor().resume(wf_ex, env)
        self.settle()

    def cancel(self, wf_ex, msg=None) -> None:
        self.conductor().stop(wf_ex, states.CANCELLED, msg)
        self.settle()

    def rerun(self, task_ex, reset: bool = True, env=None) -> None:
        wf_ex = self.store.workflows[task_ex.workflow_execution_id]
        self.conductor().rerun_task(wf_ex, task_ex, reset, env)
        self.settle()

    def skip(self, task_ex) -> None:
        wf_ex = self.store.workflows[task_ex.workflow_execution_id]
        self.conductor().skip_task(wf_ex, task_ex)
        self.settle()

    # -- reading ----------------------------------------------------------------

    def tasks(self, wf_ex=None, name: Optional[str] = None) -> list:
        return [t for t in sorted(self.store.tasks.values(),
                                  key=lambda t: t._rehearsal_seq)
                if (wf_ex is None or t.workflow_execution_id == wf_ex.id)
                and (name is None or t.name == name)]

    def task(self, name: str, wf_ex=None):
        found = self.tasks(wf_ex, name)
        assert len(found) == 1, "%d executions of task %r" % (len(found),
                                                               name)
        return found[0]

    def actions_of(self, task_ex) -> list:
        return self.store._actions_of(task_ex)

    def children(self, task_ex) -> list:
        return self.store._children_of_task(task_ex)

    def result(self, task_ex):
        """The task's result as the API shows it."""
        if task_ex.result is not None:
            return task_ex.result
        results = self.store.accepted_results(task_ex)
        if task_ex.spec.get("with-items"):
            return results
        return results[0] if len(results) == 1 else results
