"""Every query the engine makes, named, in one place: what an engine step
reads (facts for the decisions) and the locks it takes. A step's number of
queries is the number of these calls it makes; none of them scans more than
the rows its name says.

Each function takes the step's session; rows come back attached to it, so
that what the step changes on them is written at its next flush.
"""

from typing import Optional

import sqlalchemy as sa
from sqlalchemy import orm

from mistral_clone import exceptions as exc
from mistral_clone.actions import dynamic
from mistral_clone.db import lookup
from mistral_clone.db import models
from mistral_clone.engine import completion
from mistral_clone.engine import direct
from mistral_clone.engine import states

Task = models.TaskExecution
Action = models.ActionExecution
Workflow = models.WorkflowExecution

# The blobs every step reads (inputs, context, env): loaded with the row in
# one query instead of one lazy query each.
_WF_EX_COLUMNS = ("input", "params", "context", "runtime_context")
_TASK_EX_COLUMNS = ("in_context", "published", "runtime_context",
                    "next_tasks", "progress")
WF_EX_OPTIONS = tuple(orm.undefer(getattr(Workflow, c))
                      for c in _WF_EX_COLUMNS)
TASK_EX_OPTIONS = tuple(orm.undefer(getattr(Task, c))
                        for c in _TASK_EX_COLUMNS)

# The statements of every engine step, built once with an expanding list
# of ids (``ids``): building one and computing its cache key cost more than
# running it (about 140 of 250 us on SQLite).
_IDS = sa.bindparam("ids", expanding=True)
_LOCK_WORKFLOWS = sa.select(Workflow).where(Workflow.id.in_(_IDS)) \
    .order_by(Workflow.id).with_for_update().options(*WF_EX_OPTIONS) \
    .execution_options(populate_existing=True)
_ACTIONS_WITH_TASKS = sa.select(Action, Task) \
    .join(Task, Task.id == Action.task_execution_id) \
    .where(Action.id.in_(_IDS)) \
    .options(orm.undefer(Action.runtime_context), *TASK_EX_OPTIONS)
_CHILDREN_WITH_TASKS = sa.select(Workflow, Task) \
    .join(Task, Task.id == Workflow.task_execution_id) \
    .where(Workflow.id.in_(_IDS)) \
    .options(*WF_EX_OPTIONS, orm.undefer(Workflow.output),
             *TASK_EX_OPTIONS) \
    .execution_options(populate_existing=True)
_PARENT_WORKFLOW_IDS = sa.select(Task.id, Task.workflow_execution_id) \
    .where(Task.id.in_(_IDS))
_END_TASKS = sa.select(Task.workflow_execution_id, Task.in_context,
                       Task.published).where(
    Task.workflow_execution_id.in_(_IDS),
    Task.has_next_tasks.is_(False),
    Task.state.in_(states.COMPLETED)
).order_by(Task.finished_at, Task.created_at, Task.id)
_COMPLETION_FACTS = sa.select(Task.workflow_execution_id, Task.state,
                              Task.error_handled, Task.name).where(
    Task.workflow_execution_id.in_(_IDS),
    sa.or_(Task.state.in_(states.INCOMPLETE),
           Task.state.in_((states.CANCELLED, states.ERROR))))


# -- locks ------------------------------------------------------------------

def lock_workflows(session, wf_ex_ids) -> dict:
    """``{id: workflow execution}`` of those of ``wf_ex_ids`` that exist,
    all locked in one statement (in id order on PostgreSQL, the order every
    multi-row lock of the engine takes, so two of them cannot deadlock)."""
    rows = session.execute(_LOCK_WORKFLOWS, {"ids": sorted(wf_ex_ids)})
    return {wf_ex.id: wf_ex for wf_ex in rows.scalars()}


