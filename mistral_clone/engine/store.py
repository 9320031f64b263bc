"""The conductor's store over the database: one engine step's reads (through
``queries``), writes (rows queued by ``rows``, UPDATEs in the step's
session) and effects (messages to executors, parents and notifiers, sent by
the step after its commit).

``rehearsal.MemoryStore`` implements the same methods over plain objects.
"""

import datetime
import functools
import logging
from typing import Optional

import sqlalchemy as sa

from mistral_clone import actions as std_actions
from mistral_clone import context as mc_context
from mistral_clone import lang
from mistral_clone.actions import dynamic
from mistral_clone.actions import signature
from mistral_clone.config import CONF
from mistral_clone.db import models
from mistral_clone.engine import adhoc
from mistral_clone.engine import child_reports
from mistral_clone.engine import completion
from mistral_clone.engine import dataflow
from mistral_clone.engine import machines
from mistral_clone.engine import notify
from mistral_clone.engine import queries
from mistral_clone.engine import rows
from mistral_clone.engine import states
from mistral_clone.engine.provider import DbDataProvider
from mistral_clone.executor import endpoint as executor_endpoint
from mistral_clone.executor import liveness as executor_liveness
from mistral_clone.rpc import clients
from mistral_clone.rpc import results as rpc_results
from mistral_clone.rpc import serializer
from mistral_clone.rpc import transport
from mistral_clone import scheduler

LOG = logging.getLogger(__name__)

Task = models.TaskExecution
Action = models.ActionExecution


def engine_options() -> dataflow.Options:
    return dataflow.Options(CONF.engine.merge_strategy,
                            CONF.context_versioning.enabled,
                            CONF.context_versioning.hash_version_keys)


def exec_context(action_ex, wf_ex=None, task_ex=None, index=0) -> dict:
    """What the executor hands to the action as its ActionContext (and
    the task's timeout, which the executor applies to the action)."""
    return {
        "workflow_execution_id": wf_ex.id if wf_ex else None,
        "task_execution_id": task_ex.id if task_ex else None,
        "action_execution_id": action_ex.id,
        "workflow_name": wf_ex.workflow_name if wf_ex else None,
        "callback_url": "/v2/action_executions/%s" % action_ex.id,
        "with_items_index": index,
        "timeout": (action_ex.runtime_context or {}).get("timeout"),
    }


# Instant, side-effect-free actions: what ``[executor] type = local`` runs
# in the engine itself when ``[engine] inline_actions`` is not set.
TRIVIAL_ACTIONS = ("std.noop", "std.echo", "std.fail")
_inline_names_cache = {}


def inline_action_names() -> frozenset:
    """Actions the engine runs in the step that starts them, instead of
    sending them to an executor: ``[engine] inline_actions``, else the
    trivial std actions when ``[executor] type = local``, else none."""
    names = CONF.engine.inline_actions
    if not names and CONF.executor.type == "local":
        names = TRIVIAL_ACTIONS
    key = tuple(names or ())
    cached = _inline_names_cache.get(key)
    if cached is None:
        cached = _inline_names_cache[key] = frozenset(key)
    return cached


