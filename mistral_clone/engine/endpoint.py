"""The engine's RPC endpoint: each method is one engine step (or two for a
synchronous stand-alone action, which waits for the executor between
them): lock what the step changes, hand it to a ``Conductor`` over the
step's ``DbStore``, commit, then send what the step decided to send."""

import functools
import logging

import oslo_messaging as messaging
import sqlalchemy.exc as sa_exc

from mistral_clone import context as mc_context
from mistral_clone import exceptions as exc
from mistral_clone import work_counts
from mistral_clone.config import CONF
from mistral_clone.db import retry
from mistral_clone.db import session as db_session
from mistral_clone.engine import accepting
from mistral_clone.engine import aside as aside_mod
from mistral_clone.engine import child_reports
from mistral_clone.engine import completion
from mistral_clone.engine import conductor as conductor_mod
from mistral_clone.engine import heartbeats
from mistral_clone.engine import machines
from mistral_clone.engine import provider
from mistral_clone.engine import queries
from mistral_clone.engine import standalone
from mistral_clone.engine import start_lane
from mistral_clone.engine import states
from mistral_clone.engine import step as step_mod
from mistral_clone.engine import store as store_mod
from mistral_clone.engine import timers  # noqa: F401 - registers targets
from mistral_clone.expressions import limits
from mistral_clone.metrics import engine as engine_metrics
from mistral_clone.rpc import results as rpc_results

LOG = logging.getLogger(__name__)

_expected = messaging.expected_exceptions(exc.MistralError)

row_dict = store_mod.row_dict


_wf_ex_dict = accepting.execution_dict
_callers_execution = accepting.callers_execution
_as_accepted = accepting.as_accepted


def _task_ex(session, task_ex_id):
    task_ex = queries.task(session, task_ex_id)
    if task_ex is None:
        raise exc.NotFoundError("Task execution not found [id=%s]"
                                % task_ex_id)
    return task_ex


def _conductor(step) -> conductor_mod.Conductor:
    return conductor_mod.Conductor(store_mod.DbStore(step))


def _locked_started(step, wf_ex_id):
    """(the workflow execution, locked, its start run if it waited for
    one; the step's conductor)."""
    wf_ex = queries.lock_workflow(step.session, wf_ex_id)
    conductor = _conductor(step)
    accepting.start_first(step, conductor, wf_ex)
    return wf_ex, conductor


def _locked_action(session, action_ex_id):
    """(action execution, its task or None, its workflow execution or
    None), with the workflow execution locked and both rows re-read
    under that lock."""
    action_ex = queries.action(session, action_ex_id)
    if action_ex is None:
        raise exc.NotFoundError(
            "ActionExecution not found [id=%s]" % action_ex_id)
    wf_ex = task_ex = None
    if action_ex.task_execution_id:
        task_ex = _task_ex(session, action_ex.task_execution_id)
        wf_ex = queries.lock_workflow(session, task_ex.workflow_execution_id)
        session.refresh(action_ex)
        session.refresh(task_ex)
    return action_ex, task_ex, wf_ex


def _locked_task(session, task_ex_id):
    task_ex = _task_ex(session, task_ex_id)
    wf_ex = queries.lock_workflow(session, task_ex.workflow_execution_id)
    session.refresh(task_ex)
    return wf_ex, task_ex


def _in_steps(fn):
    """An RPC method running engine steps: run again after a transient
    database error or an expression too slow for a transaction
    (``step.call``)."""
    @functools.wraps(fn)
    def in_steps(self, ctx, *args, **kwargs):
        return step_mod.call(ctx, fn, self, ctx, *args, **kwargs)
    return in_steps


# Threads evaluating, outside their steps, the slow expressions of result
# batches (each up to [expressions] evaluation_timeout).
ASIDE_WORKERS = 4


def _first_ctx(batches: dict):
    return next(iter(batches.values()))[0][0]


def _drainers(configured: int) -> int:
    """Threads absorbing results: SQLite has one writer per database, so
    more than one would only wait for it, each with a smaller batch."""
    return 1 if db_session.has_single_writer() else configured