def lock_workflow(session, wf_ex_id: str) -> models.WorkflowExecution:
    """The workflow execution row, locked for this transaction
    (``SELECT ... FOR UPDATE``; SQLite's write transaction is exclusive)."""
    stmt = sa.select(Workflow).where(Workflow.id == wf_ex_id) \
        .with_for_update().options(*WF_EX_OPTIONS) \
        .execution_options(populate_existing=True)
    wf_ex = session.execute(stmt).scalars().first()
    if wf_ex is None:
        raise exc.NotFoundError(
            "WorkflowExecution not found [id=%s]" % wf_ex_id)
    return wf_ex


def workflow(session, wf_ex_id: str) -> Optional[models.WorkflowExecution]:
    """A workflow execution, not locked."""
    return session.get(Workflow, wf_ex_id)


def task(session, task_ex_id: str, refresh: bool = False):
    """A task execution (re-read after its workflow was locked)."""
    task_ex = session.get(Task, task_ex_id, options=TASK_EX_OPTIONS)
    if task_ex is not None and refresh:
        session.refresh(task_ex)
    return task_ex


def action(session, action_ex_id: str):
    return session.get(Action, action_ex_id)


def still_running_actions(session, action_ex_ids) -> list:
    """Which of these action executions are still RUNNING (an executor
    asks about results it sent: those have not been stored yet)."""
    ids = sorted(set(action_ex_ids or ()))
    running = []
    for i in range(0, len(ids), 500):
        running.extend(session.execute(
            sa.select(Action.id).where(Action.id.in_(ids[i:i + 500]),
                                       Action.state == states.RUNNING)
        ).scalars())
    return running


def actions_with_tasks(session, action_ex_ids) -> dict:
    """``{action execution id: (action execution, its task)}`` in one
    query (an engine step absorbing many results)."""
    rows = session.execute(_ACTIONS_WITH_TASKS,
                           {"ids": list(action_ex_ids)}).all()
    return {action_ex.id: (action_ex, task_ex) for action_ex, task_ex in rows}


def children_with_tasks(session, child_ids) -> dict:
    """``{sub-workflow execution id: (it, its parent task)}`` in one query,
    both read afresh (an engine step absorbing children's reports), with
    the children's output: the parent task's result (a lazy load per
    child would also flush the step's changes before each)."""
    rows = session.execute(_CHILDREN_WITH_TASKS,
                           {"ids": sorted(child_ids)}).all()
    return {child.id: (child, task_ex) for child, task_ex in rows}


def parent_workflow_id(session, task_ex_id: str) -> Optional[str]:
    """The workflow execution of task ``task_ex_id`` (a sub-workflow's
    parent)."""
    return parent_workflow_ids(session, [task_ex_id]).get(task_ex_id)


def parent_workflow_ids(session, task_ex_ids) -> dict:
    """Task id -> its workflow execution's id, for ``task_ex_ids``."""
    return dict(session.execute(_PARENT_WORKFLOW_IDS,
                                {"ids": sorted(set(task_ex_ids))}).all())


# -- tasks of one workflow execution ----------------------------------------

def task_by_unique_key(session, wf_ex_id: str, key: str):
    """The one task execution of a join (latest first)."""
    return session.execute(
        sa.select(Task).where(Task.workflow_execution_id == wf_ex_id,
                              Task.unique_key == key)
        .options(*TASK_EX_OPTIONS)
        .order_by(Task.created_at.desc()).limit(1)).scalars().first()


def task_names(session, task_ex_ids) -> set:
    ids = [i for i in task_ex_ids or () if i]
    if not ids:
        return set()
    return set(session.execute(
        sa.select(Task.name).where(Task.id.in_(ids))).scalars())


def latest_task_facts(session, wf_ex_id: str, names) -> dict:
    """``{name: direct.InboundFact}`` of the latest execution of each of
    ``names`` (a join's inbound tasks or their ancestors)."""
    names = list(names)
    if not names:
        return {}
    rows = session.execute(
        sa.select(Task.id, Task.name, Task.state, Task.next_tasks)
        .where(Task.workflow_execution_id == wf_ex_id, Task.name.in_(names))
        .order_by(Task.created_at, Task.id)).all()
    return {row.name: direct.InboundFact(row.id, row.state,
                                         [list(p) for p in
                                          row.next_tasks or ()])
            for row in rows}


