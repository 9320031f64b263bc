"""Real peers on loopback for the action tests: HTTP, SMTP and SSH servers."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib import parse

import pytest

from mistral_clone.actions import opts


@pytest.fixture
def action_conf():
    """The global config with the actions options; overrides are undone."""
    config = opts.get_conf()
    yield config
    config.clear_override('allowed_hosts', group='action_std_http')
    config.clear_override('denied_cidrs', group='action_std_http')
    config.clear_override('default_timeout', group='action_std_http')
    config.clear_override('denied_cidrs', group='action_std_ssh')
    config.clear_override('denied_cidrs', group='action_std_email')
    config.clear_override('max_response_size_bytes', group='action_std_http')
    config.clear_override('js_implementation')
    config.clear_override('js_timeout')
    config.clear_override('js_max_memory_mb')
    config.clear_override('load_action_plugins',
                          group='legacy_action_provider')


@pytest.fixture
def allow_loopback(action_conf):
    """The local test servers live on 127.0.0.1, denied by default."""
    action_conf.set_override('denied_cidrs', ['169.254.0.0/16'],
                      group='action_std_http')
    return action_conf


def wait_until(predicate, timeout=10.0, interval=0.05):
    """Poll ``predicate`` until true or ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.fixture
def unused_port() -> int:
    return free_port()


# ---------------------------------------------------------------- HTTP peer

class _Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        pass

    def _send(self, status, body=b'', content_type='application/json',
              headers=None, chunked=False):
        self.send_response(status)
        self.send_header('Content-Type', content_type)
        for key, val in (headers or {}).items():
            self.send_header(key, val)
        if chunked:
            self.send_header('Transfer-Encoding', 'chunked')
            self.end_headers()
            for start in range(0, len(body), 1000):
                piece = body[start:start + 1000]
                self.wfile.write(b'%x\r\n%s\r\n' % (len(piece), piece))
            self.wfile.write(b'0\r\n\r\n')
            return
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _handle(self):
        url = parse.urlsplit(self.path)
        query = dict(parse.parse_qsl(url.query))
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length) if length else b''
        server = self.server
        server.requests.append(
            {'method': self.command, 'path': url.path, 'query': query,
             'headers': dict(self.headers.items()), 'body': body}
        )
        if url.path == '/echo':
            self._send(200, json.dumps({
                'method': self.command,
                'query': query,
                'headers': dict(self.headers.items()),
                'body': body.decode('utf-8'),
            }).encode(), headers={'Set-Cookie': 'session=abc'})
        elif url.path.startswith('/status/'):
            code = int(url.path.rsplit('/', 1)[1])
            self._send(code, b'{"error": "nope"}')
        elif url.path == '/redirect':
            self._send(302, b'moved', 'text/plain',
                       headers={'Location': query['to']})
        elif url.path == '/text':
            self._send(200, 'caf\u00e9'.encode('latin-1'),
                       'text/plain; charset=ISO-8859-1')
        elif url.path == '/big':
            self._send(200, b'x' * int(query['n']), 'text/plain',
                       chunked=query.get('chunked') == '1')
        elif url.path == '/slow':
            server.release.wait(10)
            self._send(200, b'"late"')
        else:
            self._send(404, b'not found', 'text/plain')

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        """Clients that hang up early (size limit, timeout) are expected."""


@pytest.fixture(scope='session')
def http_server():
    """A threaded HTTP server on 127.0.0.1 that records the requests."""
    server = _QuietServer(('127.0.0.1', 0), _Handler)
    server.daemon_threads = True
    server.requests = []
    server.release = threading.Event()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.base_url = 'http://127.0.0.1:%s' % server.server_address[1]
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def http(http_server):
    http_server.requests.clear()
    return http_server


# ---------------------------------------------------------------- SMTP peer

