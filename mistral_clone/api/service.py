"""The API service: the WSGI app served by waitress on [api] host:port."""

import threading
import time

from waitress import server as waitress_server
from waitress import wasyncore

from mistral_clone import config
from mistral_clone.api import address
from mistral_clone.api import app as api_app


class APIService:
    def __init__(self):
        conf = config.CONF.api
        try:
            self._server = self._create_server(conf)
        except OSError as e:
            # Taken since the start's preflight check: still one line.
            raise address.listen_error(conf.host, conf.port, e)
        self.port = self._server.effective_port
        self._thread = threading.Thread(target=self._server.run,
                                        name="api", daemon=True)
        self._thread.start()

    @staticmethod
    def _create_server(conf):
        return waitress_server.create_server(
            api_app.setup_app(), host=conf.host, port=conf.port,
            # Requests mostly wait on the database: enough threads that a
            # few slow ones (a large list, a long validation) leave room.
            threads=max(16, conf.api_workers * 16), ident="mistral_api",
            # waitress' defaults (100 open connections, listen backlog
            # 1024) stop accepting when a client pool of 100 plus one poller
            # connects at once; idle keep-alive connections cost a socket.
            connection_limit=1000, backlog=1024,
            clear_untrusted_proxy_headers=True)

    def stop(self):
        """Stop accepting, let the requests being handled finish and their
        answers leave (within ``[DEFAULT] graceful_shutdown_timeout``),
        then close."""
        timeout = config.CONF.graceful_shutdown_timeout or None
        server = self._server
        wasyncore.dispatcher.close(server)      # the listening socket only
        server.task_dispatcher.shutdown(cancel_pending=False,
                                        timeout=timeout or 3600)
        deadline = time.monotonic() + _FLUSH_S
        while time.monotonic() < deadline and any(
                channel.total_outbufs_len
                for channel in list(server.active_channels.values())):
            server.pull_trigger()
            time.sleep(0.02)
        server.close()


# Most seconds a stopping API waits for finished answers to be written out.
_FLUSH_S = 5.0


def start():
    return APIService()