def latest_tasks(session, wf_ex_id: str, names) -> list:
    """The latest execution of each of ``names`` that has one."""
    names = list(names)
    if not names:
        return []
    latest = {}
    for task_ex in session.execute(
            sa.select(Task).where(Task.workflow_execution_id == wf_ex_id,
                                  Task.name.in_(names))
            .order_by(Task.created_at, Task.id)).scalars():
        latest[task_ex.name] = task_ex
    return list(latest.values())


def completed_tasks(session, wf_ex_id: str, names) -> list:
    """Completed executions of ``names``, in the order they finished: the
    upstream of a join's inbound context."""
    return list(session.execute(
        sa.select(Task).where(
            Task.workflow_execution_id == wf_ex_id,
            Task.name.in_(list(names)),
            Task.state.in_((states.SUCCESS, states.ERROR, states.CANCELLED)))
        .options(*TASK_EX_OPTIONS)
        .order_by(Task.finished_at, Task.created_at)).scalars())


def succeeded_tasks(session, wf_ex_id: str, names) -> list:
    """SUCCESS executions of ``names`` (the requirements of a reverse
    workflow's task), in the order they finished."""
    return list(session.execute(
        sa.select(Task).where(Task.workflow_execution_id == wf_ex_id,
                              Task.name.in_(list(names)),
                              Task.state == states.SUCCESS)
        .options(*TASK_EX_OPTIONS)
        .order_by(Task.finished_at, Task.created_at)).scalars())


def tasks_named(session, wf_ex_id: str, names) -> list:
    return list(session.execute(
        sa.select(Task).where(Task.workflow_execution_id == wf_ex_id,
                              Task.name.in_(list(names)))
        .options(*TASK_EX_OPTIONS)
        .order_by(Task.created_at, Task.id)).scalars())


def task_name_states(session, wf_ex_id: str, names):
    """(names that have an execution, names that have one in SUCCESS)."""
    rows = session.execute(
        sa.select(Task.name, Task.state).where(
            Task.workflow_execution_id == wf_ex_id,
            Task.name.in_(list(names)))).all()
    return ({r.name for r in rows},
            {r.name for r in rows if r.state == states.SUCCESS})


def tasks_in_state(session, wf_ex_id: str, state: str, names=None) -> list:
    """Executions in ``state`` (of ``names`` when given), oldest first:
    waiting joins, tasks held by pause-before."""
    stmt = sa.select(Task).where(Task.workflow_execution_id == wf_ex_id,
                                 Task.state == state)
    if names is not None:
        stmt = stmt.where(Task.name.in_(list(names)))
    return list(session.execute(
        stmt.options(*TASK_EX_OPTIONS)
        .order_by(Task.created_at, Task.id)).scalars())


def unprocessed_completed_tasks(session, wf_ex_id: str) -> list:
    """Tasks that finished while their workflow was paused: their
    transitions are taken when it resumes."""
    return list(session.execute(
        sa.select(Task).where(Task.workflow_execution_id == wf_ex_id,
                              Task.state.in_(states.COMPLETED),
                              Task.processed.is_(False))
        .options(*TASK_EX_OPTIONS)
        .order_by(Task.created_at, Task.id)).scalars())


def end_tasks(session, wf_ex_id: str) -> list:
    """Finished tasks that ended a branch (no task after them), in the
    order they finished: the final context comes from them."""
    return end_tasks_of(session, [wf_ex_id])[wf_ex_id]


def end_tasks_of(session, wf_ex_ids) -> dict:
    """``end_tasks`` of several workflow executions in one query: id ->
    ``(in_context, published)`` rows."""
    found = {wf_ex_id: [] for wf_ex_id in wf_ex_ids}
    for row in session.execute(_END_TASKS, {"ids": sorted(found)}):
        found[row.workflow_execution_id].append(row)
    return found