class DbStore:
    """The store of one engine step (``step.Step``): its session, its
    security context, its after-commit queue."""

    def __init__(self, step, options: Optional[dataflow.Options] = None):
        self.step = step
        self.session = step.session
        self.ctx = step.ctx
        self.options = options or engine_options()
        self._providers = {}
        self._roots = {}
        # Ad-hoc and dynamic actions resolved in this step (every item of
        # a with-items task asks again).
        self._resolved = {}
        # Sub-workflow definitions found in this step (a parent starting
        # twenty children of one workflow looks it up once).
        self._definitions = {}
        # ``prefetch_completion``: workflow id -> facts / end tasks; a
        # sub-workflow's task id -> its parent's id.
        self._facts = {}
        self._ends = {}
        self._parents = {}
        self._considered = set()

    @property
    def project_id(self):
        return self.ctx.project_id

    def provider_for(self, wf_ex):
        """The expression functions' data, as the execution's project may
        see it."""
        project_id = wf_ex.project_id if wf_ex is not None else \
            self.project_id
        provider = self._providers.get(project_id)
        if provider is None:
            provider = self._providers[project_id] = DbDataProvider(
                self.session, project_id)
        return provider

    # -- notifications and environment --------------------------------------

    def notify(self, wf_ex, change: machines.Change) -> None:
        self.step.transitions.append(
            (change.kind, change.from_state, change.to_state))
        if change.kind == machines.TASK and self._considered:
            self.forget_prefetched(change.record.workflow_execution_id)
        if change.kind == machines.WORKFLOW:
            notify.workflow_event(self.step, change.record,
                                  change.from_state, change.to_state)
        elif change.kind == machines.TASK and wf_ex is not None:
            notify.task_event(self.step, wf_ex, change.record,
                              change.from_state, change.to_state)

    def env_of(self, wf_ex) -> dict:
        """The environment expressions see: the root execution's."""
        if wf_ex.root_execution_id:
            return self.env_of_root(wf_ex.root_execution_id)
        return (wf_ex.params or {}).get("env") or {}

    def env_of_root(self, root_id: str) -> dict:
        env = self._roots.get(root_id)
        if env is None:
            root = queries.workflow(self.session, root_id)
            env = ((root.params or {}).get("env") or {}) if root else {}
            self._roots[root_id] = env
        return env

    def resolve_env(self, params: dict) -> dict:
        return dataflow.resolve_env(params, self._environment)

    def _environment(self, name: str):
        row = queries.environment(self.session, self.ctx, name)
        return None if row is None else (row.variables or {})

    def openstack_context(self) -> dict:
        """Mistral adds the caller's context (token and catalog masked)
        when authentication is on."""
        if not CONF.pecan.auth_enable or self.ctx is None:
            return {}
        data = self.ctx.to_dict()
        for key in ("auth_token", "service_catalog"):
            if key in data:
                data[key] = "***"
        return {"openstack": data}

    def now(self):
        return models.utcnow()

    def cut(self, msg, output_on_error) -> object:
        return completion.output_message(
            msg, output_on_error, CONF.engine.execution_field_size_limit_kb)

    # -- new rows -----------------------------------------------------------

    def add_workflow(self, wf_ex) -> None:
        # Queued like tasks: twenty sub-workflows started in one step go
        # out as one INSERT, not one flush each before its first task.
        rows.insert(self.session, wf_ex)

    def add_task(self, task_ex) -> None:
        if self._considered:
            self.forget_prefetched(task_ex.workflow_execution_id)
        rows.insert(self.session, task_ex)
        self.step.new_tasks.append(task_ex)

    def add_action(self, action_ex) -> None:
        now = self.now()
        action_ex.last_heartbeat = first_heartbeat_deadline(now)
        started_here(action_ex, now)
        rows.insert(self.session, action_ex)

    # -- facts ----------------------------------------------------------------

    def task_by_unique_key(self, wf_ex, key):
        return queries.task_by_unique_key(self.session, wf_ex.id, key)

    def task_names(self, task_ex_ids) -> set:
        return queries.task_names(self.session, task_ex_ids)

    def latest_task_facts(self, wf_ex, names) -> dict:
        return queries.latest_task_facts(self.session, wf_ex.id, names)

    def completed_tasks(self, wf_ex, names):
        return queries.completed_tasks(self.session, wf_ex.id, names)

    def succeeded_tasks(self, wf_ex, names):
        return queries.succeeded_tasks(self.session, wf_ex.id, names)

    def tasks_named(self, wf_ex, names):
        return queries.tasks_named(self.session, wf_ex.id, names)

    def task_name_states(self, wf_ex, names):
        return queries.task_name_states(self.session, wf_ex.id, names)

    def latest_tasks(self, wf_ex, names):
        """The latest execution of each of ``names`` that ran."""
        return queries.latest_tasks(self.session, wf_ex.id, names)

    def idle_tasks(self, wf_ex):
        return queries.tasks_in_state(self.session, wf_ex.id, states.IDLE)

    def unprocessed_completed_tasks(self, wf_ex):
        return queries.unprocessed_completed_tasks(self.session, wf_ex.id)

    def end_tasks(self, wf_ex):
        found = self._ends.pop(wf_ex.id, None)
        if found is not None:
            return found
        return queries.end_tasks(self.session, wf_ex.id)

    def completion_facts(self, wf_ex, reverse_rules: bool):
        if self._has_incomplete_task_in_step(wf_ex.id):
            return completion.CompletionFacts(1, [], 0)
        found = self._facts.pop(wf_ex.id, None)
        if found is not None:
            return found
        return queries.completion_facts(self.session, wf_ex.id,
                                        reverse_rules)

    # Completion checks of many workflows (the children of a parent that
    # end in one batch, the one-task executions of a burst) are read in
    # one query each for all of them, not two queries per workflow.

    def prefetch_completion(self, wf_exs: list, reverse_rules) -> None:
        """Read what the completion checks of ``wf_exs`` (about to be
        checked one after the other; ``reverse_rules(wf_ex)`` tells their
        rule) need: their completion facts, and the end tasks and parent
        of those with nothing left to run. Kept until used or until a task
        of that workflow changes (``notify``, ``add_task``), and at most
        until the conductor's drain ends (``forget_prefetched``)."""
        new = [wf_ex for wf_ex in wf_exs if wf_ex.id not in self._considered]
        if len(new) < 2:
            return
        self._considered.update(wf_ex.id for wf_ex in new)
        busy = self._with_incomplete_tasks_in_step()
        wanted = {wf_ex.id: reverse_rules(wf_ex) for wf_ex in new
                  if wf_ex.id not in busy}
        if len(wanted) < 2:
            return
        facts = queries.completion_facts_of(self.session, wanted)
        self._facts.update(facts)
        ending = [wf_ex_id for wf_ex_id, f in facts.items()
                  if not f.incomplete]
        if ending:
            self._ends.update(queries.end_tasks_of(self.session, ending))
        parent_tasks = [wf_ex.task_execution_id for wf_ex in new
                        if wf_ex.id in ending and wf_ex.task_execution_id
                        and wf_ex.task_execution_id not in self._parents]
        if parent_tasks:
            self._parents.update(
                queries.parent_workflow_ids(self.session, parent_tasks))

    def forget_prefetched(self, wf_ex_id: Optional[str] = None) -> None:
        """Drop what ``prefetch_completion`` read, of one workflow (one of
        its tasks changed) or of all."""
        if wf_ex_id is None:
            self._facts.clear()
            self._ends.clear()
            self._considered.clear()
        else:
            self._facts.pop(wf_ex_id, None)
            self._ends.pop(wf_ex_id, None)
            self._considered.discard(wf_ex_id)

    def _has_incomplete_task_in_step(self, wf_ex_id: str) -> bool:
        """A task this step created and did not finish answers "not
        complete" without a query."""
        return wf_ex_id in self._with_incomplete_tasks_in_step()

    def _with_incomplete_tasks_in_step(self) -> set:
        """The workflows of the tasks this step created and did not
        finish."""
        return {t.workflow_execution_id for t in self.step.new_tasks
                if t.state in states.INCOMPLETE}

    def failed_tasks(self, wf_ex, wf_spec):
        return queries.failed_tasks(self.session, wf_ex.id, wf_spec,
                                    wf_spec.type == lang.REVERSE)

    def children(self, wf_ex, only_states) -> list:
        """Sub-workflow executions of ``wf_ex`` in ``only_states``,
        locked."""
        ids = queries.child_execution_ids(self.session, wf_ex.id,
                                          only_states)
        return [queries.lock_workflow(self.session, i) for i in ids]

    def parent_of(self, wf_ex):
        """(parent workflow execution locked, parent task) or None."""
        if not wf_ex.task_execution_id:
            return None
        task_ex = queries.task(self.session, wf_ex.task_execution_id)
        if task_ex is None:
            return None
        parent = queries.lock_workflow(self.session,
                                       task_ex.workflow_execution_id)
        self.session.refresh(task_ex)
        return parent, task_ex

    def paused_children(self, task_ex) -> int:
        self.session.flush()
        return queries.paused_children(self.session, task_ex.id)

    def paused_tasks(self, wf_ex) -> int:
        self.session.flush()
        return queries.count_tasks(self.session, wf_ex.id,
                                   Task.state == states.PAUSED)

    def task_of(self, action_ex):
        if not action_ex.task_execution_id:
            return None
        return queries.task(self.session, action_ex.task_execution_id)

    def accepted_results(self, task_ex) -> list:
        return queries.accepted_results(self.session, task_ex)

    def failed_item_indexes(self, task_ex) -> list:
        return queries.failed_item_indexes(self.session, task_ex.id)

    def timer_due(self, task_ex, target: str) -> bool:
        return queries.due_timer_count(self.session, task_ex.id,
                                       target) > 0

    # -- definitions and actions ---------------------------------------------

    def find_workflow_definition(self, name, namespace, wb_name,
                                 project_id):
        """A sub-workflow's definition as the parent execution's project
        sees it, whoever runs the step (an admin resuming another
        project's execution, a service's own context): never another
        project's private workflow of that name."""
        key = (name, namespace, wb_name, project_id)
        found = self._definitions.get(key)
        if found is None:
            found = self._definitions[key] = queries.workflow_definition(
                self.session,
                mc_context.RequestContext(project_id=project_id), name,
                namespace, wb_name)
        return found

    def resolve_action(self, name, namespace, wb_name, project_id,
                       cached: bool = True):
        if not cached:
            return adhoc.resolve(self.session, name, namespace, wb_name,
                                 project_id)
        key = (name, namespace, wb_name, project_id)
        resolved = self._resolved.get(key)
        if resolved is None:
            resolved = adhoc.resolve_cached(self.session, name, namespace,
                                            wb_name, project_id)
            self._resolved[key] = resolved
        return resolved

    def check_action_input(self, python_name: str, base_input: dict):
        signature.check_input(std_actions.get_action_class(python_name),
                              base_input)

    # -- with-items values ---------------------------------------------------

    def store_item_values(self, task_ex, values, first: int,
                          count: int) -> None:
        """Keep the items from ``first`` on (held back by concurrency) in
        their own rows, replacing those of an earlier run of the task."""
        model = models.WithItemsValue
        self.session.execute(sa.delete(model).where(
            model.task_execution_id == task_ex.id))
        if first >= count:
            return
        self.session.execute(sa.insert(model), [
            {"task_execution_id": task_ex.id, "item_index": i,
             "value": {var: items[i] for var, items in values.items()}}
            for i in range(first, count)])

    def store_failed_item_values(self, task_ex, indexes, values) -> None:
        model = models.WithItemsValue
        self.session.execute(sa.delete(model).where(
            model.task_execution_id == task_ex.id))
        self.session.execute(sa.insert(model), [
            {"task_execution_id": task_ex.id, "item_index": i,
             "value": {var: items[i] for var, items in values.items()}}
            for i in indexes])

    def item_values(self, task_ex, indexes) -> dict:
        return queries.item_values(self.session, task_ex.id, indexes)

    def delete_item_values(self, task_ex) -> None:
        model = models.WithItemsValue
        self.session.execute(sa.delete(model).where(
            model.task_execution_id == task_ex.id))

    # -- results of a task's children ----------------------------------------

    def invalidate_results(self, task_ex) -> None:
        """A retry: the results of the finished iteration no longer count;
        an action still running (its task timed out) is cancelled so that
        its late result cannot complete the next iteration."""
        self.cancel_running_actions(task_ex)
        # Each run's updated_at stays when it ended (Mistral 23), an
        # action's as a sub-workflow's: without naming it, onupdate would
        # move every earlier run's to now.
        self.session.execute(
            sa.update(Action).where(Action.task_execution_id == task_ex.id)
            .values(accepted=False, updated_at=Action.updated_at))
        child = models.WorkflowExecution
        self.session.execute(
            sa.update(child).where(child.task_execution_id == task_ex.id)
            .values(accepted=False, updated_at=child.updated_at))

    def cancel_running_actions(self, task_ex) -> None:
        machines.bulk_fire(self.session, Action, machines.CANCEL,
                           Action.task_execution_id == task_ex.id)

    def drop_outputs(self, task_ex) -> None:
        """``keep-result: false``: the results are not kept once
        published."""
        self.session.execute(
            sa.update(Action).where(Action.task_execution_id == task_ex.id)
            .values(output={}))

    def unaccept_results(self, task_ex, failed_only: bool) -> None:
        """Before a rerun: the old results (or the failed ones) no longer
        count."""
        stmt = sa.update(Action).where(Action.task_execution_id == task_ex.id)
        if failed_only:
            stmt = stmt.where(Action.state == states.ERROR)
        self.session.execute(stmt.values(accepted=False))

    # -- timers ---------------------------------------------------------------

    def schedule_timer(self, target: str, delay, task_ex, args: dict):
        ctx = self.ctx.to_wire() if hasattr(self.ctx, "to_wire") else None
        scheduler.schedule_call(self.session, target, delay,
                                key=task_ex.id, task_ex_id=task_ex.id,
                                ctx=ctx, **(args or {}))

    # -- effects after the commit --------------------------------------------

    def report_to_parent(self, wf_ex) -> None:
        parent_id = self._parents.get(wf_ex.task_execution_id) or \
            queries.parent_workflow_id(self.session, wf_ex.task_execution_id)
        self.step.after_commit(child_reports.deliver, self.ctx, wf_ex.id,
                               parent_id)

    def child_changed(self, wf_ex) -> None:
        """A sub-workflow paused or resumed: its parent task follows, in a
        step of its own (the parent is locked there)."""
        if wf_ex.task_execution_id:
            self.step.after_commit(
                clients.get_engine_client().on_subworkflow_update,
                self.ctx, wf_ex.id, wf_ex.state)

    def dispatch_action(self, conductor, wf_ex, task_ex, action_ex,
                        python_name, base_input, target,
                        code=None) -> None:
        exec_ctx = dynamic.with_code(
            exec_context(action_ex, wf_ex, task_ex, action_ex.index), code)
        if self.step.runs_inline and not target and code is None and \
                python_name in inline_action_names():
            self.step.run_inline(_inline_job(
                self, conductor, wf_ex, task_ex, action_ex, python_name,
                base_input, exec_ctx))
        else:
            send(self.step, action_ex.id, python_name, base_input, exec_ctx,
                 target)


