"""Tables. Hot rows stay small: blobs (definitions, inputs, results, published
data) are deferred columns, loaded only where used.

Every user-owned row carries ``project_id`` and, where the API offers it,
``scope`` and ``namespace``. Every filter and sort the list endpoints offer
has an index.
"""

import datetime

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import Mapped, mapped_column

from mistral_clone import random_ids
from mistral_clone.db.types import JsonDict, JsonList, JsonValue


def new_id() -> str:
    return random_ids.uuid4()


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


class Base(orm.DeclarativeBase):
    pass


class _Common:
    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True,
                                    default=new_id)
    created_at: Mapped[datetime.datetime] = mapped_column(
        sa.DateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime.datetime | None] = mapped_column(
        sa.DateTime, onupdate=utcnow, nullable=True)
    project_id: Mapped[str] = mapped_column(sa.String(80), nullable=False)

    def to_dict(self):
        return {c.key: getattr(self, c.key)
                for c in sa.inspect(type(self)).column_attrs}


def _definition_indexes(table):
    return (
        sa.UniqueConstraint("name", "namespace", "project_id",
                            name="uq_%s_name_ns_project" % table),
        sa.Index("ix_%s_project_scope" % table, "project_id", "scope"),
        sa.Index("ix_%s_scope" % table, "scope"),
        sa.Index("ix_%s_created_at" % table, "created_at", "id"),
        sa.Index("ix_%s_updated_at" % table, "updated_at"),
        sa.Index("ix_%s_name" % table, "name"),
        sa.Index("ix_%s_namespace" % table, "namespace"),
    )


class WorkflowDefinition(_Common, Base):
    __tablename__ = "workflow_definitions"
    __table_args__ = _definition_indexes("workflow_definitions")
    # Its ResourceMember.resource_type: accepted members see the row.
    shared_as = "workflow"

    name: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    namespace: Mapped[str] = mapped_column(sa.String(255), nullable=False,
                                           default="")
    scope: Mapped[str] = mapped_column(sa.String(80), nullable=False,
                                       default="private")
    definition: Mapped[str] = mapped_column(sa.Text, deferred=True)
    checksum: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    tags: Mapped[list] = mapped_column(JsonList, default=list)
    input: Mapped[str] = mapped_column(sa.Text, default="")
    interface: Mapped[dict] = mapped_column(JsonDict, default=dict)
    is_system: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    workbook_name: Mapped[str | None] = mapped_column(sa.String(255))


class ResourceMember(_Common, Base):
    """A project a private definition is shared with (``/v2/workflows/{id}
    /members``): ``project_id`` is the owner's, ``member_id`` the project
    it is shared with, ``status`` pending / accepted / rejected. Only an
    accepted membership lets the member see and run the definition
    (``db.sharing``)."""

    __tablename__ = "resource_members"
    __table_args__ = (
        sa.UniqueConstraint("resource_id", "resource_type", "member_id",
                            name="uq_resource_members_resource_member"),
        # The visibility clause: the ids a project has accepted.
        sa.Index("ix_resource_members_member", "member_id", "resource_type",
                 "status", "resource_id"),
    )

    resource_id: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    resource_type: Mapped[str] = mapped_column(sa.String(50), nullable=False,
                                               default="workflow")
    member_id: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    status: Mapped[str] = mapped_column(sa.String(20), nullable=False,
                                        default="pending")


class Workbook(_Common, Base):
    __tablename__ = "workbooks"
    __table_args__ = _definition_indexes("workbooks")

    name: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    namespace: Mapped[str] = mapped_column(sa.String(255), nullable=False,
                                           default="")
    scope: Mapped[str] = mapped_column(sa.String(80), nullable=False,
                                       default="private")
    definition: Mapped[str] = mapped_column(sa.Text, deferred=True)
    checksum: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    tags: Mapped[list] = mapped_column(JsonList, default=list)


