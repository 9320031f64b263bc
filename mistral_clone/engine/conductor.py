"""The conductor: applies an engine step's commands, one at a time, and asks
the decision functions what follows from each. The only module where
deciding meets applying.

Everything it reads or writes goes through its ``store`` (``store.DbStore``
in the engine, inside the step's transaction; ``rehearsal.MemoryStore`` in
rehearsals, with no database), and every state change through
``machines.fire``. Commands wait in a queue; join evaluations and
workflow-completion checks wait until the queue is empty, as Mistral runs
them after the transaction that caused them: a join sees every branch that
finished in the same step.

Its parts: the loop, workflow starts and commands (here), running tasks
(``running``), completing tasks and ending workflows (``completing``),
pause, resume, stop, rerun, skip and timers (``controlling``).

Entry points (each runs to completion before it returns): ``start_workflow``
(or ``accept_workflow`` then ``run_accepted``: ``accepting``),
``on_action_result``, ``on_subworkflow_done``, ``on_child_update``,
``pause``, ``resume``, ``stop``, ``rerun_task``, ``skip_task`` and the
timers' ``continue_task``, ``finish_delayed_task``, ``time_out_task``,
``refresh_join``.
"""

import collections
import contextlib
import functools
from typing import Optional

from mistral_clone import lang
from mistral_clone.db import models
from mistral_clone.engine import commands as cmds_mod
from mistral_clone.engine import dataflow
from mistral_clone.engine import direct
from mistral_clone.engine import field_sizes
from mistral_clone.engine import machines
from mistral_clone.engine import reverse
from mistral_clone.engine import specs
from mistral_clone.engine import states
from mistral_clone.engine.commands import (CheckCompletion, CompleteTask,
                                           EvaluateJoin, FailTask,
                                           FinishWorkflow,
                                           InvalidateResults, PauseWorkflow,
                                           RunTask, RunWork, ScheduleTimer,
                                           SetTaskState, StartJoin,
                                           StartTask,
                                           UpdateRuntimeContext,
                                           WorkflowCommand)
from mistral_clone.engine.completing import CompletingTasks
from mistral_clone.engine.controlling import ControllingWorkflows
from mistral_clone.engine.running import RunningTasks

BACKLOG_KEY = "backlog_commands"


