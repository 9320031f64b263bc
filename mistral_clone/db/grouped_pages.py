"""A page of a list sorted in mixed directions
(``sort_keys=workflow_name,created_at&sort_dirs=asc,desc``), read one group
of its first key at a time.

No index holds a mixed order, so the one query of such a page makes the
database sort every row of the first-key group the page starts in (all of
one workflow's executions: about a second for 25,000 of them, and the
deeper the marker, the more it sorts). The page is read instead in up to
three queries that each stay inside what an index serves:

1. where the page starts: the marker's first key, or the first key's first
   value (one row, by the index on that key);
2. the rest of that group in the order of the other keys (the first key
   fixed: an index on the first keys serves it in either direction), from
   the marker on;
3. only when the page is not full yet, the rows whose first key comes
   after that group, by the usual query.

The rows and their order are the one query's; the database sorts a whole
group only when a page crosses into the next one.
"""

import sqlalchemy as sa

from mistral_clone.db import query as dbq


# Column types whose values compare in the database as they sort there
# (not JSON text, whose bound value is the object serialized again).
_PLAIN_TYPES = (sa.String, sa.DateTime, sa.Integer, sa.Boolean)


def applies(model, spec) -> bool:
    """Whether the page is read by groups: the caller's sort keys change
    direction after the first one, a plain column that holds no NULL (a
    NULL group would have no place in a comparison)."""
    if not spec.limit or len(spec.sort_keys) < 2:
        return False
    column = sa.inspect(model).columns.get(spec.sort_keys[0])
    if column is None or column.nullable or \
            not isinstance(column.type, _PLAIN_TYPES):
        return False
    return any(d != spec.sort_dirs[0] for d in spec.sort_dirs[1:])


def read(session, stmt, model, spec, marker_row):
    """The rows of the page: ``stmt`` is the list's query with its guard
    and filters, not yet sorted nor paged. Returns (rows, keys, dirs) as
    ``query.paginate`` does."""
    keys, dirs = dbq.sort_order(spec)
    first, direction = getattr(model, keys[0]), dirs[0]
    if marker_row is not None:
        start = getattr(marker_row, keys[0])
    else:
        head = session.execute(
            stmt.order_by(first.desc() if direction == "desc" else first.asc())
            .limit(1)).scalar()
        if head is None:
            return [], keys, dirs
        start = getattr(head, keys[0])
    if start is None:  # not from this schema: the one query then
        stmt, keys, dirs = dbq.paginate(stmt, model, spec, marker_row)
        return session.execute(stmt).scalars().all(), keys, dirs
    in_group = dbq.ListSpec(limit=spec.limit, sort_keys=keys[1:],
                            sort_dirs=dirs[1:])
    group_stmt, _, _ = dbq.paginate(
        stmt.where(first == start), model, in_group, marker_row)
    rows = list(session.execute(group_stmt).scalars().all())
    if len(rows) < spec.limit:
        after = first > start if direction == "asc" else first < start
        rest = dbq.ListSpec(limit=spec.limit - len(rows), sort_keys=keys,
                            sort_dirs=dirs)
        rest_stmt, _, _ = dbq.paginate(stmt.where(after), model, rest)
        rows += session.execute(rest_stmt).scalars().all()
    return rows, keys, dirs
