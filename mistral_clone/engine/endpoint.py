"""The engine's RPC endpoint: each method is one engine step (or two for a
synchronous stand-alone action, which waits for the executor between
them)."""

import logging

import oslo_messaging as messaging
import sqlalchemy as sa
from sqlalchemy import orm

from mistral_clone import context as mc_context
from mistral_clone import exceptions as exc
from mistral_clone.db import models
from mistral_clone.db import retry
from mistral_clone.engine import actions as action_handler
from mistral_clone.engine import completions
from mistral_clone.engine import specs
from mistral_clone.engine import states
from mistral_clone.engine import step as step_mod
from mistral_clone.engine import tasks as task_handler
from mistral_clone.engine import updates
from mistral_clone.engine import workflows as wf_handler

LOG = logging.getLogger(__name__)

_expected = messaging.expected_exceptions(exc.MistralError)


def _wf_ex_dict(session, wf_ex) -> dict:
    session.flush()
    return action_handler.row_dict(wf_ex)


def _task_ex(session, task_ex_id):
    task_ex = session.get(models.TaskExecution, task_ex_id)
    if task_ex is None:
        raise exc.NotFoundError("Task execution not found [id=%s]"
                                % task_ex_id)
    return task_ex


def _locked_action(session, action_ex_id):
    """(action execution, its task or None, its workflow execution or
    None), with the workflow execution locked and both rows re-read
    under that lock."""
    action_ex = session.get(models.ActionExecution, action_ex_id)
    if action_ex is None:
        raise exc.NotFoundError(
            "ActionExecution not found [id=%s]" % action_ex_id)
    wf_ex = task_ex = None
    if action_ex.task_execution_id:
        task_ex = _task_ex(session, action_ex.task_execution_id)
        wf_ex = step_mod.lock_workflow(session, task_ex.workflow_execution_id)
        session.refresh(action_ex)
        session.refresh(task_ex)
    return action_ex, task_ex, wf_ex


def _drainers(configured: int) -> int:
    """Threads absorbing results: SQLite has one writer per database, so
    more than one would only wait for it, each with a smaller batch."""
    from mistral_clone.db import session as db_session
    return 1 if db_session.has_single_writer() else configured


def _actions_with_tasks(session, action_ex_ids) -> dict:
    """``{action execution id: (action execution, its task)}`` in one
    query."""
    model = models.ActionExecution
    task_model = models.TaskExecution
    rows = session.execute(
        sa.select(model, task_model).join(
            task_model, task_model.id == model.task_execution_id)
        .where(model.id.in_(action_ex_ids))
        .options(orm.undefer(model.runtime_context),
                 *step_mod.task_ex_step_options())).all()
    return {action.id: (action, task) for action, task in rows}


def _absorb(step, wf_ex, items, pairs: dict) -> list:
    """Store the results ``items`` of ``wf_ex``'s actions (locked) and move
    its tasks on; returns the items that are not its own."""
    wf_spec = specs.workflow_spec(wf_ex)
    leftovers = []
    for item in items:
        action_ex, task_ex = pairs.get(item[1], (None, None))
        if task_ex is None or task_ex.workflow_execution_id != wf_ex.id:
            leftovers.append(item)
            continue
        if states.is_completed(action_ex.state) or action_ex.accepted:
            continue
        result = item[2]
        if action_handler.is_async_ack(result):
            action_ex.is_sync = False
            continue
        state, value = action_handler.store_result(step, action_ex, result,
                                                   wf_ex)
        task_handler.on_execution_done(step, wf_ex, wf_spec, task_ex, state,
                                       value, value, action_ex.index)
    return leftovers