class ActionDefinition(_Common, Base):
    __tablename__ = "action_definitions"
    __table_args__ = _definition_indexes("action_definitions") + (
        sa.Index("ix_action_definitions_is_system", "is_system"),
    )

    name: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    namespace: Mapped[str] = mapped_column(sa.String(255), nullable=False,
                                           default="")
    scope: Mapped[str] = mapped_column(sa.String(80), nullable=False,
                                       default="private")
    description: Mapped[str | None] = mapped_column(sa.Text)
    definition: Mapped[str | None] = mapped_column(sa.Text, deferred=True)
    checksum: Mapped[str | None] = mapped_column(sa.String(32))
    tags: Mapped[list] = mapped_column(JsonList, default=list)
    input: Mapped[str] = mapped_column(sa.Text, default="")
    is_system: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    action_class: Mapped[str | None] = mapped_column(sa.String(255))
    workbook_name: Mapped[str | None] = mapped_column(sa.String(255))


class CodeSource(_Common, Base):
    """A Python module uploaded through ``/v2/code_sources``; ``version``
    grows by one on each update, so processes that loaded it know when
    their copy is stale."""

    __tablename__ = "code_sources"
    __table_args__ = _definition_indexes("code_sources")

    name: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    namespace: Mapped[str] = mapped_column(sa.String(255), nullable=False,
                                           default="")
    scope: Mapped[str] = mapped_column(sa.String(80), nullable=False,
                                       default="private")
    content: Mapped[str] = mapped_column(sa.Text, deferred=True, default="")
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False,
                                         default=1)
    tags: Mapped[list] = mapped_column(JsonList, default=list)


class DynamicActionDefinition(_Common, Base):
    """A class of a code source exposed as an action (``/v2/dynamic_actions``);
    removed with its code source."""

    __tablename__ = "dynamic_action_definitions"
    __table_args__ = _definition_indexes("dynamic_action_definitions") + (
        sa.Index("ix_dynamic_action_definitions_code_source",
                 "code_source_id"),
    )

    name: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    namespace: Mapped[str] = mapped_column(sa.String(255), nullable=False,
                                           default="")
    scope: Mapped[str] = mapped_column(sa.String(80), nullable=False,
                                       default="private")
    class_name: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    code_source_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("code_sources.id", ondelete="CASCADE"),
        nullable=False)
    code_source_name: Mapped[str] = mapped_column(sa.String(255),
                                                  nullable=False)


class Environment(_Common, Base):
    __tablename__ = "environments"
    __table_args__ = (
        sa.UniqueConstraint("name", "project_id",
                            name="uq_environments_name_project"),
        sa.Index("ix_environments_created_at", "created_at", "id"),
        sa.Index("ix_environments_project_scope", "project_id", "scope"),
    )

    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(sa.Text)
    # NULL when created without variables (Mistral answers null then).
    variables: Mapped[dict | None] = mapped_column(JsonValue, deferred=True,
                                                   nullable=True)
    scope: Mapped[str] = mapped_column(sa.String(80), nullable=False,
                                       default="private")