def _inline_job(store, conductor, wf_ex, task_ex, action_ex, python_name,
                base_input, exec_ctx):
    """Run the action in this step and take its result as an executor's
    (``run_here``), or hand it over after the commit after all."""
    def job(run_here: bool) -> None:
        if not run_here:
            _overflow(store.step, wf_ex.id, action_ex.id, python_name,
                      base_input, exec_ctx)
            return
        if states.is_completed(action_ex.state) or action_ex.accepted:
            return
        result = executor_endpoint.run(store.ctx, action_ex.id, python_name,
                                       base_input, exec_ctx)
        conductor.on_action_result(wf_ex, task_ex, action_ex, result)
    return job


def _overflow(step, wf_ex_id, action_ex_id, python_name, base_input,
              exec_ctx) -> None:
    """An inline action past the step's limit: after the commit it runs in
    this process all the same, in the background, and its result joins this
    process's engine queue (batches of one execution's results, each batch
    one transaction); with no engine in this process it goes to an
    executor. A crash before its result is stored leaves it RUNNING, as an
    executor's crash would (the heartbeat checker takes it over)."""
    queue = rpc_results.local_engine_queue()
    if queue is None:
        send(step, action_ex_id, python_name, base_input, exec_ctx)
        return
    step.after_commit(executor_liveness.accepted, action_ex_id)
    pending = step.inline_overflow.setdefault(wf_ex_id, [])
    if not pending:
        step.after_commit(_run_overflow, queue, step.ctx, wf_ex_id, pending)
    pending.append((action_ex_id, python_name, base_input, exec_ctx))


