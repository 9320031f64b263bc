"""Building list queries once for every resource: the project/scope guard,
Mistral's filter operators, sorting and keyset pagination by marker."""

import dataclasses
import datetime
import json
from typing import Any

import sqlalchemy as sa

from mistral_clone import exceptions as exc
from mistral_clone.db import sharing

OPERATORS = ("eq", "neq", "in", "nin", "gt", "gte", "lt", "lte", "has")


@dataclasses.dataclass
class Filter:
    column: str
    op: str
    value: Any


@dataclasses.dataclass
class ListSpec:
    """What a list request asks for, already validated."""

    limit: int | None = None
    marker: str | None = None
    sort_keys: list = dataclasses.field(default_factory=lambda: ["created_at"])
    sort_dirs: list = dataclasses.field(default_factory=lambda: ["asc"])
    filters: list = dataclasses.field(default_factory=list)
    all_projects: bool = False


def guard(stmt, model, ctx, all_projects=False, include_public=True,
          project=None):
    """Rows of the caller's project, plus public ones where the model has a
    scope and the ones shared with the caller's project that it accepted
    (workflow members); every row for ``all_projects`` (an admin-only
    option). Without ``include_public``, the caller's own rows only.
    ``project`` stands for the caller's project where given (a bound
    parameter of a statement built once for every caller)."""
    if all_projects or ctx is None:
        return stmt
    project = ctx.project_id if project is None else project
    own = model.project_id == project
    if not include_public:
        return stmt.where(own)
    visible = [own]
    if hasattr(model, "scope"):
        visible.append(model.scope == "public")
    shared = sharing.shared_with(model, project)
    if shared is not None:
        visible.append(shared)
    return stmt.where(sa.or_(*visible) if len(visible) > 1 else own)


def public_rows_of_others(session, model, ctx) -> bool:
    """Whether any public row of another project exists: when none does
    (executions are always private), the guard can be the project alone,
    which an index on (project_id, sort keys) serves; ``project_id = x OR
    scope = 'public'`` would make the database read and sort every row of
    the project for a page."""
    if ctx is None or not hasattr(model, "scope"):
        return False
    stmt = (sa.select(model.id)
            .where(model.scope == "public", model.project_id != ctx.project_id)
            .limit(1))
    return session.execute(stmt).first() is not None


# Filter values that mean NULL in a column of dates, numbers or booleans
# (Mistral answers 500 there); in a text column they are the words.
_NULL_WORDS = ("null", "None")


def _coerce(column, value):
    if value is None:
        return None
    python_type = None
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        pass
    if python_type in (datetime.datetime, bool, int) and \
            value in _NULL_WORDS:
        return None
    if python_type is datetime.datetime and isinstance(value, str):
        try:
            return datetime.datetime.fromisoformat(value.replace("Z", ""))
        except ValueError:
            raise exc.InputError(
                "Invalid value for filter %s: '%s' is not a date-time"
                % (column.key, value))
    if python_type is bool and isinstance(value, str):
        lowered = value.lower()
        if lowered in ("true", "1", "yes"):
            return True
        if lowered in ("false", "0", "no"):
            return False
        raise exc.InputError("Invalid value for filter %s: '%s' is not a "
                             "boolean" % (column.key, value))
    if python_type is int and isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            raise exc.InputError("Invalid value for filter %s: '%s' is not "
                                 "an integer" % (column.key, value))
    return value


def _is_json_list(column):
    from mistral_clone.db.types import JsonList
    return isinstance(column.type, JsonList)


def _tag_clause(column, tag):
    """Tags are a JSON list in text: match the quoted element."""
    # type_coerce: the pattern must not go through the JSON bind processor.
    text = sa.type_coerce(column, sa.Text)
    return text.contains(json.dumps(tag), autoescape=True)


