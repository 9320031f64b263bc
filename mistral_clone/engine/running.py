"""Running tasks: the part of the conductor that creates task executions,
applies their start policies, evaluates joins and starts their actions and
sub-workflows (a mixin of ``conductor.Conductor``)."""

import copy
import logging

from mistral_clone import exceptions as exc
from mistral_clone import lang
from mistral_clone.actions import dynamic_signature
from mistral_clone.db import models
from mistral_clone.engine import adhoc
from mistral_clone.engine import commands as cmds_mod
from mistral_clone.engine import dataflow
from mistral_clone.engine import direct
from mistral_clone.engine import field_sizes
from mistral_clone.engine import machines
from mistral_clone.engine import policies
from mistral_clone.engine import reverse
from mistral_clone.engine import specs
from mistral_clone.engine import states
from mistral_clone.engine import tasks
from mistral_clone.engine import with_items
from mistral_clone.engine.commands import (CompleteTask, FailTask, RunTask,
                                           RunWork, ScheduleTimer,
                                           SetTaskState, StartTask)

LOG = logging.getLogger(__name__)

WAITING_INFO = "Task is waiting."
SUBWORKFLOW_DESCRIPTION = "sub-workflow execution"
JOIN_KEY = "join-task-%s-%s"


class RunningTasks:
    def _new_task(self, wf_ex, task_spec, event, in_context,
                  triggered_by=None, unique_key=None, info=None):
        runtime_context = {}
        if triggered_by:
            runtime_context["triggered_by"] = copy.deepcopy(triggered_by)
        now = self.store.now()
        task_ex = models.TaskExecution(
            id=models.new_id(),
            created_at=now,
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
        if task_ex.state == states.RUNNING:
            # Mistral creates the row IDLE and updates it to RUNNING in a
            # second write: a task that starts at once shows updated_at.
            task_ex.updated_at = now
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
        self.push(wf_ex, *direct.join_commands(
            task_ex, direct.join_state(wf_spec, join_spec, facts)))

    def _start_join(self, wf_ex, cmd) -> None:
        task_ex = cmd.task_ex
        if task_ex.state != states.WAITING:
            return
        self.fire(wf_ex, machines.TASK, task_ex, machines.START, None)
        task_ex.processed = False
        self._update_inbound_context(wf_ex, task_ex,
                                     self.spec(wf_ex).tasks[task_ex.name])
        self.push(wf_ex, RunWork(task_ex))

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
                                          origin=cmds_mod.ORIGIN_START))

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
            if resolved.code is None:
                self.store.check_action_input(resolved.python_name,
                                              base_input)
            else:
                # Checked from the code source's text: the engine never
                # runs uploaded code.
                dynamic_signature.check_input(resolved.python_name,
                                              resolved.code, base_input)
            # Mistral stores an ad-hoc action's input with its defaults.
            stored_input = adhoc.check_input(resolved.layers[0], work.input) \
                if resolved.is_adhoc else base_input
            field_sizes.check("input", stored_input)
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
            input=stored_input,
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
                                   work.target, resolved.code)

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
                work.workflow, namespace, wb_name, wf_ex.project_id)
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

