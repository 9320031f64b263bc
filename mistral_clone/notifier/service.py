"""The notifier service: delivers the events the engines write to the
outbox (``notifier.delivery``), looking at once when an engine wakes it up
over RPC after a commit."""

import logging

import oslo_messaging as messaging

from mistral_clone import config
from mistral_clone.db import retry
from mistral_clone.db import session as db_session
from mistral_clone.notifier import delivery
from mistral_clone.notifier import outbox
from mistral_clone.rpc import transport

LOG = logging.getLogger(__name__)


class NotifierEndpoint:
    target = messaging.Target(version="1.0")

    def __init__(self, deliverer: delivery.Deliverer):
        self._deliverer = deliverer

    def deliver_pending(self, ctx):
        """Events were committed to the outbox: look for them now."""
        self._deliverer.wake()

    def notify(self, ctx, ex_id, data, event, timestamp, publishers):
        self.notify_many(ctx, [dict(ex_id=ex_id, data=data, event=event,
                                    timestamp=timestamp,
                                    publishers=publishers)])

    def notify_many(self, ctx, events):
        """Events sent in the message itself (by an engine of an earlier
        version): into the outbox, then delivered as the others."""
        project_id = getattr(ctx, "project_id", None)

        def write():
            with db_session.transaction() as session:
                for item in events or []:
                    data = item.get("data") or {}
                    outbox.add(
                        session,
                        data.get("workflow_execution_id") or item["ex_id"],
                        project_id,
                        {key: item.get(key) for key in
                         ("ex_id", "event", "timestamp", "data")},
                        list(item.get("publishers") or []))
        retry.call(write)
        self._deliverer.wake()


class NotifierService:
    def __init__(self):
        conf = config.CONF.notifier
        self.deliverer = delivery.Deliverer()
        self.server = transport.get_server(
            conf.topic, conf.host, [NotifierEndpoint(self.deliverer)])

    def start(self) -> "NotifierService":
        self.deliverer.start()
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()
        self.server.wait()
        self.deliverer.stop()


def start() -> NotifierService:
    return NotifierService().start()