def _absorb(conductor, wf_ex, items, pairs: dict, children: dict) -> tuple:
    """Store the results ``items`` of ``wf_ex``'s actions (locked) and of
    its sub-workflows, and move its tasks on; returns the items that are
    not its own, and how many action results were new (not of an action
    already completed: a result sent again)."""
    leftovers = []
    new = 0
    for item in items:
        if isinstance(item, child_reports.ChildEnded):
            child, task_ex = children.get(item.child_id, (None, None))
            if task_ex is None or \
                    task_ex.workflow_execution_id != wf_ex.id:
                leftovers.append(item)
            else:
                _take_child(conductor, wf_ex, task_ex, child)
            continue
        action_ex, task_ex = pairs.get(item[1], (None, None))
        if task_ex is None or task_ex.workflow_execution_id != wf_ex.id:
            leftovers.append(item)
            continue
        if not (states.is_completed(action_ex.state) or action_ex.accepted):
            new += 1
        conductor.on_action_result(wf_ex, task_ex, action_ex, item[2])
    return leftovers, new


def _take_child(conductor, wf_ex, task_ex, child) -> None:
    """The end of sub-workflow ``child`` reaches its parent task (its
    workflow execution locked): the first report counts, any later one
    (sent again by recovery) finds the mark."""
    if not states.is_completed(child.state):
        return
    runtime = child.runtime_context or {}
    if runtime.get(provider.REPORTED_TO_PARENT):
        return
    child.runtime_context = dict(runtime,
                                 **{provider.REPORTED_TO_PARENT: True})
    conductor.on_subworkflow_done(wf_ex, task_ex, child)


def _split(items) -> tuple:
    """(action execution ids, sub-workflow execution ids) of queue
    items."""
    actions, children = set(), set()
    for item in items:
        if isinstance(item, child_reports.ChildEnded):
            children.add(item.child_id)
        else:
            actions.add(item[1])
    return actions, children