class WorkflowExecution(_Common, Base):
    __tablename__ = "workflow_executions"
    __table_args__ = (
        sa.Index("ix_wf_ex_project_created", "project_id", "created_at",
                 "id"),
        sa.Index("ix_wf_ex_state", "state"),
        sa.Index("ix_wf_ex_workflow_name", "workflow_name"),
        sa.Index("ix_wf_ex_workflow_id", "workflow_id"),
        sa.Index("ix_wf_ex_root_execution_id", "root_execution_id"),
        sa.Index("ix_wf_ex_task_execution_id", "task_execution_id"),
        sa.Index("ix_wf_ex_updated_at", "updated_at"),
        # A page of one workflow's or one state's executions (migration 016).
        sa.Index("ix_wf_ex_project_wf_name_created", "project_id",
                 "workflow_name", "created_at", "id"),
        sa.Index("ix_wf_ex_project_wf_id_created", "project_id",
                 "workflow_id", "created_at", "id"),
        sa.Index("ix_wf_ex_project_state_created", "project_id", "state",
                 "created_at", "id"),
        sa.Index("ix_wf_ex_created_at", "created_at", "id"),
        sa.Index("ix_wf_ex_public", "project_id",
                 postgresql_where=sa.text("scope = 'public'"),
                 sqlite_where=sa.text("scope = 'public'")),
        # The params filter (equality on the JSON text): hash on
        # PostgreSQL (a B-tree refuses texts over ~2.7 KB), a prefix on
        # MySQL (which indexes no whole TEXT).
        sa.Index("ix_wf_ex_params", "params", postgresql_using="hash",
                 mysql_length=255),
    )

    workflow_name: Mapped[str] = mapped_column(sa.String(255))
    workflow_namespace: Mapped[str] = mapped_column(sa.String(255),
                                                    default="")
    workflow_id: Mapped[str | None] = mapped_column(sa.String(36))
    description: Mapped[str] = mapped_column(sa.String(255), default="")
    spec_checksum: Mapped[str | None] = mapped_column(sa.String(64))
    spec_definition: Mapped[str | None] = mapped_column(sa.Text,
                                                        deferred=True)
    state: Mapped[str] = mapped_column(sa.String(20))
    state_info: Mapped[str | None] = mapped_column(sa.Text)
    tags: Mapped[list] = mapped_column(JsonList, default=list)
    accepted: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    input: Mapped[dict] = mapped_column(JsonDict, default=dict,
                                        deferred=True)
    output: Mapped[dict] = mapped_column(JsonDict, default=dict,
                                         deferred=True)
    params: Mapped[dict] = mapped_column(JsonDict, default=dict,
                                         deferred=True)
    context: Mapped[dict] = mapped_column(JsonDict, default=dict,
                                          deferred=True)
    runtime_context: Mapped[dict] = mapped_column(JsonDict, default=dict,
                                                  deferred=True)
    root_execution_id: Mapped[str | None] = mapped_column(sa.String(36))
    task_execution_id: Mapped[str | None] = mapped_column(sa.String(36))
    scope: Mapped[str] = mapped_column(sa.String(80), default="private")


class TaskExecution(_Common, Base):
    __tablename__ = "task_executions"
    __table_args__ = (
        sa.Index("ix_task_ex_wf_ex_name", "workflow_execution_id", "name"),
        sa.Index("ix_task_ex_wf_ex_state", "workflow_execution_id", "state"),
        sa.Index("ix_task_ex_project_created", "project_id", "created_at",
                 "id"),
        sa.Index("ix_task_ex_state", "state"),
        sa.Index("ix_task_ex_workflow_name", "workflow_name"),
        sa.Index("ix_task_ex_updated_at", "updated_at"),
        sa.Index("ix_task_ex_unique_key", "unique_key"),
    )

    name: Mapped[str] = mapped_column(sa.String(255))
    workflow_execution_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("workflow_executions.id",
                                     ondelete="CASCADE"))
    workflow_name: Mapped[str] = mapped_column(sa.String(255))
    workflow_namespace: Mapped[str] = mapped_column(sa.String(255),
                                                    default="")
    workflow_id: Mapped[str | None] = mapped_column(sa.String(36))
    type: Mapped[str] = mapped_column(sa.String(10), default="ACTION")
    state: Mapped[str] = mapped_column(sa.String(20))
    state_info: Mapped[str | None] = mapped_column(sa.Text)
    tags: Mapped[list] = mapped_column(JsonList, default=list)
    processed: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    unique_key: Mapped[str | None] = mapped_column(sa.String(255))
    has_next_tasks: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    error_handled: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    started_at: Mapped[datetime.datetime | None] = mapped_column(sa.DateTime)
    finished_at: Mapped[datetime.datetime | None] = mapped_column(
        sa.DateTime)
    spec: Mapped[dict] = mapped_column(JsonDict, default=dict, deferred=True)
    in_context: Mapped[dict] = mapped_column(JsonDict, default=dict,
                                             deferred=True)
    # NULL when the task's publish has global variables only (Mistral 23).
    published: Mapped[dict | None] = mapped_column(
        JsonValue, default=dict, deferred=True, nullable=True)
    runtime_context: Mapped[dict] = mapped_column(JsonDict, default=dict,
                                                  deferred=True)
    next_tasks: Mapped[list] = mapped_column(JsonList, default=list,
                                             deferred=True)
    # The engine's own bookkeeping, never shown (with-items counters, how
    # many times a join ran); ``runtime_context`` holds what Mistral shows.
    progress: Mapped[dict | None] = mapped_column(JsonValue, deferred=True,
                                                  nullable=True)
    result: Mapped[object] = mapped_column(JsonValue, deferred=True, nullable=True)


