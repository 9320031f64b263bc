"""The notifier service: receives state events from the engines and hands
them to the publishers named in ``params.notify``."""

import copy
import logging

import oslo_messaging as messaging

from mistral_clone import config
from mistral_clone.notifier import publishers as publishers_mod
from mistral_clone.rpc import transport

LOG = logging.getLogger(__name__)


class NotifierEndpoint:
    target = messaging.Target(version="1.0")

    def notify(self, ctx, ex_id, data, event, timestamp, publishers):
        data = dict(data, event=event)
        for entry in publishers or []:
            params = copy.deepcopy(entry)
            name = params.pop("type", None)
            params.pop("event_types", None)
            publish = publishers_mod.PUBLISHERS.get(name)
            if publish is None:
                LOG.error("Unknown notification publisher type: %s", name)
                continue
            try:
                publish(ctx, ex_id, data, event, timestamp, **params)
            except Exception:  # noqa: BLE001 - one bad hook, not the rest
                LOG.exception('Unable to process event for publisher "%s".',
                              name)


class NotifierService:
    def __init__(self):
        conf = config.CONF.notifier
        self.server = transport.get_server(conf.topic, conf.host,
                                           [NotifierEndpoint()])

    def start(self) -> "NotifierService":
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()
        self.server.wait()


def start() -> NotifierService:
    return NotifierService().start()