def count_tasks(session, wf_ex_id: str, *conditions) -> int:
    return session.execute(
        sa.select(sa.func.count()).select_from(Task).where(
            Task.workflow_execution_id == wf_ex_id, *conditions)
    ).scalar_one()


def incomplete_task_count(session, wf_ex_id: str) -> int:
    return count_tasks(session, wf_ex_id, Task.state.in_(states.INCOMPLETE))


def completion_facts(session, wf_ex_id: str, reverse_rules: bool
                     ) -> completion.CompletionFacts:
    """What the end of a workflow depends on, in one query: its tasks
    counted by state (and, for ERROR, by whether the error is handled);
    the names of the cancelled ones."""
    return completion_facts_of(session, {wf_ex_id: reverse_rules})[wf_ex_id]


def completion_facts_of(session, reverse_rules: dict) -> dict:
    """``completion_facts`` of several workflow executions in one query:
    ``reverse_rules`` maps each id to its workflow's rule; id -> facts."""
    rows = {wf_ex_id: [] for wf_ex_id in reverse_rules}
    for row in session.execute(_COMPLETION_FACTS, {"ids": sorted(rows)}):
        rows[row.workflow_execution_id].append(row)
    return {wf_ex_id: _facts(found, reverse_rules[wf_ex_id])
            for wf_ex_id, found in rows.items()}


def _facts(rows, reverse_rules: bool) -> completion.CompletionFacts:
    incomplete = sum(1 for r in rows if r.state in states.INCOMPLETE)
    cancelled = sorted(r.name for r in rows if r.state == states.CANCELLED)
    unhandled = sum(1 for r in rows if r.state == states.ERROR and
                    (reverse_rules or not r.error_handled))
    return completion.CompletionFacts(incomplete, cancelled, unhandled)


def failed_tasks(session, wf_ex_id: str, wf_spec, reverse_rules: bool
                 ) -> list:
    """``completion.FailedTask`` of each failed task whose error is not
    handled (Mistral: no on-error clause), by name, with its failed
    children."""
    rows = session.execute(
        sa.select(Task).where(Task.workflow_execution_id == wf_ex_id,
                              Task.state == states.ERROR)
        .order_by(Task.name, Task.created_at)).scalars().all()
    out = []
    for t in rows:
        spec = wf_spec.tasks.get(t.name)
        if not reverse_rules and spec is not None and \
                direct.has_error_clause(spec):
            continue
        model = Workflow if t.type == "WORKFLOW" else Action
        children = session.execute(
            sa.select(model.id, model.state, model.output)
            .where(model.task_execution_id == t.id)
            .order_by(model.created_at)).all()
        failed = completion.failed_task(t, children, t.type == "WORKFLOW")
        out.append(failed)
    return out


# -- children and parents ----------------------------------------------------

def child_execution_ids(session, wf_ex_id: str, only_states=None) -> list:
    """Sub-workflow executions started by this execution's tasks."""
    task_ids = sa.select(Task.id).where(Task.workflow_execution_id == wf_ex_id,
                                        Task.type == "WORKFLOW")
    stmt = sa.select(Workflow.id).where(
        Workflow.task_execution_id.in_(task_ids))
    if only_states:
        stmt = stmt.where(Workflow.state.in_(list(only_states)))
    return list(session.execute(stmt.order_by(Workflow.created_at))
                .scalars())


def paused_children(session, task_ex_id: str) -> int:
    """Action executions and sub-workflows of the task that are PAUSED."""
    n = session.execute(
        sa.select(sa.func.count()).select_from(Action).where(
            Action.task_execution_id == task_ex_id,
            Action.state == states.PAUSED)).scalar_one()
    return n + session.execute(
        sa.select(sa.func.count()).select_from(Workflow).where(
            Workflow.task_execution_id == task_ex_id,
            Workflow.state == states.PAUSED)).scalar_one()


