"""A TCP forwarder on loopback for outage tests: services under test reach
PostgreSQL or RabbitMQ through it, and the test cuts it (every open
connection dropped, new ones refused) and restores it, as a restart of the
server would, without touching the server other tests use at the same
time."""

import contextlib
import selectors
import socket
import threading
import urllib.parse


class TcpProxy:
    """Forwards 127.0.0.1:``port`` to ``target`` (host, port)."""

    def __init__(self, target: tuple):
        self.target = target
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(128)
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._pairs = set()
        self._up = True
        self._closed = False
        self._accepter = threading.Thread(target=self._accept, daemon=True)
        self._accepter.start()

    # -- what tests call ------------------------------------------------------

    def cut(self) -> None:
        """Drop every open connection; refuse new ones until ``restore``."""
        with self._lock:
            self._up = False
            pairs, self._pairs = self._pairs, set()
        for pair in pairs:
            _close(*pair)

    def drop_connections(self) -> None:
        """Drop the open connections only (a server restart that was
        quick): new ones go through."""
        with self._lock:
            pairs, self._pairs = self._pairs, set()
        for pair in pairs:
            _close(*pair)

    def restore(self) -> None:
        with self._lock:
            self._up = True

    def close(self) -> None:
        self._closed = True
        self.cut()
        _close(self._listener)

    def url_for(self, url: str) -> str:
        """``url`` (a database or transport URL naming the target) with
        this proxy's address instead."""
        parts = urllib.parse.urlsplit(url)
        netloc = parts.netloc
        userinfo = netloc.rsplit("@", 1)[0] + "@" if "@" in netloc else ""
        return urllib.parse.urlunsplit(parts._replace(
            netloc="%s127.0.0.1:%d" % (userinfo, self.port)))

    # -- forwarding -----------------------------------------------------------

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _addr = self._listener.accept()
            except OSError:
                return
            with self._lock:
                up = self._up
            if not up:
                _close(client)
                continue
            try:
                server = socket.create_connection(self.target, timeout=5)
                server.settimeout(None)
            except OSError:
                _close(client)
                continue
            pair = (client, server)
            with self._lock:
                # A cut that came while this connection was being made
                # did not see it: it must not outlive the cut.
                up = self._up
                if up:
                    self._pairs.add(pair)
            if not up:
                _close(client, server)
                continue
            threading.Thread(target=self._pump, args=(pair,),
                             daemon=True).start()

    def _pump(self, pair) -> None:
        client, server = pair
        other = {client: server, server: client}
        sel = selectors.DefaultSelector()
        try:
            for sock in pair:
                sel.register(sock, selectors.EVENT_READ)
            while True:
                for key, _ in sel.select():
                    data = key.fileobj.recv(65536)
                    if not data:
                        return
                    other[key.fileobj].sendall(data)
        except (OSError, ValueError):
            return
        finally:
            sel.close()
            with self._lock:
                self._pairs.discard(pair)
            _close(client, server)


def _close(*socks) -> None:
    for sock in socks:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            sock.close()
        except OSError:
            pass


def target_of(url: str) -> tuple:
    """(host, port) a database or transport URL names."""
    parts = urllib.parse.urlsplit(url)
    default = 5432 if parts.scheme.startswith("postgresql") else 5672
    return parts.hostname or "127.0.0.1", parts.port or default


@contextlib.contextmanager
def proxy_for(url: str):
    """A TcpProxy to the server ``url`` names, closed afterwards."""
    proxy = TcpProxy(target_of(url))
    try:
        yield proxy
    finally:
        proxy.close()
