"""Completing tasks and workflows: the part of the conductor that takes
actions' and sub-workflows' results, completes tasks (publish, policies,
transitions) and ends workflows (a mixin of ``conductor.Conductor``)."""

import copy
import logging

from mistral_clone import exceptions as exc
from mistral_clone import lang
from mistral_clone.engine import adhoc
from mistral_clone.engine import commands as cmds_mod
from mistral_clone.engine import completion
from mistral_clone.engine import dataflow
from mistral_clone.engine import direct
from mistral_clone.engine import field_sizes
from mistral_clone.engine import machines
from mistral_clone.engine import policies
from mistral_clone.engine import reverse
from mistral_clone.engine import states
from mistral_clone.engine import tasks
from mistral_clone.engine import with_items
from mistral_clone.engine.commands import (CompleteTask, FailTask,
                                           FinishWorkflow, RunTask)

LOG = logging.getLogger(__name__)


class ActionFailure(Exception):
    """An action's result could not be taken (its ad-hoc output failed, or
    it is over the field size limit)."""

    def __init__(self, msg: str):
        super().__init__(msg)
        self.msg = msg


class CompletingTasks:
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
        except ActionFailure as failure:
            if task_ex is not None and wf_ex is not None and \
                    not states.is_completed(task_ex.state):
                self.push(wf_ex, FailTask(task_ex, failure.msg))
                self.drain()
            return
        if task_ex is not None and wf_ex is not None:
            self._child_done(wf_ex, task_ex, state, value,
                             tasks.failure_info(value),
                             (cmds_mod.ORIGIN_ACTION, action_ex.name))
            self.drain()

    def _store_result(self, wf_ex, action_ex, result: dict):
        """The final state and result of an action execution (ad-hoc
        output applied); the task sees the same. An ad-hoc output that
        cannot be evaluated fails the action, unaccepted, with Mistral's
        message (``ActionFailure``)."""
        if result.get("cancel"):
            state = states.CANCELLED
        elif result.get("error") is not None:
            state = states.ERROR
        else:
            state = states.SUCCESS
        value = result.get("error") if state == states.ERROR \
            else result.get("data")
        try:
            # Mistral 23 applies an ad-hoc action's output to a task's
            # action only: run alone (POST /v2/action_executions) it
            # answers with the base action's result.
            if state == states.SUCCESS and \
                    action_ex.task_execution_id is not None and \
                    (action_ex.runtime_context or {}).get("adhoc"):
                resolved = self.store.resolve_action(
                    action_ex.name, action_ex.workflow_namespace,
                    ((wf_ex.runtime_context or {}).get("wb_name")
                     if wf_ex is not None else None),
                    action_ex.project_id, cached=False)
                value = adhoc.transform_output(resolved, value)
            output = {"result": value}
            field_sizes.check("output", output)
        except exc.MistralError as e:
            msg = tasks.action_failure(e, action_ex.name,
                                       self._task_name(action_ex))
            action_ex.output = {"result": msg}
            self.fire(wf_ex, machines.ACTION, action_ex, machines.FAIL)
            raise ActionFailure(msg) from e
        action_ex.output = output
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
                         (cmds_mod.ORIGIN_ACTION, child.workflow_name))
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
        self.push(wf_ex, *with_items.item_commands(task_ex, outcome, origin))

    def _complete_task(self, wf_ex, cmd: CompleteTask) -> None:
        """Mistral's ``Task.complete``."""
        task_ex = cmd.task_ex
        skip = cmd.state == states.SKIPPED
        if states.is_completed(task_ex.state) and not skip:
            return
        wf_spec = self.spec(wf_ex)
        task_spec = wf_spec.tasks[task_ex.name]
        if cmd.result is cmds_mod.ACCEPTED_RESULTS:
            task_ex.result = self.store.accepted_results(task_ex)
        elif cmd.result is not cmds_mod.NO_RESULT:
            task_ex.result = cmd.result
        if task_spec.with_items:
            self.store.delete_item_values(task_ex)
        self.fire(wf_ex, machines.TASK, task_ex,
                  machines.end_event(cmd.state), cmd.info)
        try:
            self._update_inbound_context(wf_ex, task_ex, task_spec)
            self._publish(wf_ex, task_ex, task_spec)
            if not tasks.keeps_result(task_spec):
                self.store.drop_outputs(task_ex)
                task_ex.result = dropped_result(task_spec, task_ex.result)
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
        if origin and origin[0] == cmds_mod.ORIGIN_ACTION:
            action = origin[1]
        elif origin and origin[0] == cmds_mod.ORIGIN_START and task_spec:
            action = task_spec.workflow or task_spec.action or "std.noop"
        msg = tasks.completion_failure(error, wf_ex.workflow_name,
                                       task_ex.name, action)
        self._apply(wf_ex, FailTask(task_ex, msg))

    def force_fail(self, wf_ex, task_ex, error) -> None:
        """Fail the task and its workflow after an unexpected error."""
        task_spec = self.spec(wf_ex).tasks.get(task_ex.name)
        self._force_fail(wf_ex, task_ex, task_spec, error,
                         (cmds_mod.ORIGIN_START, None))
        self.drain()

    def _update_inbound_context(self, wf_ex, task_ex, task_spec) -> None:
        """Mistral's ``_update_inbound_context``: the inbound context of a
        completing (or joining) task is computed again from the upstream
        task executions, and laid over its own. Only a join's (or a
        reverse workflow task's) can differ from what the task started
        with: a task with one upstream execution was given exactly that
        execution's outbound context (Mistral reads the first inbound task
        only, so one started by another has nothing to add), so it is not
        read again."""
        wf_spec = self.spec(wf_ex)
        if wf_spec.type == lang.REVERSE:
            ctx = self._reverse_inbound_context(wf_ex, wf_spec, task_spec)
        elif task_spec.join:
            names = direct.upstream_for_context(wf_spec, task_spec)
            upstream = [t for t in self.store.completed_tasks(wf_ex, names)
                        if leads_to(t, task_spec.name)]
            ctx = dataflow.upstream_context(
                [(t.in_context, t.published) for t in upstream],
                self.options)
        else:
            return
        if ctx:
            in_context = dict(task_ex.in_context or {})
            in_context.update(ctx)
            task_ex.in_context = in_context

    def _publish(self, wf_ex, task_ex, task_spec) -> None:
        """Mistral's ``publish_variables`` (an expression error, or a
        branch publish over the field size limit, propagates)."""
        publish_spec = dataflow.publish_vars(task_spec, task_ex.state)
        if publish_spec is None:
            return
        branch, global_ = dataflow.publish(publish_spec,
                                           self.view(wf_ex, task_ex))
        field_sizes.check("published", branch)
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
        facts = self.store.completion_facts(
            wf_ex, reverse_rules=self.spec(wf_ex).type == lang.REVERSE)
        self.push(wf_ex, *completion.completion_commands(facts))
        self.drain()

    def _succeed_workflow(self, wf_ex, msg, from_command: bool = False
                          ) -> None:
        """Raises MistralError when the output cannot be evaluated or is
        over the field size limit (Mistral 23 then leaves the workflow
        SUCCESS with an empty output, which a parent takes as its result
        minutes later: the workflow fails here instead, see the README's
        "Differences")."""
        if states.is_completed(wf_ex.state):
            return
        wf_spec = self.spec(wf_ex)
        final_ctx = self._final_context(wf_ex)
        output = dataflow.workflow_output(
            wf_spec.output, final_ctx, wf_ex.input, wf_ex.context,
            self.store.env_of(wf_ex), self.store.provider_for(wf_ex),
            self.options.strategy)
        field_sizes.check("output", output)
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
                self.store.provider_for(wf_ex), self.options.strategy)
        except exc.MistralError as e:
            msg = completion.output_on_error_failure(
                wf_spec.output_on_error, e, msg)
        self.fire(wf_ex, machines.WORKFLOW, wf_ex, machines.FAIL, msg)
        output = {"result": self.store.cut(msg, output_on_error)}
        if isinstance(output_on_error, dict):
            dataflow.merge_dicts(output, output_on_error)
        try:
            field_sizes.check("output", output)
        except exc.SizeLimitExceededError as e:
            # Mistral 23 keeps the output it had (the workflow fails all
            # the same, with the same message).
            LOG.warning("The output of failed workflow execution %s is "
                        "not stored: %s", wf_ex.id, e)
        else:
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
        """The workflow ends as its completion check decided; an output
        that cannot be evaluated fails it with Mistral's "Failed to check
        and complete" message."""
        if states.is_paused_or_completed(wf_ex.state):
            return
        try:
            if cmd.state == states.SUCCESS:
                self._succeed_workflow(wf_ex, cmd.msg)
            elif cmd.state == states.ERROR:
                msg = cmd.msg
                if msg is cmds_mod.FAILURE_SUMMARY:
                    msg = completion.fail_info(
                        self.store.failed_tasks(wf_ex, self.spec(wf_ex)))
                self._fail_workflow(wf_ex, msg)
            else:
                self._cancel_workflow(wf_ex, cmd.msg)
        except exc.MistralError as e:
            self._fail_workflow(wf_ex, completion.check_failure(
                wf_ex.id, wf_ex.workflow_name, e))


def leads_to(task_ex, name) -> bool:
    return any(pair[0] == name for pair in (task_ex.next_tasks or ()))


def dropped_result(task_spec, result):
    """A task's result once ``keep-result: false`` dropped its outputs."""
    if task_spec.with_items and isinstance(result, list):
        return [None for _ in result]
    return None
