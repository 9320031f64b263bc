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
    by_id = is_uuid(identifier)
    with_namespace = not by_id and namespace is not None and \
        hasattr(model, "namespace")
    guarded = not (ctx is None or ctx.is_admin)
    shape = (model, by_id, with_namespace, guarded, include_public,
             for_update)
    if options:
        stmt = _statement(ctx, *shape, options)
    else:
        stmt = _statements.get(shape)
        if stmt is None:
            stmt = _statements[shape] = _statement(ctx, *shape, ())
    params = {"identifier": identifier}
    if with_namespace:
        params["namespace"] = namespace or ""
    if guarded:
        params["project_id"] = ctx.project_id
    rows = session.execute(stmt, params).scalars().all()
    if not rows:
        return None
    own = [r for r in rows if ctx is None or r.project_id == ctx.project_id]
    return (own or rows)[0]


# Look-up statements by their shape, built once: building one with its
# project guard cost more than running it.
_statements = {}


def _statement(ctx, model, by_id, with_namespace, guarded, include_public,
               for_update, options):
    column = model.id if by_id else model.name
    stmt = sa.select(model).options(*options).where(
        column == sa.bindparam("identifier"))
    if with_namespace:
        stmt = stmt.where(model.namespace == sa.bindparam("namespace"))
    if guarded:
        stmt = dbq.guard(stmt, model, ctx, False, include_public,
                         project=sa.bindparam("project_id"))
    if for_update:
        stmt = stmt.with_for_update()
    return stmt


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
