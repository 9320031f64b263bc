"""oslo.messaging notification listeners, one per (exchange, topic) that
some trigger listens on.

Every event engine listens in the same pool (``[event_engine]
listener_pool_name``): the broker then keeps one queue per (exchange,
topic) for all of them and hands each notification to one event engine.
The queue is named ``mistral-<exchange>-<topic>-<pool>``; Mistral's
``mistral-<exchange>-<pool>`` is shared by all the topics of an exchange,
so that a listener could take a notification of another topic and drop it.
"""

import logging
import threading
from typing import Callable

import oslo_messaging as messaging

from mistral_clone import config
from mistral_clone.rpc import transport as rpc_transport

LOG = logging.getLogger(__name__)

# The notification priorities Mistral's event engine handles.
PRIORITIES = ("audit", "critical", "debug", "error", "info")

# handle(exchange, topic, ctxt, publisher_id, event_type, payload, metadata)
# -> True to acknowledge the notification, False to have it delivered again.
Handler = Callable[..., bool]

_lock = threading.Lock()
_transports: dict = {}


def notification_transport():
    """The notification transport on ``[DEFAULT] transport_url``, one per
    process (with ``fake:/`` a publisher must use this same object)."""
    url = rpc_transport.transport_url()
    with _lock:
        transport = _transports.get(url)
        if transport is None:
            transport = messaging.get_notification_transport(
                config.CONF, url=url)
            _transports[url] = transport
        return transport


def pool_name(exchange: str, topic: str, pool: str) -> str:
    return "mistral-%s-%s-%s" % (exchange, topic, pool)


def context_dict(ctxt) -> dict:
    """A notification's context as a dict: over a broker it arrives as
    one; in-process (``fake:/``) it is the publisher's context object."""
    if hasattr(ctxt, "to_dict"):
        return ctxt.to_dict()
    return dict(ctxt or {})


class _Endpoint:
    """Receives every priority Mistral handles and passes the notification
    on with the (exchange, topic) it came from."""

    def __init__(self, handle: Handler, exchange: str, topic: str):
        self._handle = handle
        self._key = (exchange, topic)

    def _dispatch(self, ctxt, publisher_id, event_type, payload, metadata):
        if self._handle(*self._key, context_dict(ctxt), publisher_id,
                        event_type, payload, metadata):
            return messaging.NotificationResult.HANDLED
        return messaging.NotificationResult.REQUEUE


for _priority in PRIORITIES:
    setattr(_Endpoint, _priority, _Endpoint._dispatch)


class Listeners:
    """The running listeners; ``sync`` starts and stops them to match the
    pairs wanted. Called from one thread at a time."""

    def __init__(self, handle: Handler, pool: str):
        self._handle = handle
        self._pool = pool
        self._running: dict = {}

    def listened(self) -> set:
        return set(self._running)

    def sync(self, wanted: set) -> None:
        self._stop(sorted(set(self._running) - wanted))
        for key in sorted(wanted - set(self._running)):
            self._start(key)

    def stop_all(self) -> None:
        self._stop(list(self._running))

    def _start(self, key) -> None:
        exchange, topic = key
        listener = messaging.get_notification_listener(
            notification_transport(),
            [messaging.Target(exchange=exchange, topic=topic)],
            [_Endpoint(self._handle, exchange, topic)],
            executor="threading", allow_requeue=True,
            pool=pool_name(exchange, topic, self._pool))
        listener.start()
        self._running[key] = listener
        LOG.info("Listening for notifications on exchange %s, topic %s",
                 exchange, topic)

    def _stop(self, keys) -> None:
        rpc_transport.stop_servers([self._running.pop(key) for key in keys])
        for key in keys:
            LOG.info("Stopped listening on exchange %s, topic %s", *key)
