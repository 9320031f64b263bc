"""One oslo.messaging transport per process, and the RPC servers on it.

``[DEFAULT] transport_url`` chooses the broker; without it the
``default_transport_url`` (``fake:/``) keeps every service in this process.
The transport is shared: with ``fake:/`` the clients and servers of one
process must use the same transport object to see each other.
"""

import concurrent.futures
import socket
import threading

import oslo_messaging as messaging
from oslo_config import cfg
from oslo_messaging import transport as _messaging_transport

from mistral_clone import config
from mistral_clone.rpc import serializer as rpc_serializer

ALLOWED_REMOTE_EXMODS = ["mistral_clone.exceptions"]

_lock = threading.Lock()
_transports = {}
_registered = set()
_OSLO_DEFAULT_URL = next(o.default for o in _messaging_transport._transport_opts
                         if o.name == "transport_url")


def transport_url(conf: cfg.ConfigOpts = config.CONF) -> str:
    """``[DEFAULT] transport_url`` when set, else ``default_transport_url``.

    oslo.messaging's own default (``rabbit://``) is dropped on purpose: an
    unconfigured server must stay in-process, never reach for a broker."""
    if id(conf) not in _registered:
        # Costly, and this runs for every message sent.
        conf.register_opts(_messaging_transport._transport_opts)
        _registered.add(id(conf))
    url = conf.transport_url
    if url == _OSLO_DEFAULT_URL:
        # Not configured (or configured to that same value, which
        # set_default cannot hide). set_default clears oslo.config's whole
        # cache, so only when needed (again after a CONF.reset()).
        conf.set_default("transport_url", None)
        url = conf.transport_url
    return url or conf.default_transport_url


def is_in_process(conf: cfg.ConfigOpts = config.CONF) -> bool:
    """Messages never leave this process (the ``fake:`` driver)."""
    return transport_url(conf).startswith("fake:")


def get_transport(conf: cfg.ConfigOpts = config.CONF):
    url = transport_url(conf)
    with _lock:
        transport = _transports.get(url)
        if transport is None:
            transport = messaging.get_rpc_transport(
                conf, url=url, allowed_remote_exmods=ALLOWED_REMOTE_EXMODS)
            _transports[url] = transport
        return transport


def cleanup() -> None:
    """Drop the transports (tests; forked children)."""
    with _lock:
        for transport in _transports.values():
            try:
                transport.cleanup()
            except Exception:  # noqa: BLE001 - best effort at shutdown
                pass
        _transports.clear()


def server_name(host: str) -> str:
    """A unique server name: several services of one kind may share a host
    (and, with ``fake:/``, one process)."""
    base = host if host and host != "0.0.0.0" else socket.gethostname()
    return "%s-%s" % (base, threading.get_ident())


def get_server(topic: str, host: str, endpoints: list, workers=None):
    target = messaging.Target(topic=topic, server=server_name(host))
    return messaging.get_rpc_server(
        get_transport(), target, endpoints, executor="threading",
        serializer=rpc_serializer.ContextSerializer(),
        access_policy=messaging.DefaultRPCAccessPolicy)


def stop_servers(servers) -> None:
    """Stop oslo.messaging servers (or notification listeners) together,
    then wait for the messages each one is handling.

    A server's ``stop`` returns only once its consumer's poll has ended:
    on RabbitMQ an idle poll waits up to 5 s, so stops one after the other
    add up to seconds per server.
    """
    servers = list(servers)
    if servers:
        with concurrent.futures.ThreadPoolExecutor(len(servers)) as pool:
            list(pool.map(lambda server: server.stop(), servers))
    for server in servers:
        server.wait()


def get_client(topic: str, timeout=None):
    target = messaging.Target(topic=topic)
    return messaging.get_rpc_client(
        get_transport(), target, serializer=rpc_serializer.ContextSerializer(),
        timeout=timeout)