def _run_overflow(queue, ctx, wf_ex_id, pending) -> None:
    queue.submit_later(wf_ex_id, lambda: [
        (ctx, action_ex_id,
         executor_endpoint.run(ctx, action_ex_id, name, base_input,
                               exec_ctx))
        for action_ex_id, name, base_input, exec_ctx in pending])


def send(step, action_ex_id, python_name, base_input, exec_ctx,
         target=None) -> None:
    """Send an action to an executor after the commit: to the executor of
    this process directly on ``fake:/``, else in messages of many."""
    local = executor_endpoint.local_executor() if not target else None
    if local is not None and transport.is_in_process():
        # The in-process executor: the same hand-over as an RPC cast on
        # ``fake:/`` (arguments copied as they would be on the wire),
        # without the message; the step's actions in one hand-over, as
        # in one message, so their results come back together.
        action = {"action_ex_id": action_ex_id, "action_name": python_name,
                  "action_input": base_input, "exec_ctx": exec_ctx}
        if not step.after_commit_batched(
                ("local_actions", id(local)),
                functools.partial(_hand_over, local, step.ctx), action):
            step.after_commit(_hand_over, local, step.ctx, [action])
        return
    step.after_commit_grouped(
        ("run_actions", target), functools.partial(_send_many, step.ctx,
                                                   target),
        {"action_ex_id": action_ex_id, "action_name": python_name,
         "action_input": base_input, "exec_ctx": exec_ctx,
         "target": target})