def completed_children_of_running_tasks(session, updated_from=None,
                                        updated_before=None) -> list:
    """Recovery: sub-workflows that finished while their parent task still
    runs (the report to the parent was lost); only those last updated in
    [``updated_from``, ``updated_before``) when given (a range of the
    ``updated_at`` index, for the periodic look)."""
    stmt = sa.select(Workflow.id).join(
        Task, Task.id == Workflow.task_execution_id).where(
        Task.state == states.RUNNING,
        Workflow.state.in_((states.SUCCESS, states.ERROR,
                            states.CANCELLED)),
        Task.type == "WORKFLOW")
    if updated_from is not None:
        stmt = stmt.where(Workflow.updated_at >= updated_from)
    if updated_before is not None:
        stmt = stmt.where(Workflow.updated_at < updated_before)
    return list(session.execute(stmt).scalars())



def children_out_of_step(session, changed_before) -> list:
    """Recovery: sub-workflows whose pause or resume their parent task did
    not follow (the message to the parent was lost), last changed before
    ``changed_before``: a PAUSED child of a RUNNING task, and a RUNNING
    child of a PAUSED task none of whose children is still PAUSED. Both
    look through the ``state`` indexes: PAUSED rows are few."""
    paused_child = sa.select(Workflow.id).join(
        Task, Task.id == Workflow.task_execution_id).where(
        Workflow.state == states.PAUSED, Task.state == states.RUNNING,
        Task.type == "WORKFLOW", Workflow.updated_at < changed_before)
    sibling = orm.aliased(Workflow)
    still_paused = sa.select(sibling.id).where(
        sibling.task_execution_id == Task.id,
        sibling.state == states.PAUSED).exists()
    resumed_child = sa.select(Workflow.id).join(
        Task, Task.id == Workflow.task_execution_id).where(
        Task.state == states.PAUSED, Task.type == "WORKFLOW",
        Workflow.state == states.RUNNING,
        Workflow.updated_at < changed_before, ~still_paused)
    return list(session.execute(paused_child).scalars()) + \
        list(session.execute(resumed_child).scalars())

# -- results ----------------------------------------------------------------

def accepted_results(session, task_ex) -> list:
    """The results of the task's accepted runs, in item order."""
    if task_ex.type == "WORKFLOW":
        rows = session.execute(
            sa.select(Workflow).where(Workflow.task_execution_id == task_ex.id,
                                      Workflow.accepted.is_(True))
            .options(orm.undefer(Workflow.output),
                     orm.undefer(Workflow.runtime_context))
        ).scalars().all()
        rows = sorted(rows, key=lambda r: ((r.runtime_context or {}).get(
            "index", 0), r.created_at))
        return [r.output for r in rows]
    rows = session.execute(
        sa.select(Action.output).where(Action.task_execution_id == task_ex.id,
                                       Action.accepted.is_(True))
        .order_by(Action.index, Action.created_at)).scalars().all()
    return [(o or {}).get("result") if isinstance(o, dict) else None
            for o in rows]


def failed_item_indexes(session, task_ex_id: str) -> list:
    """Indexes of the with-items items that failed (and are no longer
    accepted: a rerun without reset runs them again)."""
    indexes = session.execute(
        sa.select(Action.index).where(Action.task_execution_id == task_ex_id,
                                      Action.state == states.ERROR,
                                      Action.accepted.is_(False))
    ).scalars()
    return sorted(set(indexes))


def item_values(session, task_ex_id: str, indexes) -> dict:
    """``{variable: {index: value}}`` of the stored items ``indexes``."""
    model = models.WithItemsValue
    rows = session.execute(
        sa.select(model.item_index, model.value).where(
            model.task_execution_id == task_ex_id,
            model.item_index.in_(list(indexes)))).all()
    values = {}
    for index, value in rows:
        for var, item in (value or {}).items():
            values.setdefault(var, {})[index] = item
    return values


