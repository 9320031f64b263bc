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

Entry points (each runs to completion before it returns): ``start_workflow``,
``on_action_result``, ``on_subworkflow_done``, ``on_child_update``,
``pause``, ``resume``, ``stop``, ``rerun_task``, ``skip_task`` and the
timers' ``continue_task``, ``finish_delayed_task``, ``time_out_task``,
``refresh_join``.
"""

import collections
import contextlib
import copy
import functools
import logging
from typing import Any, Optional

from mistral_clone import exceptions as exc
from mistral_clone import lang
from mistral_clone.db import models
from mistral_clone.engine import adhoc
from mistral_clone.engine import commands as cmds_mod
from mistral_clone.engine import completion
from mistral_clone.engine import dataflow
from mistral_clone.engine import direct
from mistral_clone.engine import machines
from mistral_clone.engine import policies
from mistral_clone.engine import reverse
from mistral_clone.engine import specs
from mistral_clone.engine import states
from mistral_clone.engine import tasks
from mistral_clone.engine import with_items
from mistral_clone.engine.commands import (CheckCompletion, CompleteTask,
                                           EvaluateJoin, FailTask,
                                           FinishWorkflow,
                                           InvalidateResults, PauseWorkflow,
                                           RunTask, RunWork, ScheduleTimer,
                                           SetTaskState, StartTask,
                                           UpdateRuntimeContext,
                                           WorkflowCommand)

LOG = logging.getLogger(__name__)

BACKLOG_KEY = "backlog_commands"
WAITING_INFO = "Task is waiting."
SKIPPED_INFO = "Task was skipped."
SUBWORKFLOW_DESCRIPTION = "sub-workflow execution"
JOIN_KEY = "join-task-%s-%s"


class Conductor:
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
                    key = next(iter(self._checks))
                    self._check_completion(self._checks.pop(key))
                else:
                    return
        finally:
            self._draining = False

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
            self.store.provider, self.options.strategy)

    def evaluator(self, wf_ex, task_ex=None, ctx=None):
        view = self.view(wf_ex, task_ex, ctx)
        return lambda value: dataflow.evaluate(value, view)

    def _schedule_join(self, wf_ex, task_ex) -> None:
        self._joins.setdefault(task_ex.id, (wf_ex, task_ex))

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

    def _create_workflow(self, wf_def, wf_input, description, params,
                         wf_ex_id, parent):
        key, wf_spec = specs.remember(wf_def.definition)
        full_input = wf_spec.complete_input(dict(wf_input or {}))
        params = dict(params or {})
        params["env"] = self.store.resolve_env(params)
        params.setdefault("namespace", wf_def.namespace or "")
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
            view = dataflow.eval_context(full_input, context, env,
                                         provider=self.store.provider)
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
        self.store.add_workflow(wf_ex)
        self.fire(wf_ex, machines.WORKFLOW, wf_ex, machines.START)
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

    # -- running tasks --------------------------------------------------------

    def _new_task(self, wf_ex, task_spec, event, in_context,
                  triggered_by=None, unique_key=None, info=None):
        runtime_context = {}
        if triggered_by:
            runtime_context["triggered_by"] = copy.deepcopy(triggered_by)
        task_ex = models.TaskExecution(
            id=models.new_id(),
            project_id=wf_ex.project_id,
            name=task_spec.name,
            workflow_execution_id=wf_ex.id,
            workflow_name=wf_ex.workflow_name,
            workflow_namespace=wf_ex.workflow_namespace,
            workflow_id=wf_ex.workflow_id,
            type=task_spec.type,
            state=None,
            state_info=None,
            tags=list(task_spec.tags or []),
            unique_key=unique_key,
            spec=task_spec.to_dict(),
            in_context=in_context or {},
            published={},
            runtime_context=runtime_context,
            next_tasks=[],
            processed=False,
            has_next_tasks=False,
            error_handled=False,
        )
        self.fire(wf_ex, machines.TASK, task_ex, event, info)
        self.store.add_task(task_ex)
        return task_ex

    def _run_task(self, wf_ex, cmd: RunTask) -> None:
        wf_spec = self.spec(wf_ex)
        task_spec = wf_spec.tasks[cmd.name]
        if wf_spec.type == lang.REVERSE:
            ctx = self._reverse_inbound_context(wf_ex, wf_spec, task_spec)
            task_ex = self._new_task(wf_ex, task_spec, machines.START, ctx)
        elif task_spec.join:
            self._arrive_at_join(wf_ex, task_spec, cmd)
            return
        else:
            task_ex = self._new_task(wf_ex, task_spec, machines.START,
                                     cmd.ctx, cmd.triggered_by)
        self.push(wf_ex, StartTask(task_ex))

    def _reverse_inbound_context(self, wf_ex, wf_spec, task_spec) -> dict:
        required = reverse.target_task_names(wf_spec, wf_ex.params)
        names = reverse.upstream_names(wf_spec, task_spec.name, required)
        if not names:
            return {}
        upstream = self.store.succeeded_tasks(wf_ex, names)
        return dataflow.upstream_context(
            [(t.in_context, t.published) for t in upstream], self.options)

    def _arrive_at_join(self, wf_ex, task_spec, cmd: RunTask) -> None:
        """A branch reaches a join: the join's one task execution waits
        for the others (created now if this is the first), evaluated once
        the step's other commands are applied. As in Mistral, a branch
        arriving after the join ran makes it wait and run again, in the
        same task execution: its result becomes the list of every run's."""
        key = JOIN_KEY % (wf_ex.id, task_spec.name)
        task_ex = self.store.task_by_unique_key(wf_ex, key)
        if task_ex is None:
            task_ex = self._new_task(wf_ex, task_spec, machines.WAIT,
                                     cmd.ctx, unique_key=key,
                                     info=WAITING_INFO)
            task_ex.runtime_context = {"triggered_by": []}
        elif task_ex.state != states.WAITING:
            # Mistral also makes a running join wait again (a race that
            # runs its action twice at once); here a branch arriving while
            # the join runs is only part of its context when it ends.
            if not states.is_completed(task_ex.state) or \
                    not machines.allows(machines.TASK, task_ex.state,
                                        machines.WAIT):
                return
            progress = dict(task_ex.progress or {})
            progress["runs"] = progress.get("runs", 1) + 1
            task_ex.progress = progress
            self.fire(wf_ex, machines.TASK, task_ex, machines.WAIT,
                      WAITING_INFO)
            task_ex.processed = False
        self._schedule_join(wf_ex, task_ex)

    def _evaluate_join(self, wf_ex, task_ex) -> None:
        """Mistral's ``_refresh_task_state`` of a join task."""
        if task_ex.state != states.WAITING or \
                states.is_completed(wf_ex.state):
            return
        wf_spec = self.spec(wf_ex)
        join_spec = wf_spec.tasks[task_ex.name]
        names = direct.inbound_names(wf_spec, join_spec.name)
        facts = self.store.latest_task_facts(wf_ex, names)
        if direct.needs_route_facts(wf_spec, join_spec.name, facts):
            facts = self.store.latest_task_facts(
                wf_ex, direct.route_names(wf_spec, join_spec.name))
        result = direct.join_state(wf_spec, join_spec, facts)
        runtime_context = dict(task_ex.runtime_context or {})
        runtime_context["triggered_by"] = result.triggered_by
        task_ex.runtime_context = runtime_context
        if result.state == states.RUNNING:
            # Mistral's continue_task: no start policies for a join.
            self.fire(wf_ex, machines.TASK, task_ex, machines.START, None)
            task_ex.processed = False
            self._update_inbound_context(wf_ex, task_ex, join_spec)
            self.push(wf_ex, RunWork(task_ex))
        elif result.state == states.ERROR:
            self.push(wf_ex, CompleteTask(task_ex, states.ERROR,
                                          result.state_info, []))

    def _start_task(self, wf_ex, cmd: StartTask) -> None:
        task_ex = cmd.task_ex
        if task_ex.state != states.RUNNING:
            return
        task_spec = self.spec(wf_ex).tasks[task_ex.name]
        try:
            follow = policies.start_commands(
                task_ex, task_spec, self.evaluator(wf_ex, task_ex),
                cmd.indexes)
        except exc.MistralError as e:
            follow = [FailTask(task_ex, tasks.run_failure(
                e, wf_ex.workflow_name, task_ex.name))]
        self._queue.extendleft((wf_ex, c) for c in reversed(follow))

    def _run_work(self, wf_ex, cmd: RunWork) -> None:
        """Start the task's action(s) or sub-workflow(s)."""
        task_ex = cmd.task_ex
        # As in Mistral, a task created before its workflow ended (say by
        # a ``succeed`` next to it) still runs.
        if task_ex.state != states.RUNNING:
            return
        task_spec = self.spec(wf_ex).tasks[task_ex.name]
        try:
            if task_spec.with_items:
                self._run_items(wf_ex, task_ex, task_spec, cmd.indexes)
            else:
                view = self.view(wf_ex, task_ex)
                work = tasks.work(
                    task_spec, lambda v: dataflow.evaluate(v, view),
                    tasks.evaluate_with(view), self._env(wf_ex))
                self._start_work(wf_ex, task_ex, task_spec, work)
        except tasks.ForceFail as e:
            self.push(wf_ex, FailTask(task_ex, tasks.run_failure(
                e, wf_ex.workflow_name, task_ex.name)))
        except tasks.TaskError as e:
            self.push(wf_ex, CompleteTask(task_ex, states.ERROR, str(e),
                                          origin=_ORIGIN_START))

    def _env(self, wf_ex) -> dict:
        return (wf_ex.params or {}).get("env") or {}

    def _item_evaluator(self, wf_ex, task_ex, values):
        def evaluate_item(value, index):
            ctx = with_items.item_context(task_ex.in_context, values, index)
            return dataflow.evaluate(value, self.view(wf_ex, task_ex, ctx))
        return evaluate_item

    def _run_items(self, wf_ex, task_ex, task_spec, indexes) -> None:
        view = self.view(wf_ex, task_ex)
        progress = with_items.Progress.load(task_ex.progress)
        runtime_context = dict(task_ex.runtime_context or {})
        if indexes is None or progress is None:
            try:
                values = with_items.evaluate_values(
                    task_spec, lambda v: dataflow.evaluate(v, view))
            except exc.MistralError as e:
                raise tasks.ForceFail(str(e)) from e
            count = with_items.count_of(values)
            if indexes is None or progress is None:
                runtime_context, progress, indexes = with_items.start(
                    count, runtime_context)
                if count == 0:
                    task_ex.runtime_context = runtime_context
                    task_ex.progress = progress.dump()
                    self.push(wf_ex, CompleteTask(task_ex, states.SUCCESS,
                                                  None, []))
                    return
                self.store.store_item_values(task_ex, values,
                                             len(indexes), count)
        else:
            values = self.store.item_values(task_ex, indexes)
            if with_items.KEY not in runtime_context:
                runtime_context = with_items.start(
                    progress.count, runtime_context)[0]
        evaluate_item = self._item_evaluator(wf_ex, task_ex, values)
        inputs = tasks.item_inputs(task_spec, evaluate_item,
                                   self._env(wf_ex), indexes)
        runtime_context = with_items.started(runtime_context, progress,
                                             indexes)
        task_ex.runtime_context = runtime_context
        task_ex.progress = progress.dump()
        for index, task_input in inputs:
            ctx = with_items.item_context(task_ex.in_context, values, index)
            item_view = self.view(wf_ex, task_ex, ctx)
            work = tasks.item_work(task_spec,
                                   lambda v: dataflow.evaluate(v, view),
                                   tasks.evaluate_with(item_view), index,
                                   task_input)
            self._start_work(wf_ex, task_ex, task_spec, work)

    def _start_work(self, wf_ex, task_ex, task_spec, work) -> None:
        if work.is_workflow:
            self._start_subworkflow(wf_ex, task_ex, work)
        else:
            self._start_action(wf_ex, task_ex, work)

    def _start_action(self, wf_ex, task_ex, work) -> None:
        """Create an action execution and send it (after the commit)."""
        wb_name = (wf_ex.runtime_context or {}).get("wb_name")
        try:
            resolved = self.store.resolve_action(
                work.action, wf_ex.workflow_namespace, wb_name,
                wf_ex.project_id)
        except exc.MistralError as e:
            raise tasks.ForceFail(str(e)) from e
        try:
            base_input = adhoc.base_input(
                resolved, work.input, self._env(wf_ex), {"id": wf_ex.id})
            self.store.check_action_input(resolved.python_name, base_input)
        except exc.ExpressionEvaluationError as e:
            raise tasks.TaskError(str(e)) from e
        except exc.MistralError as e:
            # Mistral: a refused input is not caught where an expression
            # error is: it fails the task and its workflow.
            raise tasks.ForceFail(str(e)) from e
        action_ex = models.ActionExecution(
            id=models.new_id(),
            project_id=wf_ex.project_id,
            name=resolved.name,
            description="",
            workflow_name=wf_ex.workflow_name,
            workflow_namespace=wf_ex.workflow_namespace,
            task_execution_id=task_ex.id,
            state=None,
            accepted=False,
            is_sync=True,
            index=work.index,
            # Mistral stores an ad-hoc action's input with its defaults.
            input=adhoc.check_input(resolved.layers[0], work.input)
            if resolved.is_adhoc else base_input,
            runtime_context={"index": work.index,
                             "safe_rerun": work.safe_rerun,
                             "adhoc": resolved.is_adhoc,
                             "target": work.target,
                             "timeout": self._action_timeout(wf_ex, task_ex)},
        )
        self.fire(wf_ex, machines.ACTION, action_ex, machines.START)
        self.store.add_action(action_ex)
        self.store.dispatch_action(self, wf_ex, task_ex, action_ex,
                                   resolved.python_name, base_input,
                                   work.target)

    def _action_timeout(self, wf_ex, task_ex):
        """The task's own ``timeout`` (not task-defaults'), which Mistral's
        executor applies to each of its actions; None when there is
        none."""
        own = self.spec(wf_ex).tasks[task_ex.name].own_policies.timeout
        try:
            value = own if isinstance(own, (int, float)) else \
                self.evaluator(wf_ex, task_ex)(own)
        except exc.MistralError:
            return None
        return value if isinstance(value, (int, float)) and value > 0 \
            else None

    def _start_subworkflow(self, wf_ex, task_ex, work) -> None:
        wb_name = (wf_ex.runtime_context or {}).get("wb_name")
        namespace = (wf_ex.params or {}).get("namespace",
                                             wf_ex.workflow_namespace)
        try:
            wf_def = self.store.find_workflow_definition(
                work.workflow, namespace, wb_name)
        except exc.NotFoundError:
            raise tasks.TaskError(
                "Failed to find workflow [name=%s] [namespace=%s]"
                % (work.workflow, namespace or "")) from None
        child_spec = specs.remember(wf_def.definition)[1]
        wf_input, params = tasks.subworkflow_params(
            child_spec.input, dict(work.input), wf_ex.params,
            wf_ex.root_execution_id or wf_ex.id, task_ex.id, work.index)
        try:
            self._create_workflow(wf_def, wf_input, SUBWORKFLOW_DESCRIPTION,
                                  params, None, (wf_ex, task_ex))
        except exc.MistralError as e:
            raise tasks.TaskError(str(e)) from e

    # -- task state changes ---------------------------------------------------

    def _set_task_state(self, wf_ex, cmd: SetTaskState) -> None:
        self.fire(wf_ex, machines.TASK, cmd.task_ex, cmd.event, cmd.info)

    def _update_runtime_context(self, wf_ex, cmd) -> None:
        runtime_context = dict(cmd.task_ex.runtime_context or {})
        runtime_context.update(copy.deepcopy(cmd.values))
        for key in cmd.remove:
            runtime_context.pop(key, None)
        cmd.task_ex.runtime_context = runtime_context

    def _invalidate_results(self, wf_ex, cmd) -> None:
        self.store.invalidate_results(cmd.task_ex)

    def _schedule_timer(self, wf_ex, cmd: ScheduleTimer) -> None:
        self.store.schedule_timer(cmd.target, cmd.delay, cmd.task_ex,
                                  cmd.args)

    def _fail_task(self, wf_ex, cmd: FailTask) -> None:
        """Mistral's ``force_fail_task``: the task fails (no publish, no
        transitions) and so does its workflow, with the same message."""
        task_ex = cmd.task_ex
        LOG.info(cmd.msg)
        self.fire(wf_ex, machines.TASK, task_ex, machines.FAIL, cmd.msg)
        self._fail_workflow(wf_ex, cmd.msg)

    # -- results --------------------------------------------------------------

    def on_action_result(self, wf_ex, task_ex, action_ex, result: dict
                         ) -> None:
        """An executor's result (``{"data", "error", "cancel", "sync"}``);
        ``task_ex``/``wf_ex`` None for an action outside any workflow."""
        if states.is_completed(action_ex.state) or action_ex.accepted:
            return
        if result.get("sync") is False and result.get("error") is None \
                and not result.get("cancel"):
            action_ex.is_sync = False      # async: its result comes later
            return
        try:
            state, value = self._store_result(wf_ex, action_ex, result)
        except _ActionFailure as failure:
            if task_ex is not None and wf_ex is not None and \
                    not states.is_completed(task_ex.state):
                self.push(wf_ex, FailTask(task_ex, failure.msg))
                self.drain()
            return
        if task_ex is not None and wf_ex is not None:
            self._child_done(wf_ex, task_ex, state, value,
                             tasks.failure_info(value),
                             (_ORIGIN_ACTION, action_ex.name))
            self.drain()

    def _store_result(self, wf_ex, action_ex, result: dict):
        """The final state and result of an action execution (ad-hoc
        output applied); the task sees the same. An ad-hoc output that
        cannot be evaluated fails the action, unaccepted, with Mistral's
        message (``_ActionFailure``)."""
        if result.get("cancel"):
            state = states.CANCELLED
        elif result.get("error") is not None:
            state = states.ERROR
        else:
            state = states.SUCCESS
        value = result.get("error") if state == states.ERROR \
            else result.get("data")
        if state == states.SUCCESS and \
                (action_ex.runtime_context or {}).get("adhoc"):
            try:
                resolved = self.store.resolve_action(
                    action_ex.name, action_ex.workflow_namespace,
                    ((wf_ex.runtime_context or {}).get("wb_name")
                     if wf_ex is not None else None),
                    action_ex.project_id, cached=False)
                value = adhoc.transform_output(resolved, value)
            except exc.MistralError as e:
                msg = tasks.action_failure(
                    e, action_ex.name,
                    self._task_name(action_ex))
                action_ex.output = {"result": msg}
                self.fire(wf_ex, machines.ACTION, action_ex, machines.FAIL)
                raise _ActionFailure(msg) from e
        action_ex.output = {"result": value}
        action_ex.accepted = True
        self.fire(wf_ex, machines.ACTION, action_ex,
                  machines.end_event(state))
        return state, value

    def _task_name(self, action_ex):
        task_ex = self.store.task_of(action_ex)
        return task_ex.name if task_ex is not None else None

    def on_subworkflow_done(self, wf_ex, task_ex, child) -> None:
        """A sub-workflow of ``task_ex`` has ended: the task sees it as an
        action (Mistral: its state_info is the text of the sub-workflow's
        ``output.result``, None when that is empty)."""
        if states.is_completed(task_ex.state) or not child.accepted:
            return
        info = None
        if child.state != states.SUCCESS:
            info = tasks.failure_info((child.output or {}).get("result"))
        self._child_done(wf_ex, task_ex, child.state, child.output, info,
                         (_ORIGIN_ACTION, child.workflow_name))
        self.drain()

    def _child_done(self, wf_ex, task_ex, state, value, info,
                    origin) -> None:
        """One action execution or sub-workflow of the task has ended."""
        if states.is_completed(task_ex.state):
            return
        task_spec = self.spec(wf_ex).tasks[task_ex.name]
        if task_spec.with_items:
            self._item_done(wf_ex, task_ex, state, origin)
            return
        if state == states.SUCCESS:
            info = None
        result = value
        if (task_ex.progress or {}).get("runs", 1) > 1:
            # Mistral: the one result, or the list of every accepted run's.
            results = self.store.accepted_results(task_ex)
            result = results[0] if len(results) == 1 else results
        self.push(wf_ex, CompleteTask(task_ex, state, info, result,
                                      origin=origin))

    def _item_done(self, wf_ex, task_ex, state, origin) -> None:
        progress = with_items.Progress.load(task_ex.progress)
        if progress is None:
            return
        outcome = with_items.item_done(dict(task_ex.runtime_context or {}),
                                       progress, state)
        task_ex.runtime_context = outcome.runtime_context
        task_ex.progress = progress.dump()
        if outcome.finished:
            self.store.delete_item_values(task_ex)
            self.push(wf_ex, CompleteTask(
                task_ex, outcome.finished, outcome.info,
                self.store.accepted_results(task_ex), origin=origin))
        elif outcome.next_index is not None:
            self.push(wf_ex, RunWork(task_ex, [outcome.next_index]))

    # -- completing tasks -----------------------------------------------------

    def _complete_task(self, wf_ex, cmd: CompleteTask) -> None:
        """Mistral's ``Task.complete``."""
        task_ex = cmd.task_ex
        skip = cmd.state == states.SKIPPED
        if states.is_completed(task_ex.state) and not skip:
            return
        wf_spec = self.spec(wf_ex)
        task_spec = wf_spec.tasks[task_ex.name]
        if cmd.result is not cmds_mod.NO_RESULT:
            task_ex.result = cmd.result
        self.fire(wf_ex, machines.TASK, task_ex,
                  machines.end_event(cmd.state), cmd.info)
        try:
            self._update_inbound_context(wf_ex, task_ex, task_spec)
            self._publish(wf_ex, task_ex, task_spec)
            if not tasks.keeps_result(task_spec):
                self.store.drop_outputs(task_ex)
                task_ex.result = _dropped_result(task_spec, task_ex.result)
            if not skip:
                decision = policies.after_complete_commands(
                    task_ex, task_spec, self.evaluator(wf_ex, task_ex),
                    self._outbound_evaluator(wf_ex, task_ex),
                    bool(wf_spec.type == lang.DIRECT and task_spec.join))
                for follow in decision.commands:
                    self._apply(wf_ex, follow)
                if decision.deferred:
                    return
            follow = self._next_commands(wf_ex, wf_spec, task_ex, task_spec)
        except exc.MistralError as e:
            self._force_fail(wf_ex, task_ex, task_spec, e, cmd.origin)
            return
        task_ex.next_tasks = direct.next_tasks_of(follow)
        task_ex.has_next_tasks = bool(task_ex.next_tasks) or (
            wf_spec.type == lang.REVERSE and task_ex.has_next_tasks)
        if task_ex.state == states.ERROR:
            task_ex.error_handled = direct.error_handled(follow)
        if wf_ex.state == states.PAUSED:
            return
        task_ex.processed = True
        self._schedule_check(wf_ex)
        try:
            self._dispatch(wf_ex, follow)
        except exc.MistralError as e:
            # A ``succeed`` whose output cannot be evaluated.
            self._force_fail(wf_ex, task_ex, task_spec, e, cmd.origin)
            return
        self._wake_joins(wf_ex, wf_spec, task_ex)

    def _outbound_evaluator(self, wf_ex, task_ex):
        outbound = dataflow.outbound_context(task_ex.in_context,
                                             task_ex.published, self.options)
        return self.evaluator(wf_ex, task_ex, outbound)

    def _force_fail(self, wf_ex, task_ex, task_spec, error, origin) -> None:
        action = None
        if origin and origin[0] == _ORIGIN_ACTION:
            action = origin[1]
        elif origin and origin[0] == _ORIGIN_START and task_spec:
            action = task_spec.workflow or task_spec.action or "std.noop"
        msg = tasks.completion_failure(error, wf_ex.workflow_name,
                                       task_ex.name, action)
        self._apply(wf_ex, FailTask(task_ex, msg))

    def force_fail(self, wf_ex, task_ex, error) -> None:
        """Fail the task and its workflow after an unexpected error."""
        task_spec = self.spec(wf_ex).tasks.get(task_ex.name)
        self._force_fail(wf_ex, task_ex, task_spec, error,
                         (_ORIGIN_START, None))
        self.drain()

    def _update_inbound_context(self, wf_ex, task_ex, task_spec) -> None:
        """Mistral's ``_update_inbound_context``: the inbound context of a
        completing (or joining) task is computed again from the upstream
        task executions, and laid over its own."""
        wf_spec = self.spec(wf_ex)
        if wf_spec.type == lang.REVERSE:
            ctx = self._reverse_inbound_context(wf_ex, wf_spec, task_spec)
        else:
            names = direct.upstream_for_context(wf_spec, task_spec)
            if not names:
                return
            if task_spec.join:
                upstream = [t for t in self.store.completed_tasks(
                    wf_ex, names) if _leads_to(t, task_spec.name)]
            else:
                ids = [t.get("task_id") for t in (
                    task_ex.runtime_context or {}).get("triggered_by") or ()]
                upstream = self.store.completed_tasks(
                    wf_ex, names, ids=ids or None, processed=True)
            ctx = dataflow.upstream_context(
                [(t.in_context, t.published) for t in upstream],
                self.options)
        if ctx:
            in_context = dict(task_ex.in_context or {})
            in_context.update(ctx)
            task_ex.in_context = in_context

    def _publish(self, wf_ex, task_ex, task_spec) -> None:
        """Mistral's ``publish_variables`` (an expression error
        propagates)."""
        publish_spec = dataflow.publish_vars(task_spec, task_ex.state)
        if publish_spec is None:
            return
        branch, global_ = dataflow.publish(publish_spec,
                                           self.view(wf_ex, task_ex))
        task_ex.published = branch
        if global_:
            context = copy.deepcopy(wf_ex.context or {})
            dataflow.merge_dicts(context, global_)
            wf_ex.context = context

    def _next_commands(self, wf_ex, wf_spec, task_ex, task_spec) -> list:
        if states.is_completed(wf_ex.state):
            return []
        if wf_spec.type == lang.REVERSE:
            return self._reverse_next(wf_ex, wf_spec, task_ex)
        outbound = dataflow.outbound_context(task_ex.in_context,
                                             task_ex.published, self.options)
        view = self.view(wf_ex, task_ex, outbound)
        transitions = direct.next_transitions(
            task_spec, task_ex.state,
            lambda value: dataflow.evaluate(value, view))
        return direct.transition_commands(wf_spec, task_ex.id, transitions,
                                          outbound)

    def _reverse_next(self, wf_ex, wf_spec, task_ex) -> list:
        if task_ex.state != states.SUCCESS:
            return []
        required = reverse.target_task_names(wf_spec, wf_ex.params)
        started, succeeded = self.store.task_name_states(wf_ex, required)
        ready = reverse.ready_task_names(wf_spec, required, started,
                                         succeeded)
        if ready or task_ex.name != reverse.target_name(wf_ex.params):
            task_ex.has_next_tasks = True
        return [RunTask(n, {}) for n in ready]

    def _wake_joins(self, wf_ex, wf_spec, task_ex) -> None:
        if wf_spec.type == lang.REVERSE:
            return
        candidates = direct.reachable_joins(wf_spec, task_ex.name)
        if not candidates:
            return
        existing = {t.name: t for t in
                    self.store.latest_tasks(wf_ex, candidates)}
        for name in direct.downstream_joins(wf_spec, task_ex.name,
                                            existing):
            if existing[name].state == states.WAITING:
                self._schedule_join(wf_ex, existing[name])

    # -- ending workflows -----------------------------------------------------

    def _final_context(self, wf_ex) -> dict:
        wf_spec = self.spec(wf_ex)
        if wf_spec.type == lang.REVERSE:
            target = self.store.tasks_named(
                wf_ex, [reverse.target_name(wf_ex.params)])
            if not target:
                return {}
            return dataflow.outbound_context(
                target[-1].in_context, target[-1].published, self.options)
        return dataflow.final_context(
            [(t.in_context, t.published)
             for t in self.store.end_tasks(wf_ex)], self.options)

    def _check_completion(self, wf_ex) -> None:
        """Mistral's ``check_and_complete``."""
        if states.is_paused_or_completed(wf_ex.state):
            return
        wf_spec = self.spec(wf_ex)
        facts = self.store.completion_facts(
            wf_ex, reverse_rules=wf_spec.type == lang.REVERSE)
        outcome = completion.decide(facts)
        if outcome is None:
            return
        try:
            if outcome == states.CANCELLED:
                self._cancel_workflow(
                    wf_ex, completion.cancel_info(facts.cancelled_names))
            elif outcome == states.SUCCESS:
                self._succeed_workflow(wf_ex, None)
            else:
                self._fail_workflow(wf_ex, completion.fail_info(
                    self.store.failed_tasks(wf_ex, wf_spec)))
        except exc.MistralError as e:
            self._fail_workflow(wf_ex, completion.check_failure(
                wf_ex.id, wf_ex.workflow_name, e))
        self.drain()

    def _succeed_workflow(self, wf_ex, msg, from_command: bool = False
                          ) -> None:
        """Raises MistralError when the output cannot be evaluated."""
        if states.is_completed(wf_ex.state):
            return
        wf_spec = self.spec(wf_ex)
        final_ctx = self._final_context(wf_ex)
        output = dataflow.workflow_output(
            wf_spec.output, final_ctx, wf_ex.input, wf_ex.context,
            self.store.env_of(wf_ex), self.store.provider,
            self.options.strategy)
        self.fire(wf_ex, machines.WORKFLOW, wf_ex, machines.SUCCEED,
                  msg)
        wf_ex.output = output
        self._ended(wf_ex)

    def _fail_workflow(self, wf_ex, msg) -> None:
        """Mistral's ``_fail_workflow``: a paused or finished workflow is
        left as it is; the output is the message plus ``output-on-error``
        (or the whole final context when that gives nothing)."""
        if states.is_paused_or_completed(wf_ex.state):
            return
        wf_spec = self.spec(wf_ex)
        output_on_error = {}
        try:
            output_on_error = dataflow.workflow_output(
                wf_spec.output_on_error, self._final_context(wf_ex),
                wf_ex.input, wf_ex.context, self.store.env_of(wf_ex),
                self.store.provider, self.options.strategy)
        except exc.MistralError as e:
            msg = completion.output_on_error_failure(
                wf_spec.output_on_error, e, msg)
        self.fire(wf_ex, machines.WORKFLOW, wf_ex, machines.FAIL, msg)
        output = {"result": self.store.cut(msg, output_on_error)}
        if isinstance(output_on_error, dict):
            dataflow.merge_dicts(output, output_on_error)
        wf_ex.output = output
        self._ended(wf_ex)

    def _cancel_workflow(self, wf_ex, msg) -> None:
        if states.is_completed(wf_ex.state):
            return
        self.fire(wf_ex, machines.WORKFLOW, wf_ex, machines.CANCEL,
                  msg)
        wf_ex.output = {"result": self.store.cut(msg, {})}
        self._ended(wf_ex)

    def _ended(self, wf_ex) -> None:
        if wf_ex.task_execution_id:
            self.store.report_to_parent(wf_ex)

    def _finish_workflow(self, wf_ex, cmd: FinishWorkflow) -> None:
        if cmd.state == states.SUCCESS:
            self._succeed_workflow(wf_ex, cmd.msg)
        elif cmd.state == states.ERROR:
            self._fail_workflow(wf_ex, cmd.msg)
        else:
            self._cancel_workflow(wf_ex, cmd.msg)

    # -- pause, resume, stop --------------------------------------------------

    def pause(self, wf_ex, msg=None, drain: bool = True) -> None:
        """Pause the workflow and its running sub-workflows (Mistral
        pauses the children first)."""
        for child in self.store.children(wf_ex, states.INCOMPLETE):
            self.pause(child, msg, drain=False)
        if wf_ex.state == states.PAUSED or states.is_completed(wf_ex.state):
            return
        if not machines.allows(machines.WORKFLOW, wf_ex.state,
                               machines.PAUSE):
            raise exc.WorkflowError(_bad_transition(wf_ex, states.PAUSED))
        self.fire(wf_ex, machines.WORKFLOW, wf_ex, machines.PAUSE,
                  msg)
        self.store.child_changed(wf_ex)
        if drain:
            self.drain()

    def resume(self, wf_ex, env: Optional[dict] = None) -> None:
        """Resume the workflow and its paused sub-workflows, then go on
        where it stopped: tasks held by pause-before, tasks that finished
        meanwhile, the commands of its backlog."""
        if wf_ex.state != states.PAUSED:
            if states.is_completed(wf_ex.state):
                raise exc.WorkflowError(_bad_transition(wf_ex,
                                                        states.RUNNING))
            return
        for child in self.store.children(wf_ex, [states.PAUSED]):
            self.resume(child)
        update_env(wf_ex, env)
        self.fire(wf_ex, machines.WORKFLOW, wf_ex, machines.RESUME, None)
        self._continue(wf_ex)
        self.store.child_changed(wf_ex)
        self.drain()

    def _continue(self, wf_ex) -> None:
        """Mistral's ``continue_workflow`` after a resume or a rerun."""
        wf_spec = self.spec(wf_ex)
        follow = []
        for task_ex in self.store.idle_tasks(wf_ex):
            self.fire(wf_ex, machines.TASK, task_ex, machines.START, None)
            task_ex.processed = False
            self.push(wf_ex, RunWork(task_ex))
        for task_ex in self.store.unprocessed_completed_tasks(wf_ex):
            task_spec = wf_spec.tasks.get(task_ex.name)
            if task_spec is None:
                continue
            try:
                cmds = self._next_commands(wf_ex, wf_spec, task_ex,
                                           task_spec)
            except exc.MistralError as e:
                self._force_fail(wf_ex, task_ex, task_spec, e, None)
                return
            task_ex.next_tasks = direct.next_tasks_of(cmds)
            task_ex.has_next_tasks = bool(task_ex.next_tasks)
            if task_ex.state == states.ERROR:
                task_ex.error_handled = direct.error_handled(cmds)
            task_ex.processed = True
            follow.extend(cmds)
            self._wake_joins(wf_ex, wf_spec, task_ex)
        follow = [c for c in follow if not (
            isinstance(c, WorkflowCommand) and c.kind == cmds_mod.PAUSE)]
        self._dispatch(wf_ex, follow)
        self._schedule_check(wf_ex)

    def stop(self, wf_ex, state: str, msg=None) -> None:
        """``PUT /v2/executions/{id}`` to SUCCESS, ERROR or CANCELLED."""
        if state == states.SUCCESS:
            self._succeed_workflow(wf_ex, msg)
        elif state == states.ERROR:
            self._fail_workflow(wf_ex, msg)
        elif state == states.CANCELLED:
            self._cancel_workflow(wf_ex, msg)
            for child in self.store.children(wf_ex, states.INCOMPLETE):
                self.stop(child, states.CANCELLED, msg)
        else:
            raise exc.WorkflowError("Invalid workflow state: %s" % state)
        self.drain()

    # -- a child of a task pauses or resumes ----------------------------------

    def on_child_update(self, wf_ex, task_ex, state: str) -> None:
        """An async action set to PAUSED / RUNNING, or a sub-workflow
        paused or resumed: the task follows its child, and the workflow
        follows the task (Mistral's ``on_action_update``)."""
        if states.is_completed(task_ex.state):
            return
        if state == states.PAUSED and task_ex.state == states.RUNNING:
            self.fire(wf_ex, machines.TASK, task_ex, machines.PAUSE)
        elif state == states.RUNNING and task_ex.state == states.PAUSED:
            if self.store.paused_children(task_ex):
                return
            self.fire(wf_ex, machines.TASK, task_ex, machines.RESUME)
        if state == states.PAUSED:
            if wf_ex.state == states.RUNNING:
                self.pause(wf_ex)
            return
        if self.store.paused_tasks(wf_ex):
            return
        if wf_ex.state == states.PAUSED:
            self.resume(wf_ex)
        self.drain()

    def set_action_state(self, wf_ex, action_ex, event: str) -> None:
        self.fire(wf_ex, machines.ACTION, action_ex, event)

    # -- rerun and skip -------------------------------------------------------

    def rerun_task(self, wf_ex, task_ex, reset: bool = True,
                   env: Optional[dict] = None) -> None:
        """Run a failed task again (its workflow and their parents are
        RUNNING again first)."""
        update_env(wf_ex, env)
        self._rerun_chain(wf_ex)
        wf_spec = self.spec(wf_ex)
        task_spec = wf_spec.tasks[task_ex.name]
        failed_only = bool(task_spec.with_items) and not reset
        self.store.unaccept_results(task_ex, failed_only)
        self.fire(wf_ex, machines.TASK, task_ex, machines.RERUN, None)
        task_ex.processed = False
        task_ex.error_handled = False
        task_ex.next_tasks = []
        task_ex.has_next_tasks = False
        task_ex.result = None
        if failed_only:
            failed = self.store.failed_item_indexes(task_ex)
            progress = with_items.restart(
                with_items.Progress.load(task_ex.progress),
                int(((task_ex.runtime_context or {}).get("with_items") or
                     {}).get("count") or 0), failed)
            task_ex.progress = progress.dump()
            if failed:
                self.store.store_failed_item_values(task_ex, failed,
                                                    self._evaluate_values(
                                                        wf_ex, task_ex,
                                                        task_spec))
        else:
            failed = None
            task_ex.progress = None
        # Mistral starts the task again from a clean runtime context, with
        # its start policies.
        task_ex.runtime_context = {}
        self.push(wf_ex, StartTask(task_ex, failed))
        self.drain()

    def _evaluate_values(self, wf_ex, task_ex, task_spec) -> dict:
        view = self.view(wf_ex, task_ex)
        return with_items.evaluate_values(
            task_spec, lambda v: dataflow.evaluate(v, view))

    def _rerun_chain(self, wf_ex) -> None:
        """Mistral's ``_recursive_rerun``: the workflow and every parent
        (and parent task) RUNNING again."""
        if wf_ex.state != states.RUNNING:
            self.fire(wf_ex, machines.WORKFLOW, wf_ex, machines.RERUN, None)
        parent = self.store.parent_of(wf_ex)
        if parent is None:
            return
        parent_wf_ex, parent_task = parent
        if parent_task.state in (states.ERROR, states.CANCELLED):
            self.fire(parent_wf_ex, machines.TASK, parent_task,
                      machines.RERUN, None)
            parent_task.processed = False
            parent_task.error_handled = False
        self._rerun_chain(parent_wf_ex)

    def skip_task(self, wf_ex, task_ex) -> None:
        """A failed task ends SKIPPED: publish-on-skip, then on-skip (or
        on-success) transitions."""
        if wf_ex.state in (states.ERROR, states.CANCELLED):
            self._rerun_chain(wf_ex)
        task_ex.error_handled = False
        task_ex.runtime_context = {}
        self.push(wf_ex, CompleteTask(task_ex, states.SKIPPED, SKIPPED_INFO,
                                      origin=(_ORIGIN_TIMER, None)))
        self.drain()

    # -- timers -----------------------------------------------------------------

    def on_timer(self, target: str, wf_ex, task_ex, args: dict) -> bool:
        """A durable timer of ``task_ex`` fired (``target``: its short name
        in ``policies``). False when it must fire again at once (a timeout
        due with the delay it has to follow)."""
        if target == policies.CONTINUE_TASK:
            self.continue_task(wf_ex, task_ex)
        elif target == policies.COMPLETE_TASK:
            self.finish_delayed_task(wf_ex, task_ex, args.get("state"),
                                     args.get("state_info"))
        elif target == policies.FAIL_IF_INCOMPLETE:
            return self.time_out_task(wf_ex, task_ex, args.get("timeout"))
        elif target == policies.REFRESH_JOIN:
            self.refresh_join(wf_ex, task_ex)
        else:
            raise exc.EngineError("Unknown timer target: %s" % target)
        return True

    def continue_task(self, wf_ex, task_ex) -> None:
        """End of a wait-before or retry delay: run the task's work."""
        if task_ex.state != states.RUNNING_DELAYED:
            return
        self.fire(wf_ex, machines.TASK, task_ex, machines.START, None)
        task_ex.processed = False
        task_spec = self.spec(wf_ex).tasks[task_ex.name]
        if task_spec.with_items:
            task_ex.progress = None
        self.push(wf_ex, RunWork(task_ex))
        self.drain()

    def finish_delayed_task(self, wf_ex, task_ex, state: str,
                            state_info=None) -> None:
        """End of a wait-after delay: the task completes as it ended."""
        if task_ex.state != states.RUNNING_DELAYED:
            return
        self.push(wf_ex, CompleteTask(task_ex, state, state_info,
                                      origin=(_ORIGIN_TIMER, None)))
        self.drain()

    def time_out_task(self, wf_ex, task_ex, timeout) -> bool:
        """The task's timeout: fail it unless it has finished. False when
        its delay (due at the same time) must end first."""
        if states.is_completed(task_ex.state):
            return True
        if task_ex.state == states.RUNNING_DELAYED and \
                self.store.timer_due(task_ex, policies.CONTINUE_TASK):
            return False
        # Its running action stays RUNNING; a late result is ignored.
        self.push(wf_ex, CompleteTask(
            task_ex, states.ERROR, "Task timed out [timeout(s)=%s]."
            % timeout, origin=(_ORIGIN_TIMER, None)))
        self.drain()
        return True

    def refresh_join(self, wf_ex, task_ex) -> None:
        """End of a join's retry delay: evaluate the join again."""
        if task_ex.state == states.WAITING:
            self._schedule_join(wf_ex, task_ex)
            self.drain()