class ActionExecution(_Common, Base):
    __tablename__ = "action_executions"
    __table_args__ = (
        sa.Index("ix_action_ex_task_ex", "task_execution_id"),
        sa.Index("ix_action_ex_project_created", "project_id", "created_at",
                 "id"),
        sa.Index("ix_action_ex_state", "state"),
        sa.Index("ix_action_ex_name", "name"),
        sa.Index("ix_action_ex_updated_at", "updated_at"),
        sa.Index("ix_action_ex_member", "member_id"),
    )

    name: Mapped[str] = mapped_column(sa.String(255))
    # NULL for an action run synchronously and saved without one (Mistral);
    # no default, which the ORM would put in place of that NULL.
    description: Mapped[str | None] = mapped_column(sa.String(255))
    workflow_name: Mapped[str | None] = mapped_column(sa.String(255))
    workflow_namespace: Mapped[str] = mapped_column(sa.String(255),
                                                    default="")
    task_execution_id: Mapped[str | None] = mapped_column(
        sa.String(36), sa.ForeignKey("task_executions.id",
                                     ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(sa.String(20))
    state_info: Mapped[str | None] = mapped_column(sa.Text)
    tags: Mapped[list] = mapped_column(JsonList, default=list)
    accepted: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    is_sync: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    index: Mapped[int] = mapped_column(sa.Integer, default=0)
    last_heartbeat: Mapped[datetime.datetime | None] = mapped_column(
        sa.DateTime)
    # The process (``ExecutorMember``) that accepted it; NULL until one
    # said so (then Mistral's first_heartbeat_timeout applies).
    member_id: Mapped[str | None] = mapped_column(sa.String(36))
    input: Mapped[dict] = mapped_column(JsonDict, default=dict,
                                        deferred=True)
    output: Mapped[object] = mapped_column(JsonValue, deferred=True, nullable=True)
    runtime_context: Mapped[dict] = mapped_column(JsonDict, default=dict,
                                                  deferred=True)


class ExecutorMember(Base):
    """A process that runs actions (an executor service, an engine running
    actions itself), from its start until it stops or is taken for dead:
    ``last_beat`` is the engines' time of its latest beat."""

    __tablename__ = "executor_members"
    __table_args__ = (
        sa.Index("ix_executor_members_last_beat", "last_beat"),
    )

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    host: Mapped[str] = mapped_column(sa.String(255), default="")
    pid: Mapped[int | None] = mapped_column(sa.Integer)
    started_at: Mapped[datetime.datetime] = mapped_column(
        sa.DateTime, default=utcnow)
    last_beat: Mapped[datetime.datetime] = mapped_column(sa.DateTime)


class DelayedCall(Base):
    """A durable timer: ``func_name(**func_args)`` is due at ``run_at``.
    A scheduler claims a row (``claimed_at``) in a transaction before running
    it, so it fires once whatever the number of schedulers."""

    __tablename__ = "delayed_calls"
    __table_args__ = (
        sa.Index("ix_delayed_calls_run_at", "run_at"),
        sa.Index("ix_delayed_calls_key", "key"),
    )

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True,
                                    default=new_id)
    created_at: Mapped[datetime.datetime] = mapped_column(
        sa.DateTime, default=utcnow)
    run_at: Mapped[datetime.datetime] = mapped_column(sa.DateTime)
    func_name: Mapped[str] = mapped_column(sa.String(255))
    func_args: Mapped[dict] = mapped_column(JsonDict, default=dict)
    key: Mapped[str | None] = mapped_column(sa.String(255))
    claimed_at: Mapped[datetime.datetime | None] = mapped_column(sa.DateTime)


class CronTrigger(_Common, Base):
    __tablename__ = "cron_triggers"
    __table_args__ = (
        sa.UniqueConstraint("name", "project_id",
                            name="uq_cron_triggers_name_project"),
        sa.Index("ix_cron_triggers_next_execution_time",
                 "next_execution_time"),
        sa.Index("ix_cron_triggers_created_at", "created_at", "id"),
        sa.Index("ix_cron_triggers_workflow_id", "workflow_id"),
        sa.Index("ix_cron_triggers_project_scope", "project_id", "scope"),
    )

    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    pattern: Mapped[str | None] = mapped_column(sa.String(100))
    first_execution_time: Mapped[datetime.datetime | None] = mapped_column(
        sa.DateTime)
    next_execution_time: Mapped[datetime.datetime | None] = mapped_column(
        sa.DateTime)
    remaining_executions: Mapped[int | None] = mapped_column(sa.Integer)
    workflow_name: Mapped[str] = mapped_column(sa.String(255))
    workflow_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("workflow_definitions.id"))
    workflow_namespace: Mapped[str] = mapped_column(sa.String(255),
                                                    default="")
    workflow_input: Mapped[dict] = mapped_column(JsonDict, default=dict)
    workflow_params: Mapped[dict] = mapped_column(JsonDict, default=dict)
    scope: Mapped[str] = mapped_column(sa.String(80), default="private")
    # The Keystone trust its firings use (auth on; see keystone_trusts).
    trust_id: Mapped[str | None] = mapped_column(sa.String(80))