# -- what expression functions read (task(), tasks(), executions()) ---------

def latest_task_named(session, wf_ex_id: str, name: str):
    return session.execute(
        sa.select(Task).where(Task.workflow_execution_id == wf_ex_id,
                              Task.name == name)
        .order_by(Task.created_at.desc()).limit(1)).scalars().first()


def tasks_of_execution(session, wf_ex_id: str) -> list:
    return list(session.execute(
        sa.select(Task).where(Task.workflow_execution_id == wf_ex_id)
        .order_by(Task.created_at)).scalars())


def children_of_tasks(session, task_ex_ids) -> list:
    if not task_ex_ids:
        return []
    return list(session.execute(
        sa.select(Workflow).where(
            Workflow.task_execution_id.in_(list(task_ex_ids)))).scalars())


def tasks_of_project(session, project_id: Optional[str],
                     state: Optional[str] = None) -> list:
    """Every task execution of a project (None: of every project)."""
    stmt = sa.select(Task)
    if project_id is not None:
        stmt = stmt.where(Task.project_id == project_id)
    if state:
        stmt = stmt.where(Task.state == state)
    return list(session.execute(stmt.order_by(Task.created_at)).scalars())


def executions_matching(session, project_id: Optional[str], id=None,
                        root_execution_id=None, state=None, from_time=None,
                        to_time=None) -> list:
    """Workflow executions of a project (None: of every project) matching
    every filter given (``created_at`` from ``from_time``, before
    ``to_time``)."""
    stmt = sa.select(Workflow)
    if project_id is not None:
        stmt = stmt.where(Workflow.project_id == project_id)
    if id:
        stmt = stmt.where(Workflow.id == id)
    if root_execution_id:
        stmt = stmt.where(Workflow.root_execution_id == root_execution_id)
    if state:
        stmt = stmt.where(Workflow.state == state)
    if from_time:
        stmt = stmt.where(Workflow.created_at >= from_time)
    if to_time:
        stmt = stmt.where(Workflow.created_at < to_time)
    return list(session.execute(
        stmt.order_by(Workflow.created_at)).scalars())


# -- action heartbeats ----------------------------------------------------------

def late_actions(session, expiry, never_beat_expiry,
                 limit: Optional[int] = None) -> list:
    """RUNNING synchronous action executions whose last heartbeat is
    before ``expiry`` (or that never had one and were created before
    ``never_beat_expiry``), oldest first: ``(id, last_heartbeat,
    runtime_context, task state, workflow execution id, its state)``."""
    stmt = (
        _running_sync_actions()
        .where(sa.or_(Action.last_heartbeat < expiry,
                      sa.and_(Action.last_heartbeat.is_(None),
                              Action.created_at < never_beat_expiry)))
        .order_by(Action.last_heartbeat, Action.created_at))
    if limit:
        stmt = stmt.limit(limit)
    return session.execute(stmt).all()


def _running_sync_actions():
    return (
        sa.select(Action.id, Action.last_heartbeat, Action.runtime_context,
                  Task.state, Workflow.id, Workflow.state)
        .outerjoin(Task, Task.id == Action.task_execution_id)
        .outerjoin(Workflow, Workflow.id == Task.workflow_execution_id)
        .where(Action.state == states.RUNNING, Action.is_sync.is_(True)))


def actions_of_member(session, member_id: str,
                      only_ids: Optional[list] = None) -> list:
    """The RUNNING synchronous action executions that ``member_id``
    accepted (among ``only_ids`` when given), as ``late_actions``."""
    stmt = _running_sync_actions().where(Action.member_id == member_id)
    if only_ids is not None:
        stmt = stmt.where(Action.id.in_(only_ids))
    return session.execute(stmt.order_by(Action.created_at)).all()


# -- executors' liveness ---------------------------------------------------------