class EngineEndpoint:
    target = messaging.Target(version="1.0")

    def __init__(self):
        # Executors' results, absorbed in batches per workflow execution.
        from mistral_clone.config import CONF
        self.completions = completions.CompletionQueue(
            self._complete_batches,
            workers=_drainers(CONF.engine.result_workers))
        completions.set_local_queue(self.completions)

    # -- workflows ---------------------------------------------------------

    @_expected
    def start_workflow(self, ctx, wf_identifier, wf_namespace="",
                       wf_ex_id=None, wf_input=None, description="",
                       params=None):
        with step_mod.step(ctx) as step:
            if wf_ex_id:
                existing = step.session.get(models.WorkflowExecution,
                                            wf_ex_id)
                if existing is not None:
                    return _wf_ex_dict(step.session, existing)
            wf_def = wf_handler.find_definition(
                step.session, ctx, wf_identifier, wf_namespace)
            wf_ex = wf_handler.start(step, wf_def, wf_input or {},
                                     description, params or {}, wf_ex_id)
            return _wf_ex_dict(step.session, wf_ex)

    @_expected
    def pause_workflow(self, ctx, wf_ex_id):
        with step_mod.step(ctx) as step:
            wf_ex = step_mod.lock_workflow(step.session, wf_ex_id)
            if wf_ex.state != states.PAUSED:
                if wf_ex.state != states.RUNNING:
                    raise exc.WorkflowError(
                        "Can't change workflow execution state from %s to "
                        "%s. [workflow=%s, execution_id=%s]"
                        % (wf_ex.state, states.PAUSED, wf_ex.workflow_name,
                           wf_ex.id))
                wf_handler.pause(step, wf_ex)
            return _wf_ex_dict(step.session, wf_ex)

    @_expected
    def resume_workflow(self, ctx, wf_ex_id, env=None):
        with step_mod.step(ctx) as step:
            wf_ex = step_mod.lock_workflow(step.session, wf_ex_id)
            wf_handler.resume(step, wf_ex, env)
            return _wf_ex_dict(step.session, wf_ex)

    @_expected
    def stop_workflow(self, ctx, wf_ex_id, state, message=None):
        with step_mod.step(ctx) as step:
            wf_ex = step_mod.lock_workflow(step.session, wf_ex_id)
            wf_handler.stop(step, wf_ex, state, message)
            return _wf_ex_dict(step.session, wf_ex)

    @_expected
    def continue_workflow(self, ctx, wf_ex_id):
        with step_mod.step(ctx) as step:
            wf_ex = step_mod.lock_workflow(step.session, wf_ex_id)
            if wf_ex.state == states.RUNNING:
                wf_handler.check_and_complete(
                    step, wf_ex, specs.workflow_spec(wf_ex))

    # -- tasks -------------------------------------------------------------

    def _locked_task(self, step, task_ex_id):
        task_ex = _task_ex(step.session, task_ex_id)
        wf_ex = step_mod.lock_workflow(step.session,
                                       task_ex.workflow_execution_id)
        step.session.refresh(task_ex)
        return wf_ex, task_ex

    def _rerun_parents(self, step, wf_ex):
        """A rerun inside a sub-workflow makes its parents run again."""
        while wf_ex.task_execution_id:
            parent_task = _task_ex(step.session, wf_ex.task_execution_id)
            parent_wf = step_mod.lock_workflow(
                step.session, parent_task.workflow_execution_id)
            step.session.refresh(parent_task)
            if parent_task.state == states.ERROR:
                parent_task.state = states.RUNNING
                parent_task.state_info = None
                parent_task.finished_at = None
                parent_task.processed = False
                parent_task.error_handled = False
            if parent_wf.state in (states.ERROR, states.CANCELLED):
                wf_handler.set_state(step, parent_wf, states.RUNNING)
            wf_ex = parent_wf

    @_expected
    def rerun_workflow(self, ctx, task_ex_id, reset=True, env=None):
        with step_mod.step(ctx) as step:
            wf_ex, task_ex = self._locked_task(step, task_ex_id)
            if wf_ex.state not in (states.ERROR, states.PAUSED,
                                   states.CANCELLED):
                raise exc.WorkflowError(
                    "Workflow execution must be in ERROR, PAUSED or "
                    "CANCELLED state to rerun [id=%s, state=%s]"
                    % (wf_ex.id, wf_ex.state))
            wf_handler.update_env(wf_ex, env)
            if wf_ex.state != states.RUNNING:
                wf_handler.set_state(step, wf_ex, states.RUNNING)
            self._rerun_parents(step, wf_ex)
            task_handler.rerun(step, wf_ex, specs.workflow_spec(wf_ex),
                               task_ex, reset)
            return _wf_ex_dict(step.session, wf_ex)

    @_expected
    def skip_task(self, ctx, task_ex_id):
        with step_mod.step(ctx) as step:
            wf_ex, task_ex = self._locked_task(step, task_ex_id)
            if wf_ex.state in (states.ERROR, states.CANCELLED):
                wf_handler.set_state(step, wf_ex, states.RUNNING)
                self._rerun_parents(step, wf_ex)
            task_handler.skip(step, wf_ex, specs.workflow_spec(wf_ex),
                              task_ex)
            step.session.flush()
            return action_handler.row_dict(task_ex)

    # -- actions -----------------------------------------------------------

    @_expected
    def on_action_complete(self, ctx, action_ex_id, result, wf_action=False):
        """A result delivered through the API (or a sub-workflow's, with
        ``wf_action``)."""
        if wf_action:
            self.report_subworkflow_result(ctx, action_ex_id)
            return None
        return self._complete_action(ctx, action_ex_id, dict(result or {}),
                                     internal=False)

    @_expected
    def report_action_result(self, ctx, action_ex_id, result,
                             wf_ex_id=None):
        """A result sent by an executor; with the id of its workflow
        execution it joins that execution's next batch, drained by the
        queue's own threads: this RPC thread returns at once, free for the
        calls that wait for an answer (``start_workflow`` from the API)
        instead of queueing them behind result batches."""
        if wf_ex_id:
            self.completions.submit_async(
                wf_ex_id, (ctx, action_ex_id, dict(result or {})))
            return
        self._complete_action(ctx, action_ex_id, dict(result or {}),
                              internal=True)

    def _complete_batches(self, batches: dict) -> None:
        """Results of several workflow executions (``{wf_ex_id: [items]}``)
        in as few steps as there are callers among them (a step works
        with one security context); when such a step fails for a reason
        other than a busy database, each execution's results are handled
        again on their own (and an error stays with its own execution)."""
        for _ctx, group in mc_context.group_by_caller(
                (items[0][0], (wf_ex_id, items))
                for wf_ex_id, items in batches.items()):
            self._complete_group(dict(group))

    def _complete_group(self, batches: dict) -> None:
        if len(batches) == 1:
            [(wf_ex_id, items)] = batches.items()
            self._complete_batch(wf_ex_id, items)
            return
        try:
            leftovers = retry.call(self._complete_batch_step, batches)
        except Exception:  # noqa: BLE001 - handled one by one below
            LOG.warning("A batch of results of %d workflow executions "
                        "failed; handling them execution by execution",
                        len(batches), exc_info=True)
            for wf_ex_id, items in batches.items():
                self._complete_batch(wf_ex_id, items)
            return
        self._complete_one_by_one(leftovers)

    @_expected
    def report_action_results(self, ctx, results):
        """Several executor results in one message (see
        ``report_action_result``)."""
        by_wf_ex = {}
        for item in results:
            wf_ex_id = item.get("wf_ex_id")
            entry = (ctx, item["action_ex_id"], dict(item.get("result") or {}))
            if wf_ex_id:
                by_wf_ex.setdefault(wf_ex_id, []).append(entry)
            else:
                self._complete_one_by_one([entry])
        for wf_ex_id, entries in by_wf_ex.items():
            self.completions.submit_many_async(wf_ex_id, entries)

    def _complete_batch(self, wf_ex_id, items) -> None:
        """Results of one workflow execution's actions in one step; when
        that step fails for a reason other than a busy database, each
        result is handled again on its own."""
        try:
            leftovers = retry.call(self._complete_batch_step,
                                   {wf_ex_id: items})
        except Exception:  # noqa: BLE001 - handled one by one below
            LOG.warning("A batch of %d result(s) of workflow execution %s "
                        "failed; handling them one by one", len(items),
                        wf_ex_id, exc_info=True)
            leftovers = items
        self._complete_one_by_one(leftovers)

    def _complete_one_by_one(self, items) -> None:
        for ctx, action_ex_id, result in items:
            try:
                self._complete_action(ctx, action_ex_id, result,
                                      internal=True)
            except exc.MistralError as e:
                LOG.warning("Result of action execution %s not taken: %s",
                            action_ex_id, e)

    def _complete_batch_step(self, batches: dict) -> list:
        """One step absorbing ``{wf_ex_id: [items]}``; returns the items
        that do not belong to the execution they came with (or whose
        execution is gone): they are handled one by one."""
        leftovers = []
        first_ctx = next(iter(batches.values()))[0][0]
        with step_mod.step(first_ctx) as step:
            session = step.session
            executions = step_mod.lock_workflows(session, batches)
            pairs = _actions_with_tasks(
                session, {item[1] for items in batches.values()
                          for item in items})
            for wf_ex_id, items in batches.items():
                wf_ex = executions.get(wf_ex_id)
                if wf_ex is None:
                    leftovers.extend(items)
                    continue
                leftovers.extend(_absorb(step, wf_ex, items, pairs))
            session.flush()
        return leftovers

    def _complete_action(self, ctx, action_ex_id, result, internal):
        try:
            return retry.call(self._complete_action_step, ctx, action_ex_id,
                              result, internal)
        except exc.MistralError:
            raise
        except Exception as e:  # noqa: BLE001 - never leave it RUNNING
            LOG.exception("Failed to handle the result of action "
                          "execution %s", action_ex_id)
            _fail_broken(ctx, e, action_ex_id=action_ex_id)
            if internal:
                return None
            raise exc.EngineError(str(e)) from e

    def _complete_action_step(self, ctx, action_ex_id, result, internal):
        with step_mod.step(ctx) as step:
            session = step.session
            action_ex, task_ex, wf_ex = _locked_action(session,
                                                       action_ex_id)
            if states.is_completed(action_ex.state) or \
                    action_ex.accepted:
                if internal:
                    return None
                raise exc.WorkflowError(
                    "Action execution is already completed [id=%s, "
                    "state=%s]" % (action_ex.id, action_ex.state))
            if internal and action_handler.is_async_ack(result):
                action_ex.is_sync = False
                return None
            state, value = action_handler.store_result(step, action_ex,
                                                       result, wf_ex)
            if task_ex is not None:
                task_handler.on_execution_done(
                    step, wf_ex, specs.workflow_spec(wf_ex), task_ex,
                    state, value, value, action_ex.index)
            session.flush()
            return action_handler.row_dict(action_ex)

    @_expected
    def report_subworkflow_result(self, ctx, wf_ex_id):
        try:
            retry.call(self._subworkflow_result_step, ctx, wf_ex_id)
        except exc.MistralError:
            raise
        except Exception as e:  # noqa: BLE001 - never leave it RUNNING
            LOG.exception("Failed to handle the end of sub-workflow %s",
                          wf_ex_id)
            _fail_broken(ctx, e, child_wf_ex_id=wf_ex_id)

    def _subworkflow_result_step(self, ctx, wf_ex_id):
        with step_mod.step(ctx) as step:
            session = step.session
            child = session.get(models.WorkflowExecution, wf_ex_id)
            if child is None or not child.task_execution_id or \
                    not states.is_completed(child.state):
                return
            task_ex = _task_ex(session, child.task_execution_id)
            wf_ex = step_mod.lock_workflow(session,
                                           task_ex.workflow_execution_id)
            session.refresh(task_ex)
            if states.is_completed(task_ex.state):
                return
            info = None
            if child.state == states.ERROR:
                info = child.state_info or \
                    "Failed subworkflow [execution_id=%s]" % child.id
            elif child.state == states.CANCELLED:
                info = child.state_info or \
                    "Cancelled subworkflow [execution_id=%s]" % child.id
            index = (child.runtime_context or {}).get("index", 0)
            task_handler.on_execution_done(
                step, wf_ex, specs.workflow_spec(wf_ex), task_ex,
                child.state, child.output, info, index)

    @_expected
    def on_action_update(self, ctx, action_ex_id, state):
        """``PUT /v2/action_executions/{id}`` with PAUSED or RUNNING."""
        with step_mod.step(ctx) as step:
            session = step.session
            action_ex, task_ex, wf_ex = _locked_action(session,
                                                       action_ex_id)
            updates.check_action_update(action_ex, state)
            action_ex.state = state
            action_ex.updated_at = models.utcnow()
            if task_ex is not None:
                updates.on_child_update(step, wf_ex, task_ex, state)
            session.flush()
            return action_handler.row_dict(action_ex)

    @_expected
    def on_subworkflow_update(self, ctx, wf_ex_id, state=None):
        """The sub-workflow was ``state`` (PAUSED or RUNNING) when it sent
        this; it may have gone on since (its result follows)."""
        with step_mod.step(ctx) as step:
            session = step.session
            child = session.get(models.WorkflowExecution, wf_ex_id)
            if child is None or not child.task_execution_id:
                return
            task_ex = _task_ex(session, child.task_execution_id)
            wf_ex = step_mod.lock_workflow(session,
                                           task_ex.workflow_execution_id)
            session.refresh(child)
            session.refresh(task_ex)
            state = state or child.state
            if state in updates.UPDATE_STATES:
                updates.on_child_update(step, wf_ex, task_ex, state)

    def process_action_heartbeats(self, ctx, action_ex_ids):
        """An executor still runs these action executions (one UPDATE)."""
        from mistral_clone.engine import heartbeats
        try:
            retry.call(heartbeats.store, action_ex_ids)
        except Exception:  # noqa: BLE001 - the next heartbeat may pass
            LOG.exception("Cannot store %d action heartbeat(s)",
                          len(action_ex_ids or ()))

    @_expected
    def start_action(self, ctx, action_name, action_input,
                     description=None, namespace="", params=None):
        from mistral_clone.engine import standalone
        return standalone.start_action(ctx, action_name, action_input,
                                       description, namespace,
                                       params or {})