class Conductor(RunningTasks, CompletingTasks, ControllingWorkflows):
    """The conductor of one engine step (``running``, ``completing`` and
    ``controlling`` hold its parts)."""

    def __init__(self, store):
        self.store = store
        self.options = store.options
        self._queue = collections.deque()     # (wf_ex, command)
        self._joins = {}                      # task id -> (wf_ex, task_ex)
        self._checks = {}                     # wf_ex id -> wf_ex
        self._draining = False

    # -- the loop -------------------------------------------------------------

    def push(self, wf_ex, *commands) -> None:
        for cmd in commands:
            self._queue.append((wf_ex, cmd))

    @contextlib.contextmanager
    def batch(self):
        """Several events in one go (the results an engine step absorbs
        together): their consequences are applied once all have arrived,
        so a join sees every branch that finished in the batch."""
        self._draining = True
        try:
            yield self
        finally:
            self._draining = False
        self.drain()

    def drain(self) -> None:
        """Apply queued commands until nothing is left: commands first,
        then pending join evaluations, then completion checks."""
        if self._draining:
            return
        self._draining = True
        try:
            while True:
                if self._queue:
                    wf_ex, cmd = self._queue.popleft()
                    self._apply(wf_ex, cmd)
                elif self._joins:
                    key = next(iter(self._joins))
                    wf_ex, task_ex = self._joins.pop(key)
                    self._evaluate_join(wf_ex, task_ex)
                elif self._checks:
                    if len(self._checks) > 1:
                        self._prefetch_checks()
                    key = next(iter(self._checks))
                    self._check_completion(self._checks.pop(key))
                else:
                    return
        finally:
            self._draining = False
            self.store.forget_prefetched()

    def _prefetch_checks(self) -> None:
        self.store.prefetch_completion(
            [wf_ex for wf_ex in self._checks.values()
             if not states.is_paused_or_completed(wf_ex.state)],
            lambda wf_ex: self.spec(wf_ex).type == lang.REVERSE)

    def _apply(self, wf_ex, cmd) -> None:
        handler = _HANDLERS[type(cmd)]
        handler(self, wf_ex, cmd)

    # -- helpers --------------------------------------------------------------

    def spec(self, wf_ex):
        return specs.workflow_spec(wf_ex)

    def fire(self, wf_ex, kind, record, event, info=machines.KEEP):
        return machines.fire(kind, record, event, info,
                             notify=functools.partial(self.store.notify,
                                                      wf_ex),
                             now=self.store.now())

    def view(self, wf_ex, task_ex=None, ctx=None) -> dict:
        """The evaluation context of a task (its inbound context unless
        ``ctx``), or of the workflow."""
        if ctx is None and task_ex is not None:
            ctx = task_ex.in_context
        task = {"id": task_ex.id, "name": task_ex.name} \
            if task_ex is not None else None
        return dataflow.eval_context(
            wf_ex.input, wf_ex.context, self.store.env_of(wf_ex), ctx, task,
            self.store.provider_for(wf_ex), self.options.strategy)

    def evaluator(self, wf_ex, task_ex=None, ctx=None):
        view = self.view(wf_ex, task_ex, ctx)
        return lambda value: dataflow.evaluate(value, view)

    def _schedule_join(self, wf_ex, task_ex) -> None:
        self._joins.setdefault(task_ex.id, (wf_ex, task_ex))

    def check_completion(self, wf_ex) -> None:
        """Finish the workflow now if nothing is left to run."""
        self._schedule_check(wf_ex)
        self.drain()

    def _schedule_check(self, wf_ex) -> None:
        self._checks.setdefault(wf_ex.id, wf_ex)

    # -- starting workflows ---------------------------------------------------

    def start_workflow(self, wf_def, wf_input: Optional[dict],
                       description: str = "", params: Optional[dict] = None,
                       wf_ex_id: Optional[str] = None, parent=None):
        """Create and start a workflow execution (``parent``: the
        ``(wf_ex, task_ex)`` of a sub-workflow). Everything that can be
        wrong with the request is found before anything is written."""
        wf_ex = self._create_workflow(wf_def, wf_input, description,
                                      params, wf_ex_id, parent)
        self.drain()
        return wf_ex

    def accept_workflow(self, wf_def, wf_input: dict, description: str,
                        params: dict, wf_ex_id: str):
        """Create a workflow execution RUNNING without running its first
        tasks (``accepting``: an engine runs them, ``run_accepted``)."""
        wf_ex = self._create_workflow(wf_def, wf_input, description,
                                      params, wf_ex_id, None, start=False)
        self.drain()
        return wf_ex

    def run_accepted(self, wf_ex) -> None:
        """Run the first tasks of an accepted workflow execution (to its
        backlog when it was paused meanwhile; nothing when it ended)."""
        self._dispatch(wf_ex, self._start_commands(wf_ex, self.spec(wf_ex)))
        self._schedule_check(wf_ex)
        self.drain()

    def fail_workflow(self, wf_ex, msg: str) -> None:
        """Fail a workflow execution after an unexpected error."""
        self._fail_workflow(wf_ex, msg)
        self.drain()

    def _create_workflow(self, wf_def, wf_input, description, params,
                         wf_ex_id, parent, start: bool = True):
        key, wf_spec = specs.remember(wf_def.definition)
        full_input = wf_spec.complete_input(dict(wf_input or {}))
        field_sizes.check("input", full_input)
        params = dict(params or {})
        # In Mistral's order (its JSON text shows it): namespace, then env.
        params.setdefault("namespace", wf_def.namespace or "")
        params["env"] = self.store.resolve_env(params)
        field_sizes.check("params", params)
        if wf_spec.type == lang.REVERSE:
            reverse.target_task_names(wf_spec, params)
        wf_ex_id = wf_ex_id or models.new_id()
        parent_wf_ex = parent[0] if parent else None
        root_id = None
        if parent_wf_ex is not None:
            root_id = parent_wf_ex.root_execution_id or parent_wf_ex.id
        env = self.store.env_of_root(root_id) if root_id else params["env"]
        context = {dataflow.EXECUTION_KEY: {"id": wf_ex_id}}
        context.update(self.store.openstack_context())
        if wf_spec.vars:
            view = dataflow.eval_context(
                full_input, context, env,
                provider=self.store.provider_for(parent_wf_ex))
            dataflow.merge_dicts(context,
                                 dataflow.evaluate(wf_spec.vars, view))
        runtime_context = {"index": params.get("index", 0)}
        if wf_def.workbook_name:
            runtime_context["wb_name"] = wf_def.workbook_name
        wf_ex = models.WorkflowExecution(
            id=wf_ex_id,
            project_id=(parent_wf_ex.project_id if parent_wf_ex is not None
                        else self.store.project_id),
            workflow_name=wf_def.name,
            workflow_namespace=wf_def.namespace or "",
            workflow_id=wf_def.id,
            description=description or "",
            spec_checksum=key,
            spec_definition=wf_def.definition,
            state=None,
            tags=list(wf_def.tags or []),
            input=full_input,
            output={},
            params=params,
            runtime_context=runtime_context,
            context=context,
            task_execution_id=parent[1].id if parent else None,
            root_execution_id=root_id,
            scope="private",
            # Mistral creates the row IDLE and updates it to RUNNING at once.
            updated_at=models.utcnow(),
        )
        self.fire(wf_ex, machines.WORKFLOW, wf_ex, machines.START)
        # Added once RUNNING: its row goes out as it stands now (an INSERT
        # queued with its tasks', see ``rows``), not INSERT then UPDATE.
        self.store.add_workflow(wf_ex)
        if start:
            self._dispatch(wf_ex, self._start_commands(wf_ex, wf_spec))
            self._schedule_check(wf_ex)
        return wf_ex

    def _start_commands(self, wf_ex, wf_spec) -> list:
        if wf_spec.type == lang.REVERSE:
            required = reverse.target_task_names(wf_spec, wf_ex.params)
            names = reverse.start_task_names(wf_spec, required)
        else:
            names = direct.start_task_names(wf_spec)
        return [RunTask(n, {}) for n in names]

    # -- workflow commands ----------------------------------------------------

    def _dispatch(self, wf_ex, cmds: list, backlog: bool = True) -> None:
        """Mistral's dispatcher: the backlog first, then ``cmds``, in
        Mistral's order; while the workflow is paused they go to its
        backlog."""
        if backlog:
            saved = self._pop_backlog(wf_ex)
            if saved:
                self._dispatch(wf_ex, saved, backlog=False)
        for cmd in _rearranged(self.spec(wf_ex), cmds_mod.rearrange(cmds)):
            if states.is_completed(wf_ex.state):
                break
            if wf_ex.state == states.PAUSED:
                self._save_to_backlog(wf_ex, cmd)
                continue
            if isinstance(cmd, RunTask):
                self._run_task(wf_ex, cmd)
            elif cmd.kind == cmds_mod.FAIL:
                self._fail_workflow(wf_ex, cmd.msg)
            elif cmd.kind == cmds_mod.SUCCEED:
                self._succeed_workflow(wf_ex, cmd.msg, from_command=True)
            elif cmd.kind == cmds_mod.PAUSE:
                self.pause(wf_ex, cmd.msg, drain=False)

    def _save_to_backlog(self, wf_ex, cmd) -> None:
        runtime_context = dict(wf_ex.runtime_context or {})
        saved = list(runtime_context.get(BACKLOG_KEY) or [])
        saved.append(cmd.to_dict())
        runtime_context[BACKLOG_KEY] = saved
        wf_ex.runtime_context = runtime_context

    def _pop_backlog(self, wf_ex) -> list:
        if not (wf_ex.runtime_context or {}).get(BACKLOG_KEY):
            return []
        runtime_context = dict(wf_ex.runtime_context)
        saved = runtime_context.pop(BACKLOG_KEY)
        wf_ex.runtime_context = runtime_context
        return [cmds_mod.from_dict(c) for c in saved]

