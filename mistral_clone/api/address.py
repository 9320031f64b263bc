"""The API's listening address: checked before any service starts
(``cmd.preflight``), and the one-line refusal when it cannot be used."""

import errno
import socket

from mistral_clone import config
from mistral_clone import exceptions as exc


def listen_error(host: str, port: int, error: OSError) -> exc.MistralError:
    """The one-line refusal for an address the API cannot listen on."""
    if error.errno == errno.EADDRINUSE:
        why = "the address is already in use"
    else:
        why = error.strerror or str(error)
    return exc.MistralError(
        "the API cannot listen on %s:%s ([api] host = %s, [api] port = %s): "
        "%s. Stop what listens there or choose another [api] port."
        % (host, port, host, port, why))


def check_api_address(conf=None) -> None:
    """Bind the API's address once, as its server will (SO_REUSEADDR, so
    a port left in TIME_WAIT by a previous run is not taken for busy)."""
    api = (conf or config.CONF).api
    try:
        infos = socket.getaddrinfo(api.host, api.port,
                                   type=socket.SOCK_STREAM,
                                   flags=socket.AI_PASSIVE)
    except socket.gaierror as e:
        raise listen_error(api.host, api.port, OSError(e.errno, e.strerror))
    family, socktype, proto, _name, address = infos[0]
    with socket.socket(family, socktype, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as e:
            raise listen_error(api.host, api.port, e)