def claimable_actions(action_ex_ids: list, member_id: str):
    """A select of those of ``action_ex_ids`` still RUNNING and named on no
    member but ``member_id`` (locked for the caller; rows another
    transaction holds are skipped)."""
    return (sa.select(Action.id)
            .where(Action.id.in_(action_ex_ids),
                   Action.state == states.RUNNING,
                   sa.or_(Action.member_id.is_(None),
                          Action.member_id == member_id))
            .with_for_update(skip_locked=True))


def unnamed_actions(action_ex_ids: list):
    """A select of those of ``action_ex_ids`` still RUNNING and named on no
    member (locked for the caller; rows another transaction holds are
    skipped)."""
    return (sa.select(Action.id)
            .where(Action.id.in_(action_ex_ids),
                   Action.state == states.RUNNING,
                   Action.member_id.is_(None))
            .with_for_update(skip_locked=True))


def unclaimed_actions(session, created_before, created_after,
                      limit: int = 200) -> list:
    """``(id, created_at, updated_at, runtime_context)`` of synchronous
    RUNNING action executions of workflows that no member claimed, created
    in (``created_after``, ``created_before``), the oldest first."""
    return session.execute(
        sa.select(Action.id, Action.created_at, Action.updated_at,
                  Action.runtime_context)
        .where(Action.state == states.RUNNING,
               Action.member_id.is_(None),
               Action.is_sync.is_(True),
               Action.task_execution_id.is_not(None),
               Action.created_at < created_before,
               Action.created_at > created_after)
        .order_by(Action.created_at).limit(limit)).all()


def mark_unclaimed(session, action_ex_id, updated_at, runtime,
                   now) -> bool:
    """Store ``runtime`` (and ``updated_at`` = ``now``) on the action
    execution if it is still unclaimed and unchanged since read: one
    engine sends it again."""
    return session.execute(
        sa.update(Action)
        .where(Action.id == action_ex_id, Action.member_id.is_(None),
               Action.state == states.RUNNING,
               Action.updated_at == updated_at)
        .values(runtime_context=runtime, updated_at=now)
        .execution_options(synchronize_session=False)).rowcount == 1


def freshest_beat(session):
    """The most recent beat stored of any member (None: no member)."""
    Member = models.ExecutorMember
    return session.execute(sa.select(sa.func.max(Member.last_beat))
                           ).scalar_one_or_none()


def silent_members(session, before) -> list:
    """``(id, host, pid, last_beat)`` of the members whose last beat is
    older than ``before``, the most silent first."""
    Member = models.ExecutorMember
    return session.execute(
        sa.select(Member.id, Member.host, Member.pid, Member.last_beat)
        .where(Member.last_beat < before)
        .order_by(Member.last_beat)).all()


def action_with_task_and_workflow(session, action_ex_id: str):
    """(action execution, its task, its workflow execution)."""
    action_ex = session.get(Action, action_ex_id)
    task_ex = session.get(Task, action_ex.task_execution_id)
    return action_ex, task_ex, session.get(Workflow,
                                           task_ex.workflow_execution_id)


# -- definitions ------------------------------------------------------------

def action_definition(session, name: str, namespace: str,
                      project_id: Optional[str]):
    """A stored action definition named ``name`` in ``namespace`` (else
    in the default namespace) that the project may use."""
    model = models.ActionDefinition
    for ns in dict.fromkeys([namespace or "", ""]):
        stmt = sa.select(model).where(model.name == name,
                                      model.namespace == ns)
        if project_id is not None:
            stmt = stmt.where(sa.or_(model.project_id == project_id,
                                     model.scope == "public",
                                     model.is_system.is_(True)))
        row = session.execute(stmt).scalars().first()
        if row is not None:
            return row
    return None


