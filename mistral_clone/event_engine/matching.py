"""Which triggers a notification fires, and what each start carries: pure
functions of the triggers and the notification, so that they are tested
without a broker or a database.

The execution id is derived from the notification's ``message_id`` and the
trigger: a notification delivered twice (an event engine that died before
acknowledging it, a requeue after a lost reply) asks the engine for the same
execution again, and the engine's start is idempotent by id.
"""

import dataclasses
import json
import uuid
from typing import Iterable, Optional

# Fixed namespace of the derived execution ids.
_EXECUTION_ID_NAMESPACE = uuid.UUID("6f1c1d1e-3b53-4a8e-9d0a-0e7e57d1c0de")


@dataclasses.dataclass(frozen=True)
class Trigger:
    """What an event engine keeps of one event trigger."""

    id: str
    name: Optional[str]
    project_id: str
    scope: str
    exchange: str
    topic: str
    event: str
    workflow_id: str
    workflow_namespace: str
    workflow_input: dict
    workflow_params: dict
    # The Keystone trust its firings run with (auth on).
    trust_id: Optional[str] = None


class TriggerTable:
    """Triggers by (exchange, topic) and event type; immutable, replaced
    as a whole when the triggers change (readers need no lock)."""

    def __init__(self, triggers: Iterable[Trigger] = ()):
        self._triggers = sorted(triggers, key=lambda t: t.id)
        self._by_key: dict = {}
        for trigger in self._triggers:
            self._by_key.setdefault(
                (trigger.exchange, trigger.topic), {}).setdefault(
                    trigger.event, []).append(trigger)

    def listened(self) -> set:
        """The (exchange, topic) pairs some trigger listens on."""
        return set(self._by_key)

    def for_event(self, exchange: str, topic: str,
                  event_type: str) -> list:
        return list(self._by_key.get((exchange, topic), {})
                    .get(event_type, ()))

    def __len__(self):
        return len(self._triggers)

    def __eq__(self, other):
        return isinstance(other, TriggerTable) and \
            self._triggers == other._triggers


def triggers_to_fire(table: TriggerTable, exchange: str, topic: str,
                     event_type: str, notification_ctx: dict,
                     auth_enable: bool) -> list:
    """The triggers of ``event_type`` on ``exchange``/``topic`` that this
    notification fires. With auth on (as Mistral): the triggers of the
    notification's project, and the public ones. With auth off every
    trigger belongs to the one default project, so all of them fire
    (Mistral compares that default project with the notification's real
    one and fires nothing but public triggers)."""
    candidates = table.for_event(exchange, topic, event_type)
    if not auth_enable:
        return candidates
    project_id = (notification_ctx or {}).get("project_id")
    return [t for t in candidates
            if t.scope == "public" or t.project_id == project_id]


def execution_id(message_id: Optional[str], trigger: Trigger) -> str:
    """The id of the execution ``trigger`` starts for the notification
    ``message_id``: the same for a redelivered notification; a new one for
    a notification without id (nothing to recognise it by)."""
    if not message_id:
        return str(uuid.uuid4())
    return str(uuid.uuid5(_EXECUTION_ID_NAMESPACE,
                          "%s/%s" % (message_id, trigger.id)))


def event_of(ctxt: dict, publisher_id: str, event_type: str, payload,
             metadata: dict) -> dict:
    """The notification as event definitions see it (Mistral's keys)."""
    ctxt = ctxt or {}
    return {
        "event_type": event_type,
        "payload": payload,
        "publisher": publisher_id,
        "timestamp": (metadata or {}).get("timestamp",
                                          ctxt.get("timestamp")),
        "context": ctxt,
    }


def description(trigger: Trigger) -> str:
    """The execution ``description`` Mistral 23 writes: JSON naming the
    trigger."""
    return json.dumps({
        "description": "Workflow execution created by event trigger "
                       "'(%s)'." % trigger.id,
        "triggered_by": {"type": "event_trigger", "id": trigger.id,
                         "name": trigger.name},
    })


def workflow_params(trigger: Trigger, event_params) -> dict:
    """The trigger's ``workflow_params`` plus the converted event."""
    params = dict(trigger.workflow_params or {})
    params["event_params"] = event_params
    return params
