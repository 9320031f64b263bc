"""Controlling workflows: the part of the conductor that pauses, resumes,
stops and reruns them, follows a task's child that pauses or resumes, and
runs the timers' effects (a mixin of ``conductor.Conductor``)."""

import copy
from typing import Optional

from mistral_clone import exceptions as exc
from mistral_clone.engine import commands as cmds_mod
from mistral_clone.engine import completion
from mistral_clone.engine import dataflow
from mistral_clone.engine import direct
from mistral_clone.engine import machines
from mistral_clone.engine import policies
from mistral_clone.engine import states
from mistral_clone.engine import with_items
from mistral_clone.engine.commands import (CompleteTask, RunWork, StartTask,
                                           WorkflowCommand)

SKIPPED_INFO = "Task was skipped."


class ControllingWorkflows:
    def pause(self, wf_ex, msg=None, drain: bool = True) -> None:
        """Pause the workflow and its running sub-workflows (Mistral
        pauses the children first)."""
        for child in self.store.children(wf_ex, states.INCOMPLETE):
            self.pause(child, msg, drain=False)
        if wf_ex.state == states.PAUSED or states.is_completed(wf_ex.state):
            return
        if not machines.allows(machines.WORKFLOW, wf_ex.state,
                               machines.PAUSE):
            raise exc.WorkflowError(
                completion.bad_transition(wf_ex, states.PAUSED))
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
                raise exc.WorkflowError(completion.bad_transition(wf_ex,
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
                                      origin=(cmds_mod.ORIGIN_TIMER, None)))
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
                                      origin=(cmds_mod.ORIGIN_TIMER, None)))
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
            % timeout, origin=(cmds_mod.ORIGIN_TIMER, None)))
        self.drain()
        return True

    def refresh_join(self, wf_ex, task_ex) -> None:
        """End of a join's retry delay: evaluate the join again."""
        if task_ex.state == states.WAITING:
            self._schedule_join(wf_ex, task_ex)
            self.drain()




def update_env(wf_ex, env: Optional[dict]) -> None:
    """Merge ``env`` into the execution's environment (resume, rerun)."""
    if not env:
        return
    params = dict(wf_ex.params or {})
    merged = copy.deepcopy(params.get("env") or {})
    dataflow.merge_dicts(merged, env)
    params["env"] = merged
    wf_ex.params = params
