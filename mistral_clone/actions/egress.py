"""Egress policy: which addresses std.http, std.ssh, std.email and the
notification webhooks may connect to.

Rules of std.http, as in Mistral 23's ``[action_std_http]``: only http and
https; when ``allowed_hosts`` is set, only those host names. For every
sender, a host must not resolve to an address inside its ``denied_cidrs``
(loopback, unspecified, link-local and the other special ranges by
default, so neither the executor's own services nor the cloud metadata
service are in reach).

Beyond Mistral 23, the check is made where the socket is opened:
``connect`` resolves the name once, checks every address and connects to
one of those checked addresses, so a name that resolves differently a
moment later (DNS rebinding) cannot move the connection; the name itself
still goes out as the Host header and TLS server name. IPv4 addresses
embedded in IPv6 ones (mapped, 6to4, NAT64) are checked as IPv4 too.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import logging
import socket
from typing import Iterable, Optional, Sequence, Tuple
from urllib import parse

from oslo_config import cfg

from mistral_clone import exceptions as exc
from mistral_clone.actions import opts

LOG = logging.getLogger(__name__)

_NAT64 = ipaddress.ip_network('64:ff9b::/96')


@dataclasses.dataclass(frozen=True)
class Policy:
    """Denied networks of one sender; ``option`` names their setting."""

    denied: Tuple[ipaddress._BaseNetwork, ...]
    option: str
    allowed_hosts: Tuple[str, ...] = ()
    label: str = 'URL host'


def _networks(cidrs: Iterable[str], option: str):
    networks = []
    for cidr in cidrs:
        try:
            networks.append(ipaddress.ip_network(cidr.strip(), strict=False))
        except ValueError:
            LOG.warning('Ignoring invalid %s entry: %s', option, cidr)
    return tuple(networks)


def policy(group: str, option: str = 'denied_cidrs',
           conf: Optional[cfg.ConfigOpts] = None, label: str = 'URL host',
           allowed_hosts: Sequence[str] = ()) -> Policy:
    """The policy set by ``[group] option`` of ``conf``."""
    name = '[%s] %s' % (group, option)
    cidrs = getattr(getattr(conf or opts.get_conf(), group), option)
    return Policy(_networks(cidrs, name), name, tuple(allowed_hosts), label)


def http_policy(conf: Optional[cfg.ConfigOpts] = None) -> Policy:
    """std.http's policy: ``[action_std_http]``."""
    conf = conf or opts.get_conf()
    return policy(opts.ACTION_STD_HTTP_GROUP, conf=conf,
                  allowed_hosts=conf.action_std_http.allowed_hosts)


def _candidates(address) -> list:
    found = [address]
    if address.version == 6:
        if address.ipv4_mapped:
            found.append(address.ipv4_mapped)
        if address.sixtofour:
            found.append(address.sixtofour)
        if address in _NAT64:
            found.append(ipaddress.ip_address(int(address) & 0xFFFFFFFF))
    return found


def check_address(host: str, address: str, pol: Policy) -> None:
    """Raise UrlNotAllowedError when ``address`` is in a denied network."""
    # Strip an IPv6 zone ("fe80::1%eth0") before parsing.
    parsed = ipaddress.ip_address(address.split('%', 1)[0])
    if any(a in net for a in _candidates(parsed) for net in pol.denied):
        raise exc.UrlNotAllowedError(
            "%s '%s' resolves to a blocked address (%s)."
            % (pol.label, host, parsed)
        )


def resolve(host: str, port: Optional[int], pol: Policy) -> list:
    """getaddrinfo of ``host``, refused if any address is denied.

    socket.gaierror (a name that does not resolve) is left to the caller.
    """
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    for info in infos:
        check_address(host, info[4][0], pol)
    return infos


def connect(host: str, port: int, pol: Policy,
            timeout: Optional[float] = None,
            source_address: Optional[tuple] = None,
            socket_options: Optional[list] = None) -> socket.socket:
    """A TCP connection to ``host`` at an address the policy allows.

    The name is resolved once and the socket connects to the checked
    addresses (in getaddrinfo's order), never to a second resolution.
    """
    error: Optional[OSError] = None
    for family, kind, proto, _name, address in resolve(host, port, pol):
        sock = socket.socket(family, kind, proto)
        try:
            for level, name, value in socket_options or ():
                sock.setsockopt(level, name, value)
            sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(address)
            return sock
        except OSError as e:
            error = e
            sock.close()
    raise error or OSError('%s resolves to no address' % host)


def validate_url(url: str, conf: Optional[cfg.ConfigOpts] = None,
                 pol: Optional[Policy] = None,
                 must_resolve: bool = False) -> None:
    """Raise UrlNotAllowedError unless the policy lets ``url`` through.

    A host that does not resolve passes unless ``must_resolve`` (a request
    through a proxy: the proxy would resolve the name itself).
    """
    pol = pol or http_policy(conf)
    parsed = parse.urlsplit(url)

    if parsed.scheme not in ('http', 'https'):
        raise exc.UrlNotAllowedError(
            "URL scheme '%s' is not allowed (only http and https are)."
            % parsed.scheme
        )

    host = parsed.hostname
    if not host:
        raise exc.UrlNotAllowedError('URL does not contain a host.')

    if pol.allowed_hosts and host not in pol.allowed_hosts:
        raise exc.UrlNotAllowedError(
            "Host '%s' is not in [action_std_http] allowed_hosts." % host
        )

    if not pol.denied:
        return
    try:
        port = parsed.port
    except ValueError:
        port = None
    try:
        resolve(host, port, pol)
    except (socket.gaierror, UnicodeError):
        if must_resolve:
            raise exc.UrlNotAllowedError(
                "URL host '%s' does not resolve, so its address cannot be "
                "checked (%s); it is refused." % (host, pol.option)
            )

