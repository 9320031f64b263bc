"""WSME resource types shared by the controllers: the base resource and the
list ("collection") type with its ``next`` link."""

import datetime

from wsme import types as wtypes


def format_time(value):
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


class Resource(wtypes.Base):
    """A resource read from a row; ``fields`` keeps only the named ones."""

    # Attributes whose value is a datetime rendered as Mistral does.
    _time_fields = ("created_at", "updated_at")

    @classmethod
    def field_names(cls):
        return [a.name for a in cls._wsme_attributes]

    @classmethod
    def from_values(cls, values, fields=None):
        resource = cls()
        names = fields or cls.field_names()
        for name in names:
            if name not in values:
                continue
            value = values[name]
            if name in cls._time_fields or isinstance(value,
                                                      datetime.datetime):
                value = format_time(value)
            setattr(resource, name, value)
        return resource

    def to_dict(self):
        result = {}
        for attr in self._wsme_attributes:
            value = getattr(self, attr.name)
            if value is not wtypes.Unset:
                result[attr.name] = value
        return result


class Collection(wtypes.Base):
    """A page of resources; subclasses name their list attribute."""

    next = wtypes.text
    _items_name = None

    @classmethod
    def build(cls, items, next_link):
        collection = cls()
        setattr(collection, cls._items_name, items)
        if next_link:
            collection.next = next_link
        return collection
