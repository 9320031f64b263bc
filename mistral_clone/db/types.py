"""Column types that hold JSON as text, the same on SQLite and PostgreSQL."""

import json

import sqlalchemy as sa


class JsonValue(sa.types.TypeDecorator):
    """Any JSON value stored as text."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return json.dumps(value, separators=(",", ":"), default=str)

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