def _rearranged(wf_spec, cmds: list) -> list:
    """Mistral sorts the commands that wait (joins) by their unique key,
    after the others, so that parallel steps lock them in one order."""
    def waits(cmd):
        return isinstance(cmd, RunTask) and bool(
            getattr(wf_spec.tasks.get(cmd.name), "join", None))

    def compare(a, b):
        if not waits(a):
            return -1
        if not waits(b):
            return 1
        return (a.name > b.name) - (a.name < b.name)

    state_cmds = [i for i, c in enumerate(cmds)
                  if cmds_mod.changes_workflow_state(c)]
    if not state_cmds:
        return sorted(cmds, key=functools.cmp_to_key(compare))
    i = state_cmds[0]
    head = sorted(cmds[:i], key=functools.cmp_to_key(compare))
    return head + cmds[i:]


_HANDLERS = {
    RunTask: lambda self, wf_ex, cmd: self._dispatch(wf_ex, [cmd],
                                                     backlog=False),
    WorkflowCommand: lambda self, wf_ex, cmd: self._dispatch(
        wf_ex, [cmd], backlog=False),
    StartTask: Conductor._start_task,
    RunWork: Conductor._run_work,
    StartJoin: Conductor._start_join,
    SetTaskState: Conductor._set_task_state,
    CompleteTask: Conductor._complete_task,
    FailTask: Conductor._fail_task,
    UpdateRuntimeContext: Conductor._update_runtime_context,
    InvalidateResults: Conductor._invalidate_results,
    ScheduleTimer: Conductor._schedule_timer,
    EvaluateJoin: lambda self, wf_ex, cmd: self._evaluate_join(
        wf_ex, cmd.task_ex),
    PauseWorkflow: lambda self, wf_ex, cmd: self.pause(wf_ex, cmd.msg,
                                                       drain=False),
    FinishWorkflow: Conductor._finish_workflow,
    CheckCompletion: lambda self, wf_ex, cmd: self._schedule_check(wf_ex),
}
