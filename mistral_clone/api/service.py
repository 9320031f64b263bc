"""The API service: the WSGI app served by waitress on [api] host:port."""

import threading

from waitress import server as waitress_server

from mistral_clone import config
from mistral_clone.api import app as api_app


class APIService:
    def __init__(self):
        conf = config.CONF.api
        self._server = waitress_server.create_server(
            api_app.setup_app(), host=conf.host, port=conf.port,
            # Requests mostly wait on the database: enough threads that a
            # few slow ones (a large list, a long validation) leave room.
            threads=max(16, conf.api_workers * 16), ident="mistral_api",
            # waitress' defaults (100 open connections, listen backlog
            # 1024) stop accepting when a client pool of 100 plus one poller
            # connects at once; idle keep-alive connections cost a socket.
            connection_limit=1000, backlog=1024,
            clear_untrusted_proxy_headers=True)
        self.port = self._server.effective_port
        self._thread = threading.Thread(target=self._server.run,
                                        name="api", daemon=True)
        self._thread.start()

    def stop(self):
        self._server.close()


def start():
    return APIService()
