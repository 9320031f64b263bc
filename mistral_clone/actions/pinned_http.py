"""A ``requests`` session whose every connection obeys an egress policy.

The connection classes of urllib3 are replaced by ones that open their
socket with ``egress.connect``: the host (the URL's, a redirect's or the
proxy's, whichever the connection really goes to) is resolved once,
checked, and connected to at a checked address, while Host and the TLS
server name stay the name. A request through a proxy also needs its URL
host to resolve to allowed addresses, as the proxy connects to it;
SOCKS proxies are refused (they resolve names out of our sight).

Imported on the first HTTP request only: requests and urllib3 are about
8 MB of imports that most processes never need.
"""

from __future__ import annotations

import socket

import requests
from requests import adapters, utils
from urllib3 import connection, connectionpool
from urllib3.exceptions import NameResolutionError, NewConnectionError
from urllib3.util.timeout import _DEFAULT_TIMEOUT

from mistral_clone import exceptions as exc
from mistral_clone.actions import egress


class _PinnedConnect:
    """Mixin: ``_new_conn`` through the policy (set on the subclass)."""

    egress_policy: egress.Policy

    def _new_conn(self):
        timeout = None if self.timeout is _DEFAULT_TIMEOUT else self.timeout
        try:
            return egress.connect(
                self._dns_host, self.port, self.egress_policy, timeout,
                self.source_address, self.socket_options,
            )
        except socket.gaierror as e:
            raise NameResolutionError(self.host, self, e) from e
        except OSError as e:
            raise NewConnectionError(
                self, 'Failed to establish a new connection: %s' % e
            ) from e


def _pool_classes(pol: egress.Policy) -> dict:
    attrs = {'egress_policy': pol}
    http_conn = type('PinnedHTTPConnection',
                     (_PinnedConnect, connection.HTTPConnection), attrs)
    https_conn = type('PinnedHTTPSConnection',
                      (_PinnedConnect, connection.HTTPSConnection), attrs)
    return {
        'http': type('PinnedHTTPConnectionPool',
                     (connectionpool.HTTPConnectionPool,),
                     {'ConnectionCls': http_conn}),
        'https': type('PinnedHTTPSConnectionPool',
                      (connectionpool.HTTPSConnectionPool,),
                      {'ConnectionCls': https_conn}),
    }


class PinnedAdapter(adapters.HTTPAdapter):
    """HTTPAdapter whose pools (direct and proxied) use pinned sockets."""

    def __init__(self, pol: egress.Policy, **kwargs):
        self._egress_policy = pol
        self._pool_classes = _pool_classes(pol)
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = self._pool_classes

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = self._pool_classes
        return manager

    def send(self, request, stream=False, timeout=None, verify=True,
             cert=None, proxies=None):
        proxy = utils.select_proxy(request.url, proxies)
        if proxy:
            scheme = utils.urlparse(utils.prepend_scheme_if_needed(
                proxy, 'http')).scheme
            if scheme not in ('http', 'https'):
                raise exc.UrlNotAllowedError(
                    "Proxy scheme '%s' is not allowed (only http and https "
                    "proxies are)." % scheme
                )
            egress.validate_url(request.url, pol=self._egress_policy,
                                must_resolve=True)
        return super().send(request, stream=stream, timeout=timeout,
                            verify=verify, cert=cert, proxies=proxies)


def session(pol: egress.Policy) -> requests.Session:
    """A new session that sends every request under ``pol``."""
    sess = requests.Session()
    adapter = PinnedAdapter(pol)
    sess.mount('http://', adapter)
    sess.mount('https://', adapter)
    return sess