class WithItemsValue(Base):
    """One item of a with-items task whose ``concurrency`` holds items
    back: written once when the task starts, read when the item's turn
    comes (O(1) per item, where a list in the task's runtime context would
    be rewritten on every completion)."""

    __tablename__ = "with_items_values"

    task_execution_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("task_executions.id",
                                     ondelete="CASCADE"),
        primary_key=True)
    item_index: Mapped[int] = mapped_column(sa.Integer, primary_key=True,
                                            autoincrement=False)
    # {variable name: value} of this item.
    value: Mapped[dict] = mapped_column(JsonDict, default=dict)


class PendingNotification(Base):
    """One event still to reach one ``params.notify`` publisher (the
    notifier's outbox). The engine step that changes a state writes it in
    the same transaction; a notifier deletes it once delivered.

    ``id`` grows with every row: the events of one workflow execution for
    one publisher (``execution_id``, ``publisher_key``) leave in its order.
    A notifier takes a group with a lease (``claim_id`` until
    ``claimed_until``) that expires if it dies."""

    __tablename__ = "pending_notifications"
    __table_args__ = (
        sa.Index("ix_pending_notifications_group", "execution_id",
                 "publisher_key", "id"),
        sa.Index("ix_pending_notifications_due_at", "due_at"),
    )

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        primary_key=True, autoincrement=True)
    created_at: Mapped[datetime.datetime] = mapped_column(
        sa.DateTime, default=utcnow, nullable=False)
    project_id: Mapped[str | None] = mapped_column(sa.String(80))
    execution_id: Mapped[str] = mapped_column(sa.String(36), nullable=False)
    # sha1 of the publisher's JSON: events for one publisher queue apart
    # from those of another, so a hook that is down delays only itself.
    publisher_key: Mapped[str] = mapped_column(sa.String(40),
                                               nullable=False)
    publisher: Mapped[dict] = mapped_column(JsonDict, default=dict)
    # {"ex_id", "event", "timestamp", "data"}: the publisher's arguments.
    event: Mapped[dict] = mapped_column(JsonDict, default=dict)
    due_at: Mapped[datetime.datetime] = mapped_column(
        sa.DateTime, default=utcnow, nullable=False)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0,
                                          nullable=False)
    claim_id: Mapped[str | None] = mapped_column(sa.String(36))
    claimed_until: Mapped[datetime.datetime | None] = mapped_column(
        sa.DateTime)


