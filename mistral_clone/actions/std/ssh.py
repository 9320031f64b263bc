"""std.ssh and std.ssh_proxied: run a command on hosts with paramiko.

``host`` is one host or a list; the result is one value or a list in the
same order. The command's stdout is the result; a non-zero exit fails the
action unless ``return_result_on_error`` asks for ``{stdout, stderr,
exit_code}`` instead. Failures carry a generic message (the cause is
logged, not returned, as the cause may reveal credentials or topology).

Beyond real Mistral, a host may be written "host:port" ("[v6addr]:port")
to reach an sshd that does not listen on port 22, and the hosts we connect
to (``host``, or ``gateway_host`` of std.ssh_proxied) are under the egress
policy of ``[action_std_ssh] denied_cidrs``: resolved once, checked, and
connected to at the checked address. The host behind a gateway is reached
by the gateway (``nc``) in its own network, and a ``proxy_command`` opens
its own connection: neither is checked here.
"""

from __future__ import annotations

import io
import logging
import os
import threading
from typing import TYPE_CHECKING, Any, List, Optional, Tuple

from mistral_clone import exceptions as exc
from mistral_clone.actions import egress, opts
from mistral_clone.actions.base import Action, ActionContext

if TYPE_CHECKING:
    import paramiko

LOG = logging.getLogger(__name__)

KEY_DIR = os.path.expanduser('~/.ssh/')
#: Seconds to wait for the TCP connection, so a host that drops packets
#: cannot hold an executor thread forever (paramiko waits without end).
CONNECT_TIMEOUT = 60


def _paramiko():
    """paramiko, imported on the first SSH action: it pulls cryptography,
    bcrypt, nacl and invoke (about 15 MB), which no other part needs."""
    import paramiko
    return paramiko


def split_host(host: str, default_port: int = 22) -> Tuple[str, int]:
    """"h", "h:2222", "[::1]:2222" -> (host, port)."""
    host = str(host)
    if host.startswith('['):
        addr, _, rest = host[1:].partition(']')
        port = rest[1:] if rest.startswith(':') else ''
        return addr, int(port) if port.isdigit() else default_port
    if host.count(':') == 1:
        addr, port = host.split(':')
        if port.isdigit():
            return addr, int(port)
    return host, default_port


def load_private_key(filename: Optional[str], key_text: Optional[str],
                     password: Optional[str]) -> Optional[paramiko.PKey]:
    """The key from its text or from a file (relative names: ~/.ssh/)."""
    if not filename and not key_text:
        return None
    path = None
    if filename:
        if '../' in filename or '..\\' in filename:
            raise exc.ActionError(
                "Private key filename must not contain '..'. Actual: %s"
                % filename
            )
        path = filename if filename.startswith('/') else KEY_DIR + filename
    paramiko = _paramiko()
    error: Exception = exc.ActionError('No usable private key')
    for key_cls in (paramiko.RSAKey, paramiko.ECDSAKey,
                    paramiko.Ed25519Key):
        try:
            if key_text:
                return key_cls.from_private_key(io.StringIO(key_text),
                                                password=password)
            return key_cls.from_private_key_file(path, password=password)
        except (IOError, paramiko.SSHException) as e:
            error = e
    raise error


def _connect(host: str, username: str, password: Optional[str] = None,
             pkey: Optional[paramiko.PKey] = None,
             sock: Any = None) -> paramiko.SSHClient:
    paramiko = _paramiko()
    hostname, port = split_host(host)
    if sock is None:
        pol = egress.policy(opts.ACTION_STD_SSH_GROUP, label='SSH host')
        sock = egress.connect(hostname, port, pol, CONNECT_TIMEOUT)
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    try:
        client.connect(hostname, port=port, username=username,
                       password=password, pkey=pkey, sock=sock,
                       timeout=CONNECT_TIMEOUT)
    except BaseException:
        client.close()
        sock.close()
        raise
    return client


