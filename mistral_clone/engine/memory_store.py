"""The conductor's store over plain model objects held in memory: what a
rehearsal (``engine.rehearsal``) runs whole workflows on, with no database.
Every method means what the same method of ``store.DbStore`` means."""

import datetime
import itertools
from typing import Callable, Optional

from mistral_clone import actions as std_actions
from mistral_clone import exceptions as exc
from mistral_clone import lang
from mistral_clone.actions import signature
from mistral_clone.db import models
from mistral_clone.engine import adhoc
from mistral_clone.engine import completion
from mistral_clone.engine import dataflow
from mistral_clone.engine import direct
from mistral_clone.engine import machines
from mistral_clone.engine import provider as provider_mod
from mistral_clone.engine import states

PROJECT = "<rehearsal>"


class MemoryStore:
    """The conductor's store over objects in memory (see ``DbStore`` for
    what each method means)."""

    def __init__(self, options: Optional[dataflow.Options] = None,
                 clock: Optional[Callable[[], datetime.datetime]] = None,
                 project_id: str = PROJECT):
        self.options = options or dataflow.Options()
        self.project_id = project_id
        self.clock = clock or models.utcnow
        self.workflows = {}
        self.tasks = {}
        self.actions = {}
        self.definitions = {}         # (name, namespace) -> definition
        self.action_definitions = {}  # (name, namespace) -> definition
        self.environments = {}
        self.item_rows = {}           # (task id, index) -> {var: value}
        self.timers = []              # [due, seq, target, task id, args]
        self.sent = []                # (wf_ex, task_ex, action_ex, name,
        #                                input) sent to "executors"
        self.reports = []             # sub-workflows that ended
        self.updates = []             # sub-workflows paused / resumed
        self.notifications = []       # machines.Change
        self._seq = itertools.count()
        self.provider = MemoryProvider(self)

    # -- notifications and environment --------------------------------------

    def provider_for(self, wf_ex):
        return self.provider

    def notify(self, wf_ex, change) -> None:
        self.notifications.append(change)

    def env_of(self, wf_ex) -> dict:
        if wf_ex.root_execution_id:
            return self.env_of_root(wf_ex.root_execution_id)
        return (wf_ex.params or {}).get("env") or {}

    def env_of_root(self, root_id: str) -> dict:
        root = self.workflows.get(root_id)
        return ((root.params or {}).get("env") or {}) if root else {}

    def resolve_env(self, params: dict) -> dict:
        return dataflow.resolve_env(params, self.environments.get)

    def openstack_context(self) -> dict:
        return {}

    def now(self) -> datetime.datetime:
        return self.clock()

    def cut(self, msg, output_on_error):
        return completion.output_message(msg, output_on_error, 1024)

    # -- rows ----------------------------------------------------------------

    def _stamp(self, row) -> None:
        row.created_at = row.created_at or self.clock()
        row._rehearsal_seq = next(self._seq)

    def add_workflow(self, wf_ex) -> None:
        self._stamp(wf_ex)
        wf_ex.accepted = bool(wf_ex.accepted)
        self.workflows[wf_ex.id] = wf_ex

    def add_task(self, task_ex) -> None:
        self._stamp(task_ex)
        self.tasks[task_ex.id] = task_ex

    def add_action(self, action_ex) -> None:
        self._stamp(action_ex)
        action_ex.tags = action_ex.tags or []
        self.actions[action_ex.id] = action_ex

    # -- facts ------------------------------------------------------------------

    def _tasks_of(self, wf_ex, names=None, where=None) -> list:
        out = [t for t in self.tasks.values()
               if t.workflow_execution_id == wf_ex.id and
               (names is None or t.name in names) and
               (where is None or where(t))]
        return sorted(out, key=lambda t: t._rehearsal_seq)

    @staticmethod
    def _by_finish(rows) -> list:
        return sorted(rows, key=lambda t: (t.finished_at or
                                           datetime.datetime.max,
                                           t._rehearsal_seq))

    def task_by_unique_key(self, wf_ex, key):
        found = self._tasks_of(wf_ex, where=lambda t: t.unique_key == key)
        return found[-1] if found else None

    def task_names(self, task_ex_ids) -> set:
        return {self.tasks[i].name for i in task_ex_ids or ()
                if i in self.tasks}

    def latest_task_facts(self, wf_ex, names) -> dict:
        return {t.name: direct.InboundFact(t.id, t.state,
                                           [list(p) for p in
                                            t.next_tasks or ()])
                for t in self._tasks_of(wf_ex, set(names))}

    def completed_tasks(self, wf_ex, names):
        done = (states.SUCCESS, states.ERROR, states.CANCELLED)
        return self._by_finish(self._tasks_of(
            wf_ex, set(names), lambda t: t.state in done))

    def succeeded_tasks(self, wf_ex, names):
        return self._by_finish(self._tasks_of(
            wf_ex, set(names), lambda t: t.state == states.SUCCESS))

    def tasks_named(self, wf_ex, names):
        return self._tasks_of(wf_ex, set(names))

    def task_name_states(self, wf_ex, names):
        rows = self._tasks_of(wf_ex, set(names))
        return ({t.name for t in rows},
                {t.name for t in rows if t.state == states.SUCCESS})

    def latest_tasks(self, wf_ex, names):
        latest = {t.name: t for t in self._tasks_of(wf_ex, set(names))}
        return list(latest.values())

    def idle_tasks(self, wf_ex):
        return self._tasks_of(wf_ex, where=lambda t: t.state == states.IDLE)

    def unprocessed_completed_tasks(self, wf_ex):
        return self._tasks_of(wf_ex, where=lambda t: t.state in
                              states.COMPLETED and not t.processed)

    def end_tasks(self, wf_ex):
        return self._by_finish(self._tasks_of(
            wf_ex, where=lambda t: t.state in states.COMPLETED and
            not t.has_next_tasks))

    def prefetch_completion(self, wf_exs: list, reverse_rules) -> None:
        """Nothing to read ahead: every task is in memory."""

    def forget_prefetched(self, wf_ex_id=None) -> None:
        """Nothing was read ahead."""

    def completion_facts(self, wf_ex, reverse_rules: bool):
        rows = self._tasks_of(wf_ex)
        return completion.CompletionFacts(
            sum(1 for t in rows if t.state in states.INCOMPLETE),
            sorted(t.name for t in rows if t.state == states.CANCELLED),
            sum(1 for t in rows if t.state == states.ERROR and
                (reverse_rules or not t.error_handled)))

    def failed_tasks(self, wf_ex, wf_spec):
        reverse_rules = wf_spec.type == lang.REVERSE
        out = []
        rows = sorted(self._tasks_of(
            wf_ex, where=lambda t: t.state == states.ERROR),
            key=lambda t: (t.name, t._rehearsal_seq))
        for t in rows:
            spec = wf_spec.tasks.get(t.name)
            if not reverse_rules and spec is not None and \
                    direct.has_error_clause(spec):
                continue
            is_workflow = t.type == "WORKFLOW"
            children = self._children_of_task(t) if is_workflow \
                else self._actions_of(t)
            failed = completion.failed_task(t, children, is_workflow)
            out.append(failed)
        return out

    def _actions_of(self, task_ex) -> list:
        return sorted((a for a in self.actions.values()
                       if a.task_execution_id == task_ex.id),
                      key=lambda a: a._rehearsal_seq)

    def _children_of_task(self, task_ex) -> list:
        return sorted((w for w in self.workflows.values()
                       if w.task_execution_id == task_ex.id),
                      key=lambda w: w._rehearsal_seq)

    def children(self, wf_ex, only_states) -> list:
        out = []
        for task_ex in self._tasks_of(wf_ex,
                                      where=lambda t: t.type == "WORKFLOW"):
            out.extend(c for c in self._children_of_task(task_ex)
                       if not only_states or c.state in only_states)
        return sorted(out, key=lambda w: w._rehearsal_seq)

    def parent_of(self, wf_ex):
        task_ex = self.tasks.get(wf_ex.task_execution_id)
        if task_ex is None:
            return None
        return self.workflows[task_ex.workflow_execution_id], task_ex

    def paused_children(self, task_ex) -> int:
        return sum(1 for c in self._actions_of(task_ex) +
                   self._children_of_task(task_ex)
                   if c.state == states.PAUSED)

    def paused_tasks(self, wf_ex) -> int:
        return len(self._tasks_of(wf_ex,
                                  where=lambda t: t.state == states.PAUSED))

    def task_of(self, action_ex):
        return self.tasks.get(action_ex.task_execution_id)

    def accepted_results(self, task_ex) -> list:
        if task_ex.type == "WORKFLOW":
            rows = [w for w in self._children_of_task(task_ex)
                    if w.accepted]
            rows.sort(key=lambda w: ((w.runtime_context or {}).get(
                "index", 0), w._rehearsal_seq))
            return [w.output for w in rows]
        rows = [a for a in self._actions_of(task_ex) if a.accepted]
        rows.sort(key=lambda a: (a.index or 0, a._rehearsal_seq))
        return [(a.output or {}).get("result")
                if isinstance(a.output, dict) else None for a in rows]

    def failed_item_indexes(self, task_ex) -> list:
        return sorted({a.index for a in self._actions_of(task_ex)
                       if a.state == states.ERROR and not a.accepted})

    def timer_due(self, task_ex, target: str) -> bool:
        now = self.clock()
        return any(t[3] == task_ex.id and t[2] == target and t[0] <= now
                   for t in self.timers)

    # -- definitions and actions ---------------------------------------------

    def find_workflow_definition(self, name, namespace, wb_name,
                                 project_id=None):
        candidates = ([] if not wb_name else ["%s.%s" % (wb_name, name)])
        for candidate in candidates + [name]:
            for ns in dict.fromkeys([namespace or "", ""]):
                row = self.definitions.get((candidate, ns))
                if row is not None:
                    return row
        raise exc.NotFoundError(
            "Workflow not found [workflow_identifier=%s, namespace=%s]"
            % (name, namespace or ""))

    def _find_action_definition(self, name, namespace, project_id):
        for ns in dict.fromkeys([namespace or "", ""]):
            row = self.action_definitions.get((name, ns))
            if row is not None:
                return row
        return None

    def resolve_action(self, name, namespace, wb_name, project_id,
                       cached: bool = True):
        return adhoc.resolve(None, name, namespace, wb_name, project_id,
                             find=self._find_action_definition,
                             find_dynamic=lambda *_args: None)

    def check_action_input(self, python_name: str, base_input: dict):
        signature.check_input(std_actions.get_action_class(python_name),
                              base_input)

    # -- with-items values ---------------------------------------------------

    def store_item_values(self, task_ex, values, first, count) -> None:
        self.delete_item_values(task_ex)
        for i in range(first, count):
            self.item_rows[(task_ex.id, i)] = {
                var: items[i] for var, items in values.items()}

    def store_failed_item_values(self, task_ex, indexes, values) -> None:
        self.delete_item_values(task_ex)
        for i in indexes:
            self.item_rows[(task_ex.id, i)] = {
                var: items[i] for var, items in values.items()}

    def item_values(self, task_ex, indexes) -> dict:
        values = {}
        for i in indexes:
            for var, item in self.item_rows.get((task_ex.id, i),
                                                {}).items():
                values.setdefault(var, {})[i] = item
        return values

    def delete_item_values(self, task_ex) -> None:
        for key in [k for k in self.item_rows if k[0] == task_ex.id]:
            del self.item_rows[key]

    # -- results of a task's children ----------------------------------------

    def invalidate_results(self, task_ex) -> None:
        self.cancel_running_actions(task_ex)
        for child in self._actions_of(task_ex) + \
                self._children_of_task(task_ex):
            child.accepted = False

    def cancel_running_actions(self, task_ex) -> None:
        for action_ex in self._actions_of(task_ex):
            if machines.allows(machines.ACTION, action_ex.state,
                               machines.CANCEL) and \
                    action_ex.state == states.RUNNING:
                machines.fire(machines.ACTION, action_ex, machines.CANCEL,
                              now=self.clock())

    def drop_outputs(self, task_ex) -> None:
        for action_ex in self._actions_of(task_ex):
            action_ex.output = {}

    def unaccept_results(self, task_ex, failed_only: bool) -> None:
        for action_ex in self._actions_of(task_ex):
            if not failed_only or action_ex.state == states.ERROR:
                action_ex.accepted = False

    # -- timers and effects ----------------------------------------------------

    def schedule_timer(self, target: str, delay, task_ex, args: dict):
        due = self.clock() + datetime.timedelta(seconds=float(delay or 0))
        self.timers.append([due, next(self._seq), target, task_ex.id,
                            dict(args or {})])

    def report_to_parent(self, wf_ex) -> None:
        self.reports.append(wf_ex)

    def child_changed(self, wf_ex) -> None:
        if wf_ex.task_execution_id:
            self.updates.append((wf_ex, wf_ex.state))

    def dispatch_action(self, conductor, wf_ex, task_ex, action_ex,
                        python_name, base_input, target,
                        code=None) -> None:
        self.sent.append((wf_ex, task_ex, action_ex, python_name,
                          base_input))


