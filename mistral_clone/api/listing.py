"""The list endpoints' shared behaviour, written once: query parameter
checks, filters with Mistral's operators, ``fields``, keyset pagination and
the ``next`` link."""

import json
import urllib.parse

import pecan
import sqlalchemy as sa
from sqlalchemy import orm as sa_orm

from mistral_clone import config
from mistral_clone import exceptions as exc
from mistral_clone.db import grouped_pages
from mistral_clone.db import query as dbq
from mistral_clone.db import session as db_session


# A filter value asking for NULL (what the ``nulls`` parameter asks): the
# text ``null`` in a query is the word itself, as in Mistral, except for
# dates, numbers and booleans (see ``db.query``).
IS_NULL = object()


def parse_filter(column, raw):
    """``eq:x``, ``in:a,b``, ... -> Filter; no known prefix means eq."""
    if raw is None:
        return None
    if raw is IS_NULL:
        return dbq.Filter(column, "eq", None)
    if isinstance(raw, str):
        op, sep, rest = raw.partition(":")
        if sep and op in dbq.OPERATORS:
            value = rest
        else:
            op, value = "eq", raw
        if op in ("in", "nin"):
            value = [v for v in value.split(",")] if value else []
        return dbq.Filter(column, op, value)
    return dbq.Filter(column, "eq", raw)


class JsonFilterValue(dict):
    """A JSON filter's value: matched as an object, written back into the
    ``next`` link as JSON text."""

    def __str__(self):
        return json.dumps(self, separators=(",", ":"))


def add_json_filters(filters: dict, **values) -> dict:
    """``filters`` plus the JSON column filters given (a JSON filter is an
    exact match of the stored object, bound through the column's type).

    A value that is JSON but not an object (``workflow_input=true``)
    matches no row, as in Mistral's cron trigger list: it is compared as
    its JSON text, which no stored object is (a crash once)."""
    for column, value in values.items():
        if isinstance(value, dict):
            if value:
                filters[column] = JsonFilterValue(value)
        elif value:
            filters[column] = "eq:" + json.dumps(value)
    return filters


def _filter_link_args(filters) -> list:
    """The query arguments of ``filters`` in a ``next`` link; the NULL
    ones as one ``nulls``."""
    args, nulls = [], []
    for flt in filters:
        if flt.op in ("in", "nin"):
            value = "%s:%s" % (flt.op, ",".join(str(v) for v in flt.value))
        elif flt.value is None:
            nulls.append(flt.column)
            continue
        else:
            value = "%s:%s" % (flt.op, flt.value)
        args.append((flt.column, value))
    if nulls:
        args.append(("nulls", ",".join(nulls)))
    return args


def with_id(fields) -> list:
    """``fields`` with ``id`` first (any ``fields`` answer carries it)."""
    fields = list(fields or [])
    if fields and "id" not in fields:
        fields.insert(0, "id")
    return fields


def check_fields(resource_cls, fields):
    """The ``fields`` asked for, with ``id`` first; 400 for unknown ones."""
    fields = list(fields or [])
    if fields:
        resource_fields = resource_cls.field_names()
        invalid = [f for f in fields if f not in resource_fields]
        if invalid:
            raise exc.InputError(
                "Some fields do not exist  [%s], please choose from [%s]"
                % (", ".join(invalid), ", ".join(resource_fields)))
    return with_id(fields)


def check_one_fields(resource_cls, fields):
    """``fields`` of a single-resource GET that Mistral reads column by
    column: the first unknown one is named alone."""
    fields = list(fields or [])
    known = resource_cls.field_names()
    for field in fields:
        if field not in known:
            raise exc.InputError("Field '%s' does not exist." % field)
    return with_id(fields)