@pytest.fixture
def smtp_server(action_conf):
    """An aiosmtpd server on loopback; ``.messages`` holds what it got.

    Loopback is denied by default: ``[action_std_email] denied_cidrs``
    is set to let this server be reached.
    """
    controller_mod = pytest.importorskip('aiosmtpd.controller')
    action_conf.set_override('denied_cidrs', ['169.254.0.0/16'],
                             group='action_std_email')

    class Collector:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append({
                'from': envelope.mail_from,
                'rcpt': list(envelope.rcpt_tos),
                'data': envelope.content.decode('utf-8', 'replace'),
            })
            return '250 OK'

    handler = Collector()
    port = free_port()
    controller = controller_mod.Controller(handler, hostname='127.0.0.1',
                                           port=port)
    controller.start()
    controller.address = '127.0.0.1:%s' % port
    controller.messages = handler.messages
    yield controller
    controller.stop()


# ----------------------------------------------------------------- SSH peer

def _find_sshd():
    candidates = [os.environ.get('MISTRAL_CLONE_TEST_SSHD'),
                  shutil.which('sshd'), '/usr/sbin/sshd']
    return next((c for c in candidates if c and os.access(c, os.X_OK)), None)


@pytest.fixture(scope='session')
def sshd(tmp_path_factory):
    """A private sshd on a high loopback port that accepts one temp key.

    Skipped when no sshd binary is installed (Debian: openssh-server) or,
    for root, when the privilege separation user "sshd" does not exist.
    """
    binary = _find_sshd()
    if not binary:
        pytest.skip('no sshd binary (install openssh-server to run SSH '
                    'tests)')
    if os.geteuid() == 0:
        import pwd
        try:
            pwd.getpwnam('sshd')
        except KeyError:
            pytest.skip('privilege separation user "sshd" is missing')
        os.makedirs('/run/sshd', mode=0o755, exist_ok=True)
    paramiko = pytest.importorskip('paramiko')

    workdir = tmp_path_factory.mktemp('sshd')
    host_key = paramiko.RSAKey.generate(2048)
    host_key.write_private_key_file(str(workdir / 'host_key'))
    client_key = paramiko.RSAKey.generate(2048)
    client_key.write_private_key_file(str(workdir / 'client_key'))
    (workdir / 'authorized_keys').write_text(
        '%s %s\n' % (client_key.get_name(), client_key.get_base64())
    )
    port = free_port()
    (workdir / 'sshd_config').write_text(
        'Port %d\nListenAddress 127.0.0.1\nHostKey %s\nPidFile %s\n'
        'AuthorizedKeysFile %s\nStrictModes no\nUsePAM no\n'
        'PasswordAuthentication yes\nPermitRootLogin prohibit-password\n'
        'LogLevel ERROR\n' % (
            port, workdir / 'host_key', workdir / 'sshd.pid',
            workdir / 'authorized_keys'
        )
    )
    proc = subprocess.Popen(
        [binary, '-D', '-e', '-f', str(workdir / 'sshd_config')],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )

    def listening():
        if proc.poll() is not None:
            return True
        try:
            with socket.create_connection(('127.0.0.1', port), timeout=0.2):
                return True
        except OSError:
            return False

    if not wait_until(listening) or proc.poll() is not None:
        err = proc.stderr.read().decode() if proc.poll() is not None else ''
        proc.kill()
        pytest.skip('sshd did not start: %s' % err.strip())

    import getpass
    info = {
        'host': '127.0.0.1:%d' % port,
        'username': getpass.getuser(),
        'key_file': str(workdir / 'client_key'),
        'key_text': (workdir / 'client_key').read_text(),
    }
    yield info
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope='session')
def https_server(tmp_path_factory):
    """The HTTP peer behind TLS, with a self-signed certificate for the
    name "pinned.test" only (``.cert_file`` to verify it with)."""
    import datetime
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'pinned.test')])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(
            [x509.DNSName('pinned.test')]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None),
                       critical=True)
        .sign(key, hashes.SHA256())
    )
    workdir = tmp_path_factory.mktemp('tls')
    cert_file, key_file = workdir / 'cert.pem', workdir / 'key.pem'
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert_file), str(key_file))
    server = _QuietServer(('127.0.0.1', 0), _Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    server.requests = []
    server.release = threading.Event()
    server.cert_file = str(cert_file)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
