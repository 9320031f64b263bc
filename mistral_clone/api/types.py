"""WSME user types for query parameters and bodies."""

import json
import uuid

from wsme import types as wtypes

from mistral_clone import data_limits
from mistral_clone import exceptions as exc


def _loads(text):
    """json.loads of JSON text sent inside a field (``input``, ``params``,
    ``variables``): bounded like a JSON body."""
    if data_limits.json_text_depth(text) > data_limits.MAX_DEPTH:
        raise exc.InputError("Invalid JSON: nested deeper than %d levels."
                             % data_limits.MAX_DEPTH)
    value = json.loads(text)
    problem = data_limits.problem_in(value)
    if problem:
        raise exc.InputError("Invalid JSON: %s." % problem)
    return value


class ListType(wtypes.UserType):
    """A comma-separated list, e.g. ``sort_keys=created_at,name``."""

    basetype = wtypes.text
    name = "list"

    @staticmethod
    def validate(value):
        items = [v.strip() for v in str(value).split(",")]
        return [v for v in items if v]

    def frombasetype(self, value):
        return self.validate(value) if value is not None else None


class UniqueListType(ListType):
    name = "uniquelist"

    @staticmethod
    def validate(value):
        seen, result = set(), []
        for item in ListType.validate(value):
            if item not in seen:
                seen.add(item)
                result.append(item)
        return result


_FILTER_OPS = ("eq", "neq", "gt", "gte", "lt", "lte", "has", "in", "nin")


def _check_uuid(value, shown):
    try:
        uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise exc.InputError("Expected a uuid but received %s." % shown)


class UuidType(wtypes.UserType):
    """A uuid, or a filter on uuids (``eq:<uuid>``, ``in:<uuid>,<uuid>``):
    the value after the operator is checked; the text is kept as given."""

    basetype = wtypes.text
    name = "uuid"

    @staticmethod
    def validate(value):
        op, sep, rest = str(value).partition(":")
        if not sep or op not in _FILTER_OPS:
            _check_uuid(value, value)
        elif op in ("in", "nin"):
            items = rest.split(",")
            for item in items:
                _check_uuid(item, items)
        else:
            _check_uuid(rest, rest)
        return value

    def frombasetype(self, value):
        return self.validate(value) if value is not None else None


class JsonType(wtypes.UserType):
    """Any JSON value: a body may send an object or its JSON text."""

    basetype = wtypes.text
    name = "json"

    def validate(self, value):
        if value is None or isinstance(value, (dict, list, str, int, float,
                                               bool)):
            return value
        raise exc.InputError("%s is not JSON serializable" % (value,))

    def frombasetype(self, value):
        if isinstance(value, str):
            try:
                return _loads(value)
            except ValueError:
                return value
        return value

    def tobasetype(self, value):
        return value


class JsonTextType(wtypes.UserType):
    """A JSON value that travels as JSON-encoded text (Mistral's `input`,
    `output`, `params`, `published`, ... fields)."""

    basetype = wtypes.text
    name = "jsontext"

    def validate(self, value):
        return value

    def frombasetype(self, value):
        if isinstance(value, str):
            try:
                return _loads(value)
            except ValueError:
                raise exc.InputError("Invalid JSON: %s" % value)
        return value

    def tobasetype(self, value):
        if value is None or isinstance(value, str) and value == "":
            return value
        return json.dumps(value, sort_keys=False)


class JsonDictType(wtypes.UserType):
    """A JSON object: decoded from an object or its text, encoded as text."""

    basetype = wtypes.text
    name = "json"

    def validate(self, value):
        if not value:
            return {}
        if not isinstance(value, dict):
            raise exc.InputError(
                "JsonType field value must be a dictionary [actual=%s]"
                % (value,))
        return value

    def frombasetype(self, value):
        if value is None or isinstance(value, dict):
            return value
        if not isinstance(value, (str, bytes, bytearray)):
            # json.loads' own words, as Mistral answers them.
            raise ValueError("the JSON object must be str, bytes or "
                             "bytearray, not %s" % type(value).__name__)
        try:
            return _loads(value)
        except TypeError as e:
            # WSME reports a ValueError as "Invalid input for field ...".
            raise ValueError(e)

    def tobasetype(self, value):
        return json.dumps(value) if value is not None else None


class CountType(wtypes.UserType):
    """A whole number from 1 to the largest value of an INTEGER column.
    Read from JSON as is (the text base type passes it through), so that a
    list, an object or a number out of range is a 400, not a crash."""

    basetype = wtypes.text
    name = "count"
    MAX = 2 ** 31 - 1

    def validate(self, value):
        if isinstance(value, str) and value.isdigit():
            value = int(value)  # as WSME's int type reads it
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("Value should be a whole number")
        if value < 1:
            raise ValueError("Value should be greater or equal to 1")
        if value > self.MAX:
            raise ValueError("Value should be lower or equal to %d"
                             % self.MAX)
        return value

    def frombasetype(self, value):
        return value  # checked by validate, which names the field


uuid_type = UuidType()
list_type = ListType()
uniquelist = UniqueListType()
jsontype = JsonType()
jsontext = JsonTextType()
jsondict = JsonDictType()
count = CountType()
