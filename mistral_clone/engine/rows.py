"""New hot rows (task and action executions) written with Core INSERTs,
several rows per statement.

The ORM's unit of work costs far more CPU than the statements it finally
sends, and it cannot order the INSERTs of two mappers without a
relationship between them (so a new task had to be flushed on its own
before its action execution). ``insert`` attaches the object to the session
at once as if it had just been loaded: every column is set (Python-side
defaults applied here), so no attribute is ever lazily re-read, and later
changes to it become plain UPDATEs at the next flush. The INSERT itself
waits in the session until just before the session's next statement, flush
or commit, and goes out then with the other rows waiting, one executemany
per table, tables in the order of their foreign keys (tasks before
action executions): an engine step absorbing the results of fifty
executions sends two INSERT statements instead of a hundred round trips.
Whatever reads the database through the session sees the rows.
"""

from typing import Any, Callable

import sqlalchemy as sa
from sqlalchemy import event, orm

# Per mapped class: (INSERT statement, [(attribute, column name, default)],
# rank of the table in foreign-key order).
_plans: dict = {}


def _default_of(column) -> Callable[[], Any]:
    default = column.default
    if default is None:
        return lambda: None
    if default.is_callable:
        # SQLAlchemy wraps a column default callable as ``fn(context)``.
        return lambda: default.arg(None)
    if default.is_scalar:
        value = default.arg
        return lambda: value
    raise TypeError("Unsupported default on %s" % column)


def _rank(table) -> int:
    """Position of ``table`` in its metadata's foreign-key order."""
    return table.metadata.sorted_tables.index(table)


def _plan(cls) -> tuple:
    plan = _plans.get(cls)
    if plan is None:
        mapper = sa.inspect(cls)
        fields = []
        for prop in mapper.column_attrs:
            column = prop.columns[0]
            fields.append((prop.key, column.key, _default_of(column)))
        plan = _plans[cls] = (sa.insert(mapper.local_table), tuple(fields),
                              _rank(mapper.local_table))
    return plan


_PENDING = "mistral_clone.pending_rows"


def insert(session: orm.Session, obj) -> None:
    """Make ``obj`` (transient) persistent and clean in ``session`` now and
    queue its INSERT (see the module's docstring). Rows it references must
    exist or be queued already: pending objects of the session are flushed
    first; its pending UPDATEs are left for the next flush."""
    if session.new:
        session.flush()
    stmt, fields, rank = _plan(type(obj))
    attrs = obj.__dict__
    values = {}
    for key, column_key, default in fields:
        if key in attrs:
            value = attrs[key]
        else:
            value = default()
            setattr(obj, key, value)
        values[column_key] = value
    orm.make_transient_to_detached(obj)
    session.add(obj)
    pending = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = ({}, [])
    pending[0].setdefault((rank, stmt), []).append(values)
    pending[1].append(obj)


def send_pending(session: orm.Session) -> None:
    """Send the queued INSERTs of ``session`` now."""
    pending = session.info.pop(_PENDING, None)
    if pending:
        # On the session's connection, not ``session.execute``: that would
        # come back here and autoflush the step's pending UPDATEs now.
        connection = session.connection()
        for (_rank, stmt), values in sorted(pending[0].items(),
                                            key=lambda item: item[0][0]):
            connection.execute(stmt, values)


def discard_pending(session: orm.Session) -> None:
    """Forget the queued INSERTs (their savepoint was rolled back) and the
    objects that stood for them."""
    pending = session.info.pop(_PENDING, None)
    if pending:
        for obj in pending[1]:
            if obj in session:
                session.expunge(obj)


@event.listens_for(orm.Session, "do_orm_execute")
def _before_statement(orm_execute_state) -> None:
    session = orm_execute_state.session
    if _PENDING in session.info:
        send_pending(session)


@event.listens_for(orm.Session, "before_flush")
def _before_flush(session, _flush_context, _instances) -> None:
    if _PENDING in session.info:
        send_pending(session)


@event.listens_for(orm.Session, "before_commit")
def _before_commit(session) -> None:
    if _PENDING in session.info:
        send_pending(session)
