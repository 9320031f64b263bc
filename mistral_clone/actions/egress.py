"""Egress policy of std.http: which URLs an action may reach.

Rules, as in Mistral 23's ``[action_std_http]``: only http and https; when
``allowed_hosts`` is set, only those host names; and never a host that
resolves to an address inside ``denied_cidrs`` (loopback and link-local by
default, so the cloud metadata service is out of reach). A host that does
not resolve is let through: the connection would fail anyway.

Unlike Mistral 23, std.http also applies the policy to every redirect
target (see ``mistral_clone.actions.std.http``), so a public URL cannot
bounce a request to a denied address.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from typing import Iterable, List, Optional
from urllib import parse

from oslo_config import cfg

from mistral_clone import exceptions as exc
from mistral_clone.actions import opts

LOG = logging.getLogger(__name__)


def _networks(cidrs: Iterable[str]) -> List[ipaddress._BaseNetwork]:
    networks = []
    for cidr in cidrs:
        try:
            networks.append(ipaddress.ip_network(cidr.strip(), strict=False))
        except ValueError:
            LOG.warning(
                'Ignoring invalid [action_std_http] denied_cidrs entry: %s',
                cidr
            )
    return networks


def validate_url(url: str, conf: Optional[cfg.ConfigOpts] = None) -> None:
    """Raise UrlNotAllowedError unless the policy lets ``url`` through."""
    group = (conf or opts.get_conf()).action_std_http
    parsed = parse.urlsplit(url)

    if parsed.scheme not in ('http', 'https'):
        raise exc.UrlNotAllowedError(
            "URL scheme '%s' is not allowed (only http and https are)."
            % parsed.scheme
        )

    host = parsed.hostname
    if not host:
        raise exc.UrlNotAllowedError('URL does not contain a host.')

    if group.allowed_hosts and host not in group.allowed_hosts:
        raise exc.UrlNotAllowedError(
            "Host '%s' is not in [action_std_http] allowed_hosts." % host
        )

    denied = _networks(group.denied_cidrs)
    if not denied:
        return

    try:
        port = parsed.port
    except ValueError:
        port = None
    try:
        addr_infos = socket.getaddrinfo(host, port)
    except (socket.gaierror, UnicodeError):
        return

    for info in addr_infos:
        # Strip an IPv6 zone ("fe80::1%eth0") before parsing.
        address = ipaddress.ip_address(info[4][0].split('%', 1)[0])
        candidates = [address]
        if getattr(address, 'ipv4_mapped', None):
            candidates.append(address.ipv4_mapped)
        if any(a in net for a in candidates for net in denied):
            raise exc.UrlNotAllowedError(
                "URL host '%s' resolves to a blocked address (%s)."
                % (host, address)
            )