class EventTrigger(_Common, Base):
    """Starts ``workflow_id`` for each notification of type ``event`` that
    arrives on ``exchange``/``topic`` (see ``mistral_clone.event_engine``).
    One per (exchange, topic, event, workflow, project), as in Mistral."""

    __tablename__ = "event_triggers"
    __table_args__ = (
        sa.UniqueConstraint("exchange", "topic", "event", "workflow_id",
                            "project_id", name="uq_event_triggers_target"),
        sa.Index("ix_event_triggers_created_at", "created_at", "id"),
        sa.Index("ix_event_triggers_updated_at", "updated_at"),
        sa.Index("ix_event_triggers_project_scope", "project_id", "scope"),
        sa.Index("ix_event_triggers_workflow_id", "workflow_id"),
        sa.Index("ix_event_triggers_name", "name"),
        sa.Index("ix_event_triggers_topic", "topic"),
        sa.Index("ix_event_triggers_event", "event"),
        sa.Index("ix_event_triggers_scope", "scope"),
    )

    name: Mapped[str | None] = mapped_column(sa.String(200))
    workflow_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("workflow_definitions.id"),
        nullable=False)
    workflow_input: Mapped[dict] = mapped_column(JsonDict, default=dict)
    workflow_params: Mapped[dict] = mapped_column(JsonDict, default=dict)
    exchange: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    topic: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    event: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    scope: Mapped[str] = mapped_column(sa.String(80), nullable=False,
                                       default="private")
    # The Keystone trust its firings use (auth on; see keystone_trusts).
    trust_id: Mapped[str | None] = mapped_column(sa.String(80))


class MaintenanceStatus(Base):
    """The cluster's maintenance mode (``/maintenance``): one row, id 1,
    as Mistral's ``mistral_metrics`` entry ``maintenance_status``.

    ``resume_pending`` is set when the mode goes back to RUNNING and
    cleared by the engine that has resumed the paused executions, so a
    crash in between leaves the work to the next engine's look."""

    __tablename__ = "maintenance_status"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True,
                                    autoincrement=False)
    status: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    resume_pending: Mapped[bool] = mapped_column(sa.Boolean, default=False,
                                                 nullable=False)
    changed_at: Mapped[datetime.datetime | None] = mapped_column(
        sa.DateTime)


class WorkflowStart(Base):
    """An execution the API has accepted (its row written RUNNING, as the
    answer shows it) and no engine has started yet: its first tasks are
    still to run. The API writes it in the transaction that creates the
    execution and sends an engine a hint; the engine that starts the
    execution deletes it in the transaction that runs the first tasks, so
    it starts once, and an engine's sweep finds the rows whose hint was
    lost (``engine.accepting``). ``caller`` is the request's security
    context (``context.to_wire``), which the start runs as."""

    __tablename__ = "workflow_starts"
    __table_args__ = (
        sa.Index("ix_workflow_starts_created_at", "created_at"),
    )

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    created_at: Mapped[datetime.datetime] = mapped_column(
        sa.DateTime, default=utcnow, nullable=False)
    caller: Mapped[dict] = mapped_column(JsonDict, default=dict)