class _ActionFailure(Exception):
    """An action's result could not be taken (its ad-hoc output)."""

    def __init__(self, msg: str):
        super().__init__(msg)
        self.msg = msg


# Where a task completion comes from: the message of an error then.
_ORIGIN_ACTION = "action"     # an action's or a sub-workflow's result
_ORIGIN_START = "start"       # the task's work could not start
_ORIGIN_TIMER = "timer"       # a timer, a join, a skip


def _leads_to(task_ex, name) -> bool:
    return any(pair[0] == name for pair in (task_ex.next_tasks or ()))


def _dropped_result(task_spec, result):
    """A task's result once ``keep-result: false`` dropped its outputs."""
    if task_spec.with_items and isinstance(result, list):
        return [None for _ in result]
    return None


def _bad_transition(wf_ex, state) -> str:
    return ("Can't change workflow execution state from %s to %s. "
            "[workflow=%s, execution_id=%s]"
            % (wf_ex.state, state, wf_ex.workflow_name, wf_ex.id))


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


def update_env(wf_ex, env: Optional[dict]) -> None:
    if not env:
        return
    params = dict(wf_ex.params or {})
    merged = copy.deepcopy(params.get("env") or {})
    dataflow.merge_dicts(merged, env)
    params["env"] = merged
    wf_ex.params = params


_HANDLERS = {
    RunTask: lambda self, wf_ex, cmd: self._dispatch(wf_ex, [cmd],
                                                     backlog=False),
    WorkflowCommand: lambda self, wf_ex, cmd: self._dispatch(
        wf_ex, [cmd], backlog=False),
    StartTask: Conductor._start_task,
    RunWork: Conductor._run_work,
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