def _hand_over(local, ctx, actions: list) -> None:
    """To the executor of this process, after the commit, copied as a
    message would copy them."""
    local.run_actions(ctx, [
        dict(action, action_input=serializer.from_primitive(
            serializer.to_primitive(action["action_input"])),
            exec_ctx=dict(action["exec_ctx"]))
        for action in actions])


def _send_many(ctx, target, actions: list) -> None:
    clients.get_executor_client(target).run_actions(ctx, actions)


def started_here(action_ex, now) -> bool:
    """On fake:/ an action runs in this process: its member is named at
    once instead of by a later beat, and that is its first heartbeat too
    (``last_heartbeat`` and ``updated_at``, see ``members._name_member``).
    False elsewhere (the executor's beat does it)."""
    if not transport.is_in_process():
        return False
    action_ex.member_id = executor_liveness.member_id()
    action_ex.last_heartbeat = action_ex.updated_at = now
    return True


def first_heartbeat_deadline(now):
    """Mistral's ``last_heartbeat`` of an action execution no executor
    started yet: its creation plus ``[action_heartbeat]
    first_heartbeat_timeout``, the grace before its first heartbeat."""
    return now + datetime.timedelta(
        seconds=CONF.action_heartbeat.first_heartbeat_timeout)


def row_dict(row) -> dict:
    """Every column of a row, deferred ones included (in its session)."""
    return {c.key: getattr(row, c.key)
            for c in sa.inspect(type(row)).column_attrs}