class EngineEndpoint:
    target = messaging.Target(version="1.0")

    def __init__(self):
        # Executors' results, absorbed in batches per workflow execution.
        self.completions = rpc_results.CompletionQueue(
            self._complete_batches,
            workers=_drainers(CONF.engine.result_workers))
        rpc_results.set_local_engine_queue(self.completions)
        # Batches waiting for a slow expression, off the drainers.
        self.aside = aside_mod.Aside(ASIDE_WORKERS)
        # Starts of accepted executions, off the RPC threads.
        self.starts = start_lane.StartLane(
            accepting.start_many,
            workers=_drainers(CONF.engine.start_workers),
            batch=accepting.START_BATCH,
            yield_to=self.completions.has_pending)
        start_lane.set_local(self.starts)

    # -- workflows ---------------------------------------------------------

    @_expected
    def start_workflow(self, ctx, wf_identifier, wf_namespace="",
                       wf_ex_id=None, wf_input=None, description="",
                       params=None):
        """Idempotent by ``wf_ex_id``: the execution of an id that exists
        is returned as it is, also when another start of the same id (a
        client's retry, the API's re-send) commits it meanwhile."""
        try:
            return self._start_workflow(ctx, wf_identifier, wf_namespace,
                                        wf_ex_id, wf_input, description,
                                        params)
        except sa_exc.IntegrityError:
            if not wf_ex_id:
                raise
            existing = self._existing_workflow(ctx, wf_ex_id)
            if existing is None:
                raise
            return existing

    @_in_steps
    def _existing_workflow(self, ctx, wf_ex_id):
        with step_mod.step(ctx) as step:
            wf_ex = _callers_execution(step.session, ctx, wf_ex_id)
            return None if wf_ex is None else _wf_ex_dict(step.session, wf_ex)

    @_in_steps
    def _start_workflow(self, ctx, wf_identifier, wf_namespace, wf_ex_id,
                        wf_input, description, params):
        with step_mod.step(ctx) as step:
            if wf_ex_id:
                existing = _callers_execution(step.session, ctx, wf_ex_id)
                if existing is not None:
                    return _wf_ex_dict(step.session, existing)
            wf_def = queries.workflow_definition(
                step.session, ctx, wf_identifier, wf_namespace)
            wf_ex = _conductor(step).start_workflow(
                wf_def, wf_input or {}, description, params or {}, wf_ex_id)
            return _as_accepted(_wf_ex_dict(step.session, wf_ex))

    def start_accepted(self, ctx, wf_ex_id):
        """Run the first tasks of an execution the API accepted (a hint:
        ``accepting``), in the engine's start lane."""
        self.starts.offer([(ctx, wf_ex_id)])

    def start_accepted_many(self, ctx, starts):
        """``start_accepted`` for many executions: ``starts`` is a list of
        ``[execution id, its caller's context on the wire]``
        (``start_hints``)."""
        self.starts.offer(accepting.hinted_starts(ctx, starts))

    @_expected
    @_in_steps
    def pause_workflow(self, ctx, wf_ex_id):
        with step_mod.step(ctx) as step:
            wf_ex, conductor = _locked_started(step, wf_ex_id)
            if wf_ex.state != states.PAUSED:
                if wf_ex.state != states.RUNNING:
                    raise exc.WorkflowError(
                        completion.bad_transition(wf_ex, states.PAUSED))
                conductor.pause(wf_ex)
            return _wf_ex_dict(step.session, wf_ex)

    @_expected
    @_in_steps
    def resume_workflow(self, ctx, wf_ex_id, env=None):
        with step_mod.step(ctx) as step:
            wf_ex, conductor = _locked_started(step, wf_ex_id)
            # Mistral 23: resuming a workflow that is not paused is a
            # silent no-op.
            if wf_ex.state == states.PAUSED:
                conductor.resume(wf_ex, env)
            return _wf_ex_dict(step.session, wf_ex)

    @_expected
    @_in_steps
    def stop_workflow(self, ctx, wf_ex_id, state, message=None):
        with step_mod.step(ctx) as step:
            wf_ex, conductor = _locked_started(step, wf_ex_id)
            # Mistral 23: cancelling a finished workflow and failing a
            # paused or finished one are silent no-ops; only SUCCESS
            # checks the transition.
            if not _silent_stop(wf_ex, state):
                if not states.is_valid_transition(wf_ex.state, state):
                    raise exc.WorkflowError(
                        completion.bad_transition(wf_ex, state))
                conductor.stop(wf_ex, state, message)
            return _wf_ex_dict(step.session, wf_ex)

    @_expected
    @_in_steps
    def continue_workflow(self, ctx, wf_ex_id):
        with step_mod.step(ctx) as step:
            wf_ex, conductor = _locked_started(step, wf_ex_id)
            if wf_ex.state == states.RUNNING:
                conductor.check_completion(wf_ex)

    # -- tasks -------------------------------------------------------------

    @_expected
    @_in_steps
    def rerun_workflow(self, ctx, task_ex_id, reset=True, env=None):
        with step_mod.step(ctx) as step:
            wf_ex, task_ex = _locked_task(step.session, task_ex_id)
            if wf_ex.state not in (states.ERROR, states.PAUSED,
                                   states.CANCELLED):
                raise exc.WorkflowError(
                    "Workflow execution must be in ERROR, PAUSED or "
                    "CANCELLED state to rerun [id=%s, state=%s]"
                    % (wf_ex.id, wf_ex.state))
            if task_ex.state != states.ERROR:
                raise exc.WorkflowError(
                    "Invalid task state for rerun [task_ex_id=%s, state=%s]"
                    % (task_ex.id, task_ex.state))
            _conductor(step).rerun_task(wf_ex, task_ex, reset, env)
            return _wf_ex_dict(step.session, wf_ex)

    @_expected
    @_in_steps
    def skip_task(self, ctx, task_ex_id):
        with step_mod.step(ctx) as step:
            wf_ex, task_ex = _locked_task(step.session, task_ex_id)
            if task_ex.state != states.ERROR:
                raise exc.WorkflowError(
                    "Only task in ERROR state can be skipped [task_ex_id=%s, "
                    "state=%s]" % (task_ex.id, task_ex.state))
            _conductor(step).skip_task(wf_ex, task_ex)
            step.session.flush()
            return row_dict(task_ex)

    # -- actions -----------------------------------------------------------

    @_expected
    def on_action_complete(self, ctx, action_ex_id, result, wf_action=False):
        """A result delivered through the API (or a sub-workflow's, with
        ``wf_action``)."""
        if wf_action:
            self._report_child_now(ctx, action_ex_id)
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
        self.completions.submit_groups_async(by_wf_ex)

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
        except limits.OutOfTime:
            # Whose expression it was is not known: each execution on its
            # own, and the slow one's results aside.
            for wf_ex_id, items in batches.items():
                self._complete_batch(wf_ex_id, items)
            return
        except Exception:  # noqa: BLE001 - handled one by one below
            LOG.warning("A batch of results of %d workflow executions "
                        "failed; handling them execution by execution",
                        len(batches), exc_info=True)
            for wf_ex_id, items in batches.items():
                self._complete_batch(wf_ex_id, items)
            return
        self._complete_one_by_one(leftovers)

    def _complete_batch(self, wf_ex_id, items, slow=None) -> None:
        """Results of one workflow execution's actions in one step; when
        that step fails for a reason other than a busy database, each
        result is handled again on its own. When it needs an expression
        evaluated outside its transaction (``slow``), that and the rest
        are done aside, on a thread of their own (see ``engine.aside``)."""
        ctx = items[0][0]
        try:
            if slow is None:
                leftovers = retry.call(self._complete_batch_step,
                                       {wf_ex_id: items})
            else:
                step_mod.move_out(ctx, slow)
                leftovers = step_mod.call(ctx, self._complete_batch_step,
                                          {wf_ex_id: items})
        except limits.OutOfTime as moved:
            self.aside.submit(self._complete_batch, wf_ex_id, items, moved)
            return
        except Exception:  # noqa: BLE001 - handled one by one below
            LOG.warning("A batch of %d result(s) of workflow execution %s "
                        "failed; handling them one by one", len(items),
                        wf_ex_id, exc_info=True)
            leftovers = items
        self._complete_one_by_one(leftovers)

    def _complete_one_by_one(self, items) -> None:
        for item in items:
            if isinstance(item, child_reports.ChildEnded):
                try:
                    self._report_child_now(item.ctx, item.child_id)
                except exc.MistralError as e:
                    LOG.warning("End of sub-workflow %s not taken: %s",
                                item.child_id, e)
                continue
            ctx, action_ex_id, result = item
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
        new = 0
        with step_mod.step(_first_ctx(batches)) as step:
            session = step.session
            executions = queries.lock_workflows(session, batches)
            action_ids, child_ids = _split(
                item for items in batches.values() for item in items)
            pairs = queries.actions_with_tasks(session, action_ids) \
                if action_ids else {}
            children = queries.children_with_tasks(session, child_ids) \
                if child_ids else {}
            with _conductor(step).batch() as conductor:
                for wf_ex_id, items in batches.items():
                    wf_ex = executions.get(wf_ex_id)
                    if wf_ex is None:
                        leftovers.extend(items)
                        continue
                    not_its_own, taken = _absorb(conductor, wf_ex, items,
                                                 pairs, children)
                    leftovers.extend(not_its_own)
                    new += taken
            session.flush()
        work_counts.add("results", new)
        engine_metrics.observe_result_batch(
            sum(len(items) for items in batches.values()) - len(leftovers))
        return leftovers

    def _complete_action(self, ctx, action_ex_id, result, internal):
        try:
            return step_mod.call(ctx, self._complete_action_step, ctx,
                                 action_ex_id, result, internal)
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
            if not internal:
                # A result put through the API is final even for an
                # asynchronous action.
                result = dict(result, sync=True)
            _conductor(step).on_action_result(wf_ex, task_ex, action_ex,
                                              result)
            session.flush()
            answer = row_dict(action_ex)
        work_counts.add("results")
        return answer

    @_expected
    def report_subworkflow_result(self, ctx, wf_ex_id,
                                  parent_wf_ex_id=None):
        """Sub-workflow ``wf_ex_id`` ended: its report joins its parent's
        next batch (``child_reports``)."""
        if not parent_wf_ex_id:
            with db_session.read_only() as session:
                child = queries.workflow(session, wf_ex_id)
                if child is None or not child.task_execution_id:
                    return
                parent_wf_ex_id = queries.parent_workflow_id(
                    session, child.task_execution_id)
            if not parent_wf_ex_id:
                return
        self.completions.submit_async(
            parent_wf_ex_id, child_reports.ChildEnded(ctx, wf_ex_id))

    def _report_child_now(self, ctx, wf_ex_id):
        """A sub-workflow's end in a step of its own."""
        try:
            step_mod.call(ctx, self._subworkflow_result_step, ctx, wf_ex_id)
        except exc.MistralError:
            raise
        except Exception as e:  # noqa: BLE001 - never leave it RUNNING
            LOG.exception("Failed to handle the end of sub-workflow %s",
                          wf_ex_id)
            _fail_broken(ctx, e, child_wf_ex_id=wf_ex_id)

    def _subworkflow_result_step(self, ctx, wf_ex_id):
        with step_mod.step(ctx) as step:
            session = step.session
            child = queries.workflow(session, wf_ex_id)
            if child is None or not child.task_execution_id or \
                    not states.is_completed(child.state):
                return
            wf_ex, task_ex = _locked_task(session, child.task_execution_id)
            session.refresh(child)
            _take_child(_conductor(step), wf_ex, task_ex, child)

    @_expected
    @_in_steps
    def on_action_update(self, ctx, action_ex_id, state):
        """``PUT /v2/action_executions/{id}`` with PAUSED or RUNNING."""
        with step_mod.step(ctx) as step:
            session = step.session
            action_ex, task_ex, wf_ex = _locked_action(session,
                                                       action_ex_id)
            check_action_update(action_ex, state)
            conductor = _conductor(step)
            if state != action_ex.state:
                conductor.set_action_state(
                    wf_ex, action_ex, machines.PAUSE if state == states.PAUSED
                    else machines.RESUME)
            if task_ex is not None:
                session.flush()
                conductor.on_child_update(wf_ex, task_ex, state)
            session.flush()
            return row_dict(action_ex)

    @_expected
    @_in_steps
    def on_subworkflow_update(self, ctx, wf_ex_id, state=None):
        """The sub-workflow was ``state`` (PAUSED or RUNNING) when it sent
        this; it may have gone on since (its result follows)."""
        with step_mod.step(ctx) as step:
            session = step.session
            child = queries.workflow(session, wf_ex_id)
            if child is None or not child.task_execution_id:
                return
            wf_ex, task_ex = _locked_task(session, child.task_execution_id)
            session.refresh(child)
            state = state or child.state
            if state in UPDATE_STATES:
                _conductor(step).on_child_update(wf_ex, task_ex, state)

    def process_action_heartbeats(self, ctx, action_ex_ids):
        """An executor still runs these action executions (one UPDATE)."""
        try:
            retry.call(heartbeats.store, action_ex_ids)
        except Exception:  # noqa: BLE001 - the next heartbeat may pass
            LOG.exception("Cannot store %d action heartbeat(s)",
                          len(action_ex_ids or ()))

    def still_running_actions(self, ctx, action_ex_ids):
        """Which of these are still RUNNING: an executor holds on to the
        results it sent until their action executions are no longer
        RUNNING (it sends the others again: this engine may have died
        with them in its queue)."""
        with db_session.read_only() as session:
            return queries.still_running_actions(session, action_ex_ids)

    @_expected
    def start_action(self, ctx, action_name, action_input,
                     description=None, namespace="", params=None,
                     action_ex_id=None, run_now=True):
        return standalone.start_action(ctx, action_name, action_input,
                                       description, namespace,
                                       params or {}, action_ex_id, run_now)