def apply_filter(stmt, model, flt: Filter):
    column = getattr(model, flt.column)
    prop = column.property.columns[0]
    if _is_json_list(prop):
        values = flt.value if isinstance(flt.value, list) else \
            str(flt.value).split(",")  # tags=a,b: both tags, as Mistral
        clauses = [_tag_clause(column, str(v)) for v in values]
        if flt.op in ("eq", "has", "in"):
            combine = sa.and_ if flt.op != "in" else sa.or_
            return stmt.where(combine(*clauses))
        if flt.op in ("neq", "nin"):
            return stmt.where(sa.not_(sa.or_(*clauses)))
        raise exc.InputError("Operator '%s' is not supported for %s"
                             % (flt.op, flt.column))
    if flt.op in ("in", "nin"):
        values = [_coerce(prop, v) for v in flt.value]
        clause = column.in_(values)
        return stmt.where(clause if flt.op == "in" else ~clause)
    value = _coerce(prop, flt.value)
    if flt.op == "has":
        return stmt.where(column.contains(str(flt.value), autoescape=True))
    if flt.op == "eq":
        return stmt.where(column.is_(None) if value is None
                          else column == value)
    if flt.op == "neq":
        return stmt.where(column.is_not(None) if value is None
                          else column != value)
    comparators = {"gt": column > value, "gte": column >= value,
                   "lt": column < value, "lte": column <= value}
    return stmt.where(comparators[flt.op])


def _row_value(columns, values):
    """``values`` as a row value bound with their columns' types (a JSON
    column's value is its text, not a Python dict)."""
    return sa.tuple_(*[sa.bindparam(None, value, type_=column.type)
                       for column, value in zip(columns, values)])


def _bound_leading_keys(stmt, columns, dirs, values):
    """Every row after the marker has its leading sort keys (those sorted
    in the first key's direction, up to the first NULL) at or past the
    marker's: saying so in one row-value comparison lets the database
    start an index scan at the marker, where the OR of the keyset alone
    would be read from the list's beginning (a page deep in a big table
    would cost all the rows before it)."""
    prefix = []
    for column, direction, value in zip(columns, dirs, values):
        if direction != dirs[0] or value is None:
            break
        prefix.append((column, value))
    if not prefix:
        return stmt
    left = sa.tuple_(*[column for column, _ in prefix])
    right = _row_value(*zip(*prefix))
    return stmt.where(left >= right if dirs[0] == "asc" else left <= right)


def sort_order(spec: ListSpec):
    """The list's sort keys and directions, ending with Mistral's
    tie-breaker (id ascending) unless the caller sorts by id."""
    keys = list(spec.sort_keys)
    dirs = list(spec.sort_dirs)
    if "id" not in keys:
        keys.append("id")
        dirs.append("asc")
    return keys, dirs


def paginate(stmt, model, spec: ListSpec, marker_row=None):
    keys, dirs = sort_order(spec)
    columns = [getattr(model, k) for k in keys]
    order = [c.desc() if d == "desc" else c.asc()
             for c, d in zip(columns, dirs)]
    stmt = stmt.order_by(*order)
    values = None if marker_row is None else \
        [getattr(marker_row, k) for k in keys]
    if values is not None and len(set(dirs)) == 1 and None not in values:
        # Every key one way: the rows after the marker are one row-value
        # comparison, the keyset's OR in the form the database reads as
        # one range of an index (the OR and a bound beside it made
        # PostgreSQL count that range twice, misjudge it as small and
        # read and sort all of it rather than walk the index in order).
        left, right = sa.tuple_(*columns), _row_value(columns, values)
        stmt = stmt.where(left > right if dirs[0] == "asc" else left < right)
    elif values is not None:
        alternatives = []
        for i, (column, direction, value) in enumerate(
                zip(columns, dirs, values)):
            equal_before = [
                columns[j].is_(None) if values[j] is None
                else columns[j] == values[j] for j in range(i)]
            if value is None:
                # NULLs sort first ascending on SQLite and last on PostgreSQL
                # descending; keep it simple: only non-NULLs come after.
                after = column.is_not(None) if direction == "asc" else None
            else:
                after = column > value if direction == "asc" else \
                    column < value
            if after is not None:
                alternatives.append(sa.and_(*equal_before, after))
        stmt = stmt.where(sa.or_(*alternatives)) if alternatives else \
            stmt.where(sa.false())
        stmt = _bound_leading_keys(stmt, columns, dirs, values)
    if spec.limit:
        stmt = stmt.limit(spec.limit)
    return stmt, keys, dirs
