"""Counting the SQL statements a piece of code sends (tests that hold
the engine to "one query for many rows")."""

import contextlib

import sqlalchemy as sa

from mistral_clone.db import session as db_session


@contextlib.contextmanager
def recorded(verb=None, bind=None):
    """The texts of the statements sent through ``bind`` (the process's
    engine unless given: a session's connection counts only that
    session's) while the block runs, those starting with ``verb``
    ("SELECT", "UPDATE") when given."""
    bind = bind if bind is not None else db_session.get_engine()
    seen = []

    def record(_conn, _cursor, statement, *_args):
        if verb is None or statement.lstrip().upper().startswith(verb):
            seen.append(statement)

    sa.event.listen(bind, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(bind, "before_cursor_execute", record)