def _fail_broken(ctx, error, action_ex_id=None, child_wf_ex_id=None):
    """The safety net: a step that crashed on something unexpected (a
    database error, a bug) was rolled back; fail its task and workflow in
    a new transaction so that no execution stays RUNNING forever."""
    try:
        with step_mod.step(ctx) as step:
            session = step.session
            task_ex_id = None
            if action_ex_id:
                action_ex = session.get(models.ActionExecution, action_ex_id)
                if action_ex is None:
                    return
                task_ex_id = action_ex.task_execution_id
                if not states.is_completed(action_ex.state):
                    action_ex.state = states.ERROR
                    action_ex.output = {"result": str(error)}
                    action_ex.accepted = True
            if child_wf_ex_id:
                child = session.get(models.WorkflowExecution, child_wf_ex_id)
                task_ex_id = child.task_execution_id if child else None
            if not task_ex_id:
                return
            task_ex = _task_ex(session, task_ex_id)
            wf_ex = step_mod.lock_workflow(session,
                                           task_ex.workflow_execution_id)
            session.refresh(task_ex)
            if states.is_completed(wf_ex.state):
                return
            task_handler.force_fail(step, wf_ex, specs.workflow_spec(wf_ex),
                                    task_ex, error)
    except Exception:  # noqa: BLE001 - nothing more can be done here
        LOG.exception("Could not fail the execution after an engine error")


def completed_children_of_running_tasks(session) -> list:
    """Recovery: sub-workflows that finished while their parent task still
    runs (the report to the parent was lost)."""
    child = models.WorkflowExecution
    task = models.TaskExecution
    stmt = sa.select(child.id).join(
        task, task.id == child.task_execution_id).where(
        task.state == states.RUNNING,
        child.state.in_((states.SUCCESS, states.ERROR, states.CANCELLED)),
        task.type == "WORKFLOW")
    return list(session.execute(stmt).scalars())


__all__ = ["EngineEndpoint", "completed_children_of_running_tasks"]