def make_spec(model, resource_cls, limit=None, marker=None, sort_keys=None,
              sort_dirs=None, fields=None, all_projects=False, **filters):
    """Validate the standard list parameters; returns (ListSpec, fields)."""
    max_limit = config.CONF.api.max_limit
    if limit is not None and limit <= 0:
        raise exc.InputError("Limit must be positive.")
    if limit is None or limit > max_limit:
        limit = max_limit
    sort_keys = list(sort_keys) if sort_keys else ["created_at"]
    sort_dirs = list(sort_dirs) if sort_dirs else ["asc"]
    if len(sort_keys) < len(sort_dirs):
        raise exc.InputError(
            "Length of sort_keys must be equal or greater than sort_dirs.")
    sort_dirs += ["asc"] * (len(sort_keys) - len(sort_dirs))
    for direction in sort_dirs:
        if direction not in ("asc", "desc"):
            raise exc.InputError(
                "Unknown sort direction, must be 'desc' or 'asc'.")
    columns = set(sa.inspect(model).columns.keys())
    resource_fields = resource_cls.field_names()
    for key in sort_keys:
        if key not in columns or key not in resource_fields:
            raise exc.InputError("Sort key supplied is invalid: %s" % key)
    fields = check_fields(resource_cls, fields)
    parsed = []
    for column, raw in filters.items():
        flt = parse_filter(column, raw)
        if flt is not None:
            parsed.append(flt)
    spec = dbq.ListSpec(limit=limit, marker=marker, sort_keys=sort_keys,
                        sort_dirs=sort_dirs, filters=parsed,
                        all_projects=all_projects)
    return spec, fields


def fetch_page(model, spec, ctx, to_values, marker_not_found,
               base_stmt=None, include_public=True):
    """Rows of one page, turned into dicts by ``to_values(row)``."""
    with db_session.read_only() as session:
        stmt = base_stmt if base_stmt is not None else sa.select(model)
        if base_stmt is None and "definition" in sa.inspect(model).attrs:
            # Lists show the definition: one query, not one per row.
            stmt = stmt.options(sa_orm.undefer(model.definition))
        # Shareable rows (workflows) keep the whole guard: what was shared
        # with the caller is in its OR too.
        include_public = include_public and not spec.all_projects and (
            getattr(model, "shared_as", None) is not None
            or dbq.public_rows_of_others(session, model, ctx))
        stmt = dbq.guard(stmt, model, ctx, spec.all_projects, include_public)
        for flt in spec.filters:
            stmt = dbq.apply_filter(stmt, model, flt)
        marker_row = None
        if spec.marker:
            # A row the caller may not list is no marker: not found.
            marker_row = session.execute(dbq.guard(
                sa.select(model).where(model.id == spec.marker), model, ctx,
                spec.all_projects, include_public)).scalar()
            if marker_row is None:
                raise exc.NotFoundError(marker_not_found % spec.marker)
        if grouped_pages.applies(model, spec):
            rows, keys, dirs = grouped_pages.read(
                session, stmt, model, spec, marker_row)
        else:
            stmt, keys, dirs = dbq.paginate(stmt, model, spec, marker_row)
            rows = session.execute(stmt).scalars().all()
        spec.sort_keys, spec.sort_dirs = keys, dirs
        return [to_values(row) for row in rows]


def next_link(resource_path, spec, fields, items, extra_args=()):
    """Mistral's ``next`` link: only when the page is full."""
    if not spec.limit or len(items) < spec.limit:
        return None
    args = [("sort_keys", ",".join(spec.sort_keys)),
            ("sort_dirs", ",".join(spec.sort_dirs))]
    args += list(extra_args)
    args += _filter_link_args(spec.filters)
    query = "&".join("%s=%s" % (k, v) for k, v in args)
    link = "%s/v2/%s?%s&limit=%d&marker=%s" % (
        pecan.request.application_url, resource_path, query, spec.limit,
        items[-1]["id"])
    if fields:
        link += "&fields=%s" % ",".join(fields)
    return link


def quote(value):
    return urllib.parse.quote(str(value), safe=",:")