# Changes a child reports to its task (other states finish the task).
UPDATE_STATES = (states.PAUSED, states.RUNNING)


def check_action_update(action_ex, state: str) -> None:
    """Mistral's checks before an action execution is set to ``state``."""
    if state == states.PAUSED and action_ex.is_sync:
        raise exc.WorkflowError(
            "Transition to the PAUSED state is only supported for "
            "asynchronous action execution.")
    if not states.is_valid_transition(action_ex.state, state):
        raise exc.WorkflowError(
            "Invalid state transition from %s to %s."
            % (action_ex.state, state))


def _silent_stop(wf_ex, state) -> bool:
    if state == states.CANCELLED and states.is_completed(wf_ex.state):
        return True
    if state == states.ERROR and states.is_paused_or_completed(wf_ex.state):
        return True
    return state == states.SUCCESS and wf_ex.state == states.SUCCESS


def _fail_broken(ctx, error, action_ex_id=None, child_wf_ex_id=None):
    """The safety net: a step that crashed on something unexpected (a
    lasting database error, a bug) was rolled back; fail its task and
    workflow in a new transaction so that no execution stays RUNNING
    forever. A database still unavailable after ``retry.call``'s patience
    is the infrastructure's fault, never the workflow's: nothing is failed
    for it (the action's heartbeats, or the parent's recovery, bring the
    work back once the database answers)."""
    if retry.is_transient(error):
        LOG.error("The database is still unavailable; the work of %s is "
                  "left for recovery, not failed",
                  action_ex_id or child_wf_ex_id)
        return
    try:
        with step_mod.step(ctx) as step:
            session = step.session
            conductor = _conductor(step)
            task_ex_id = None
            if action_ex_id:
                action_ex = queries.action(session, action_ex_id)
                if action_ex is None:
                    return
                task_ex_id = action_ex.task_execution_id
                if not states.is_completed(action_ex.state):
                    action_ex.output = {"result": str(error)}
                    action_ex.accepted = True
                    conductor.set_action_state(None, action_ex,
                                               machines.FAIL)
            if child_wf_ex_id:
                child = queries.workflow(session, child_wf_ex_id)
                task_ex_id = child.task_execution_id if child else None
            if not task_ex_id:
                return
            wf_ex, task_ex = _locked_task(session, task_ex_id)
            if states.is_completed(wf_ex.state):
                return
            conductor.force_fail(wf_ex, task_ex, error)
    except Exception:  # noqa: BLE001 - nothing more can be done here
        LOG.exception("Could not fail the execution after an engine error")


def completed_children_of_running_tasks(session) -> list:
    return queries.completed_children_of_running_tasks(session)


__all__ = ["EngineEndpoint", "completed_children_of_running_tasks"]
