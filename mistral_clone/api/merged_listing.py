"""One page of a list that joins rows of a table with items that are not
rows (``/v2/actions``: stored actions plus dynamic actions, whose input is
read from their loaded class). The table's rows come filtered and sorted
by the database; here the other items go through the same filters, the
whole is sorted by the same keys and the page is cut after the marker.
"""

import datetime
import functools

from mistral_clone import exceptions as exc


def _text(value):
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return "" if value is None else str(value)


def _matches(item: dict, flt) -> bool:
    value = item.get(flt.column)
    if flt.op == "eq":
        return value == flt.value if flt.value is None or \
            isinstance(value, bool) else _text(value) == _text(flt.value)
    if flt.op == "neq":
        return not _matches(item, type(flt)(flt.column, "eq", flt.value))
    if flt.op in ("in", "nin"):
        found = _text(value) in [_text(v) for v in flt.value]
        return found if flt.op == "in" else not found
    if flt.op == "has":
        return _text(flt.value) in _text(value)
    if value is None:
        return False
    left, right = _text(value), _text(flt.value)
    return {"gt": left > right, "gte": left >= right, "lt": left < right,
            "lte": left <= right}.get(flt.op, False)


def _compare(keys, dirs, first: dict, second: dict) -> int:
    for key, direction in zip(keys, dirs):
        a, b = first.get(key), second.get(key)
        a_key = (a is not None, _text(a))
        b_key = (b is not None, _text(b))
        result = (a_key > b_key) - (a_key < b_key)
        if result:
            return result if direction == "asc" else -result
    return 0


def page(rows: list, others: list, spec, marker, marker_not_found: str):
    """The items after ``marker`` (an id or a name) among ``rows`` (already
    filtered) and ``others`` (filtered here), sorted by ``spec``'s keys, at
    most ``spec.limit`` of them."""
    others = [item for item in others
              if all(_matches(item, flt) for flt in spec.filters)]
    items = sorted(rows + others, key=functools.cmp_to_key(
        functools.partial(_compare, spec.sort_keys, spec.sort_dirs)))
    if marker:
        positions = [i for i, item in enumerate(items)
                     if marker in (item.get("id"), item.get("name"))]
        if not positions:
            raise exc.NotFoundError(marker_not_found % marker)
        items = items[positions[0] + 1:]
    return items[:spec.limit] if spec.limit else items
