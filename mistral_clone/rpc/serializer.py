"""What travels over RPC: the request context as a plain dict, and
entities as JSON where datetimes keep their type."""

import datetime

import oslo_messaging as messaging

from mistral_clone import context as mc_context

_DT_KEY = "__datetime__"
_DT_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"


def to_primitive(value):
    if isinstance(value, datetime.datetime):
        return {_DT_KEY: value.strftime(_DT_FORMAT)}
    if isinstance(value, dict):
        return {k: to_primitive(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_primitive(v) for v in value]
    return value


def from_primitive(value):
    if isinstance(value, dict):
        if len(value) == 1 and _DT_KEY in value:
            return datetime.datetime.strptime(value[_DT_KEY], _DT_FORMAT)
        return {k: from_primitive(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_primitive(v) for v in value]
    return value


class ContextSerializer(messaging.Serializer):
    def serialize_entity(self, ctxt, entity):
        return to_primitive(entity)

    def deserialize_entity(self, ctxt, entity):
        return from_primitive(entity)

    def serialize_context(self, ctxt):
        if ctxt is None:
            return {}
        if isinstance(ctxt, dict):
            return ctxt
        return ctxt.to_wire()

    def deserialize_context(self, ctxt):
        return mc_context.RequestContext.from_wire(ctxt)
