"""The metrics port of a process that runs no api.

The port is that of the first of the process's services (in
``mistral-clone-server``'s order: engine, executor, scheduler, notifier,
event-engine) whose ``[metrics] <service>_port`` is set; the process's
whole registry is served there, whatever the path, without a token (the
port is for the operator's network: ``[metrics] host``). A process with
the api serves the same registry at the api's ``/metrics`` instead.
"""

import errno
import logging
import socket
import socketserver
import threading
from typing import Optional
from wsgiref import simple_server

from mistral_clone import exceptions as exc
from mistral_clone.metrics import exposition
from mistral_clone.metrics import opts

LOG = logging.getLogger(__name__)


def chosen_port(service_names, conf) -> Optional[tuple]:
    """(service, option, port) of the port this process serves, or None
    (metrics off, an api in the process, no port set)."""
    if not conf.metrics.enabled or "api" in service_names:
        return None
    for name in service_names:
        option = opts.PORT_OPTIONS.get(name)
        if option is None:
            continue
        port = getattr(conf.metrics, option)
        if port is not None:
            return name, option, port
    return None


class _Server(socketserver.ThreadingMixIn, simple_server.WSGIServer):
    daemon_threads = True


class _Server6(_Server):
    address_family = socket.AF_INET6


class _QuietHandler(simple_server.WSGIRequestHandler):
    def log_message(self, format, *args):   # noqa: A002 - the base's name
        LOG.debug("Metrics scrape: " + format, *args)


class MetricsServer:
    """Serves ``exposition.wsgi_app`` on ``host``:``port`` in a thread of
    its own."""

    def __init__(self, host: str, port: int, option: str):
        server_class = _Server6 if ":" in host else _Server
        try:
            self._server = simple_server.make_server(
                host, port, exposition.wsgi_app, server_class=server_class,
                handler_class=_QuietHandler)
        except OSError as e:
            raise listen_error(host, port, option, e)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name="metrics", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def listen_error(host, port, option, error: OSError) -> exc.MistralError:
    why = "the address is already in use" \
        if error.errno == errno.EADDRINUSE else (error.strerror or str(error))
    return exc.MistralError(
        "the metrics cannot listen on %s:%s ([metrics] host = %s, [metrics] "
        "%s = %s): %s. Stop what listens there or choose another [metrics] "
        "%s." % (host, port, host, option, port, why, option))


def start(service_names, conf) -> Optional[MetricsServer]:
    """The metrics server of a process running ``service_names``, started,
    or None; a port it cannot listen on is a MistralError saying so."""
    chosen = chosen_port(service_names, conf)
    if chosen is None:
        return None
    service, option, port = chosen
    server = MetricsServer(conf.metrics.host, port, option)
    LOG.info("Metrics of this process (%s) on http://%s:%s/metrics",
             ", ".join(service_names), conf.metrics.host, server.port)
    return server
