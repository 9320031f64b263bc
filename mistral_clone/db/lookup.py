"""Finding one row by name-or-id as the API addresses resources, within the
caller's project (plus public rows), and the duplicate-name error."""

import uuid

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from mistral_clone import exceptions as exc
from mistral_clone.db import query as dbq


def is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
        return True
    except (TypeError, ValueError, AttributeError):
        return False


def by_name_or_id(session, model, ctx, identifier, namespace=None,
                  for_update=False, include_public=True, options=()):
    """The row named or identified by ``identifier``; the caller's own row
    wins over a public one of the same name. None when absent. ``options``
    are loader options (``orm.undefer`` of a column the caller reads)."""
    stmt = sa.select(model).options(*options)
    if is_uuid(identifier):
        stmt = stmt.where(model.id == identifier)
    else:
        stmt = stmt.where(model.name == identifier)
        if namespace is not None and hasattr(model, "namespace"):
            stmt = stmt.where(model.namespace == (namespace or ""))
    all_projects = bool(ctx is not None and ctx.is_admin)
    stmt = dbq.guard(stmt, model, ctx, all_projects, include_public)
    if for_update:
        stmt = stmt.with_for_update()
    rows = session.execute(stmt).scalars().all()
    if not rows:
        return None
    own = [r for r in rows if ctx is None or r.project_id == ctx.project_id]
    return (own or rows)[0]


def owned_for_update(session, model, ctx, identifier):
    """The row, locked for a change by ``ctx``: None when ``ctx`` does not
    see it; 403 when it sees it only as another project's public row."""
    row = by_name_or_id(session, model, ctx, identifier, for_update=True)
    if row is not None and ctx is not None and not ctx.is_admin and \
            row.project_id != ctx.project_id:
        raise exc.NotAllowedError(
            "Can not access %s resource of other projects, ID: %s"
            % (model.__name__, row.id))
    return row


def insert(session, row, duplicate_message):
    """Add ``row`` and flush; a unique clash becomes a 409."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except sa_exc.IntegrityError:
        raise exc.DuplicateEntryError(duplicate_message)
    return row