def _run(client: paramiko.SSHClient, cmd: str) -> Tuple[int, str, str]:
    """Run ``cmd``; stdout and stderr are drained together (no deadlock)."""
    channel = client.get_transport().open_session()
    channel.exec_command(cmd)
    stderr_parts: List[bytes] = []

    def drain_stderr():
        for part in iter(lambda: channel.recv_stderr(65536), b''):
            stderr_parts.append(part)

    reader = threading.Thread(target=drain_stderr, daemon=True)
    reader.start()
    stdout = b''.join(iter(lambda: channel.recv(65536), b''))
    reader.join()
    code = channel.recv_exit_status()
    return (code, stdout.decode('utf-8', errors='replace'),
            b''.join(stderr_parts).decode('utf-8', errors='replace'))


class SSHAction(Action):
    """Runs ``cmd`` over SSH on ``host`` (one host or a list of hosts)."""

    class_path = 'mistral.actions.std_actions.SSHAction'

    def __init__(self, cmd, host, username, password="",
                 private_key_filename=None, private_key=None,
                 return_result_on_error=False):
        self.cmd = cmd
        self.host = host
        self.username = username
        self.password = password
        self.private_key_filename = private_key_filename
        self.private_key = private_key
        self.return_result_on_error = return_result_on_error

    def _execute(self, host: str) -> Tuple[int, str, str]:
        pkey = load_private_key(self.private_key_filename, self.private_key,
                                self.password)
        client = _connect(host, self.username, self.password or None, pkey)
        try:
            return _run(client, self.cmd)
        finally:
            client.close()

    def run(self, ctx: ActionContext) -> Any:
        hosts = self.host if isinstance(self.host, list) else [self.host]
        failure = "Failed to execute ssh cmd '%s' on %s" % (self.cmd, hosts)
        results = []
        for host in hosts:
            try:
                code, stdout, stderr = self._execute(host)
            except exc.ActionError:
                raise
            except Exception as e:
                LOG.warning('%s: %s', failure, e)
                raise exc.ActionError(failure)
            if self.return_result_on_error:
                results.append(
                    {'stdout': stdout, 'stderr': stderr, 'exit_code': code}
                )
            elif code:
                LOG.warning('%s: exit code %s, stderr: %.1024s', failure,
                            code, stderr)
                raise exc.ActionError(failure)
            else:
                results.append(stdout)
        return results if len(results) > 1 else results[0]

    def test(self, ctx: ActionContext) -> dict:
        return {'cmd': self.cmd, 'host': self.host, 'username': self.username}


class SSHProxiedAction(SSHAction):
    """std.ssh through a gateway: ssh to ``gateway_host``, then ``nc`` on.

    The key (``private_key`` or ``private_key_filename``, with ``password``
    as its passphrase) authenticates both hops; ``proxy_command`` optionally
    reaches the gateway itself.
    """

    class_path = 'mistral.actions.std_actions.SSHProxiedAction'

    def __init__(self, cmd, host, username, private_key_filename,
                 gateway_host, gateway_username=None, password=None,
                 proxy_command=None, private_key=None):
        super().__init__(cmd, host, username, password, private_key_filename,
                         private_key)
        self.gateway_host = gateway_host
        self.gateway_username = gateway_username
        self.proxy_command = proxy_command

    def _execute(self, host: str) -> Tuple[int, str, str]:
        pkey = load_private_key(self.private_key_filename, self.private_key,
                                self.password)
        sock = (_paramiko().ProxyCommand(self.proxy_command)
                if self.proxy_command else None)
        gateway = _connect(self.gateway_host,
                           self.gateway_username or self.username,
                           pkey=pkey, sock=sock)
        try:
            hostname, port = split_host(host)
            tunnel = gateway.get_transport().open_session()
            tunnel.exec_command('nc %s %s' % (hostname, port))
            client = _connect(host, self.username, pkey=pkey, sock=tunnel)
            try:
                return _run(client, self.cmd)
            finally:
                client.close()
        finally:
            gateway.close()