class MemoryProvider:
    """The expression functions' data provider over a ``MemoryStore``."""

    def __init__(self, store: MemoryStore):
        self._store = store

    def _task_dict(self, task_ex) -> dict:
        return provider_mod.task_dict(task_ex, provider_mod.result_of(
            task_ex, lambda: self._store.accepted_results(task_ex)))

    def task_info(self, task_execution_id):
        task_ex = self._store.tasks.get(task_execution_id)
        return self._task_dict(task_ex) if task_ex else None

    def find_task_info(self, workflow_execution_id, name):
        found = [t for t in self._store.tasks.values()
                 if t.workflow_execution_id == workflow_execution_id and
                 t.name == name]
        return self._task_dict(found[-1]) if found else None

    def tasks_info(self, workflow_execution_id=None, recursive=False,
                   state=None, flat=False):
        result, pending_ids = [], [workflow_execution_id]
        while pending_ids:
            wf_id = pending_ids.pop(0)
            for t in self._store.tasks.values():
                if wf_id is not None and t.workflow_execution_id != wf_id:
                    continue
                if state and t.state != state:
                    continue
                result.append(provider_mod.task_dict(t))
                if recursive and t.type == "WORKFLOW":
                    pending_ids.extend(
                        w.id for w in self._store.workflows.values()
                        if w.task_execution_id == t.id)
        return result

    def execution_info(self, execution_id):
        wf_ex = self._store.workflows.get(execution_id)
        return provider_mod.execution_dict(wf_ex) if wf_ex else None

    def executions_info(self, id=None, root_execution_id=None, state=None,
                        from_time=None, to_time=None):
        return [provider_mod.full_execution_dict(w)
                for w in self._store.workflows.values()
                if (id is None or w.id == id) and
                (root_execution_id is None or
                 w.root_execution_id == root_execution_id) and
                (state is None or w.state == state)]

    def global_var(self, execution_id, name):
        wf_ex = self._store.workflows.get(execution_id)
        return (wf_ex.context or {}).get(name) if wf_ex else None


