"""New hot rows (task and action executions) written with one Core INSERT.

The ORM's unit of work costs far more CPU than the statement it finally
sends, and it cannot order the INSERTs of two mappers without a
relationship between them (so a new task had to be flushed on its own
before its action execution). ``insert_now`` sends the row's INSERT at
once, then attaches the object to the session as if it had just been
loaded: every column is set (Python-side defaults applied here), so no
attribute is ever lazily re-read, and later changes to it become plain
UPDATEs at the next flush, as before.
"""

from typing import Any, Callable

import sqlalchemy as sa
from sqlalchemy import orm

# Per mapped class: (INSERT statement, [(attribute, column name, default)]).
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


def _plan(cls) -> tuple:
    plan = _plans.get(cls)
    if plan is None:
        mapper = sa.inspect(cls)
        fields = []
        for prop in mapper.column_attrs:
            column = prop.columns[0]
            fields.append((prop.key, column.key, _default_of(column)))
        plan = _plans[cls] = (sa.insert(mapper.local_table), tuple(fields))
    return plan


def insert_now(session: orm.Session, obj) -> None:
    """INSERT ``obj`` (transient) now and make it persistent and clean in
    ``session``. Rows it references must exist already: pending objects of
    the session are flushed first; its pending UPDATEs are left for the
    next flush."""
    if session.new:
        session.flush()
    stmt, fields = _plan(type(obj))
    attrs = obj.__dict__
    values = {}
    for key, column_key, default in fields:
        if key in attrs:
            value = attrs[key]
        else:
            value = default()
            setattr(obj, key, value)
        values[column_key] = value
    # On the session's connection, not ``session.execute``: that would
    # autoflush the step's pending UPDATEs now, and the commit would need
    # a second flush for what follows.
    session.connection().execute(stmt, values)
    orm.make_transient_to_detached(obj)
    session.add(obj)
