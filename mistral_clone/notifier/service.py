"""The notifier service: receives state events from the engines and hands
them to the publishers named in ``params.notify``."""

import copy
import logging
import queue
import threading

import oslo_messaging as messaging

from mistral_clone import config
from mistral_clone.notifier import publishers as publishers_mod
from mistral_clone.rpc import transport

LOG = logging.getLogger(__name__)


class _OrderedPublisher:
    """One thread publishes the events in the order they arrived (the RPC
    server hands messages to a pool of threads, which could reorder
    them)."""

    def __init__(self, endpoint):
        self._endpoint = endpoint
        self._queue = queue.Queue()
        self._thread = None
        self._lock = threading.Lock()

    def put(self, ctx, events: list) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="notifier-publisher", daemon=True)
                self._thread.start()
        self._queue.put((ctx, events))

    def _run(self) -> None:
        while True:
            ctx, events = self._queue.get()
            for event in events:
                self._endpoint.publish(ctx, **event)


class NotifierEndpoint:
    target = messaging.Target(version="1.0")

    def __init__(self):
        self._ordered = _OrderedPublisher(self)

    def notify(self, ctx, ex_id, data, event, timestamp, publishers):
        self._ordered.put(ctx, [dict(ex_id=ex_id, data=data, event=event,
                                     timestamp=timestamp,
                                     publishers=publishers)])

    def notify_many(self, ctx, events):
        self._ordered.put(ctx, list(events or []))

    def publish(self, ctx, ex_id, data, event, timestamp, publishers):
        """Hand one event to each of its publishers (a failing one is
        logged and skipped, as in Mistral)."""
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
