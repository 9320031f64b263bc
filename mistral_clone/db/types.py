"""Column types that hold JSON as text, the same on SQLite and PostgreSQL."""

import collections.abc
import datetime
import json
import re

import sqlalchemy as sa


_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def _primitive(value):
    """What ``json`` cannot write, as Mistral stores it: sets, tuples and
    iterators as lists, any mapping (yaql's frozen dicts) as a dict,
    anything else as its text."""
    if isinstance(value, collections.abc.Mapping):
        return dict(value)
    if isinstance(value, (set, frozenset)) or \
            isinstance(value, collections.abc.Iterator):
        return list(value)
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    # A function or another object an expression produced: its text
    # without the memory address Python puts in it.
    return _ADDRESS.sub("", str(value))


def dumps(value) -> str:
    return json.dumps(value, separators=(",", ":"), default=_primitive)


class JsonValue(sa.types.TypeDecorator):
    """Any JSON value stored as text."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return dumps(value)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return json.loads(value)


class JsonDict(JsonValue):
    cache_ok = True

    def process_result_value(self, value, dialect):
        result = super().process_result_value(value, dialect)
        return {} if result is None else result


class JsonList(JsonValue):
    cache_ok = True

    def process_result_value(self, value, dialect):
        result = super().process_result_value(value, dialect)
        return [] if result is None else result