def dynamic_action(session, name: str, namespace: str,
                   project_id: Optional[str]) -> Optional[dynamic.CodeRef]:
    """The dynamic action named ``name`` in ``namespace`` (only there, as
    Mistral finds them) that the project may use, with its code source's
    current version and text; None when there is none."""
    dyn = models.DynamicActionDefinition
    src = models.CodeSource
    stmt = (sa.select(dyn.class_name, src.id, src.name, src.version,
                      src.content)
            .join(src, src.id == dyn.code_source_id)
            .where(dyn.name == name, dyn.namespace == (namespace or "")))
    if project_id is not None:
        # The project's own before another project's public one.
        stmt = stmt.where(sa.or_(dyn.project_id == project_id,
                                 dyn.scope == "public")).order_by(
            sa.case((dyn.project_id == project_id, 0), else_=1))
    row = session.execute(stmt.limit(1)).first()
    if row is None:
        return None
    return dynamic.CodeRef(code_source_id=row.id, code_source_name=row.name,
                           version=row.version, class_name=row.class_name,
                           content=row.content or "")


def workflow_definition(session, ctx, identifier: str, namespace: str = "",
                        workbook_name: Optional[str] = None):
    """A workflow definition by name or id: a workbook's own workflow
    first (short names inside workbooks), then the namespace, then the
    default namespace."""
    model = models.WorkflowDefinition
    candidates = []
    if workbook_name and not lookup.is_uuid(identifier):
        candidates.append("%s.%s" % (workbook_name, identifier))
    candidates.append(identifier)
    # The definition is read next (the spec): loaded with the row.
    options = (orm.undefer(model.definition),)
    for name in candidates:
        for ns in dict.fromkeys([namespace or "", ""]):
            row = lookup.by_name_or_id(session, model, ctx, name, ns,
                                       options=options)
            if row is not None:
                return row
    raise exc.NotFoundError(
        "Workflow not found [workflow_identifier=%s, namespace=%s]"
        % (identifier, namespace or ""))


def environment(session, ctx, name: str):
    return lookup.by_name_or_id(session, models.Environment, ctx, name)


def due_timer_count(session, key: str, target: str) -> int:
    call = models.DelayedCall
    return session.execute(
        sa.select(sa.func.count()).select_from(call).where(
            call.key == key, call.func_name == target,
            call.run_at <= models.utcnow())).scalar_one()


# Maintenance mode (``engine.maintenance``) and the scheduler watch.

def executions_in_state(session, state: str) -> list:
    """(id, project_id) of the workflow executions in ``state``,
    top-level ones first."""
    wf_ex = models.WorkflowExecution
    return [tuple(row) for row in session.execute(
        sa.select(wf_ex.id, wf_ex.project_id).where(wf_ex.state == state)
        .order_by(wf_ex.task_execution_id.is_not(None), wf_ex.created_at)
    ).all()]


def any_task_running(session) -> bool:
    task_ex = models.TaskExecution
    return session.execute(
        sa.select(task_ex.id).where(task_ex.state == states.RUNNING)
        .limit(1)).first() is not None


def unclaimed_timers_due_before(session, moment) -> tuple:
    """(how many, earliest run_at) of the timers due before ``moment``
    that no scheduler has claimed."""
    call = models.DelayedCall
    return tuple(session.execute(
        sa.select(sa.func.count(), sa.func.min(call.run_at)).where(
            call.run_at < moment, call.claimed_at.is_(None))).one())


def cron_triggers_due_before(session, moment) -> tuple:
    """(how many, earliest due time) of the cron triggers due before
    ``moment``."""
    trigger = models.CronTrigger
    return tuple(session.execute(
        sa.select(sa.func.count(), sa.func.min(
            trigger.next_execution_time)).where(
            trigger.next_execution_time < moment)).one())


def waiting_starts(session, accepted_before, limit: int) -> list:
    """``(execution id, caller)`` of the executions the API accepted before
    ``accepted_before`` that no engine started yet, the oldest first."""
    start = models.WorkflowStart
    return session.execute(
        sa.select(start.id, start.caller)
        .where(start.created_at <= accepted_before)
        .order_by(start.created_at).limit(limit)).all()
