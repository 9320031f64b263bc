"""The real ``python-mistralclient`` CLI prints exactly what it printed
before located errors existed: each command runs against the server, and
again through a proxy that removes the new ``errors`` and ``warnings``
fields from every answer (the body the server sent before they were
added); outputs and exit codes must be the same. A direct request shows
the fields really were sent.

Runs when the ``mistral`` CLI is found; skipped otherwise.
"""

import contextlib
import http.client
import http.server
import json
import os
import threading
import urllib.parse
import urllib.request

import pytest

from tests.functional.server import CLI, run_cli, running_server, write_file

pytestmark = pytest.mark.skipif(not os.access(CLI, os.X_OK),
                                reason="python-mistralclient not installed")

NEW_FIELDS = ("errors", "warnings")

BAD_WF = """\
version: '2.0'
cli_bad_wf:
  tasks:
    t1:
      action: std.noop
      wait-before: -1
      on-success: [t9]
    t2:
      action: std.echo output=<% $.x +++ %>
"""
UNKNOWN_ACTION_WF = """\
version: '2.0'
cli_warned_wf:
  tasks:
    t1:
      action: not.there
"""
BAD_WB = """\
version: '2.0'
name: cli_bad_wb
workflows:
  wf:
    tasks:
      t1:
        action: std.noop
        on-success: t2
"""
BAD_ACTION = """\
version: '2.0'
cli_bad_act:
  base: std.echo output=<% $.x +++ %>
  bogus: 1
"""


class _StrippingProxy(http.server.BaseHTTPRequestHandler):
    """Forwards each request to ``target`` and removes NEW_FIELDS from a
    JSON object answer."""

    target = None  # (host, port)

    def _forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        conn = http.client.HTTPConnection(*self.target, timeout=60)
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("host", "content-length")}
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        if resp.getheader("Content-Type", "").startswith("application/json"):
            decoded = json.loads(data) if data else None
            if isinstance(decoded, dict):
                for field in NEW_FIELDS:
                    decoded.pop(field, None)
                data = json.dumps(decoded).encode()
        self.send_response(resp.status)
        for key, value in resp.getheaders():
            if key.lower() not in ("content-length", "transfer-encoding",
                                   "connection", "date", "server"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        conn.close()

    do_GET = do_POST = do_PUT = do_DELETE = _forward

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def stripping_proxy(url):
    """A ``running_server``-like value for the same server, behind the
    proxy."""
    parsed = urllib.parse.urlparse(url)
    handler = type("Handler", (_StrippingProxy,),
                   {"target": (parsed.hostname, parsed.port)})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield "http://127.0.0.1:%d/v2" % httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=30)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("cli_located"),
                        services="api") as srv:
        yield srv


def _post(url, text) -> dict:
    request = urllib.request.Request(
        url, data=text.encode(), method="POST",
        headers={"Content-Type": "text/plain"})
    try:
        with urllib.request.urlopen(request, timeout=60) as resp:
            return json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return json.loads(e.read())


@pytest.mark.parametrize("command, text, resource", [
    ("workflow-validate", BAD_WF, "workflows/validate"),
    ("workflow-validate", UNKNOWN_ACTION_WF, "workflows/validate"),
    ("workflow-create", BAD_WF, "workflows"),
    ("workflow-update", BAD_WF, "workflows"),
    ("workbook-validate", BAD_WB, "workbooks/validate"),
    ("workbook-create", BAD_WB, "workbooks"),
    ("action-validate", BAD_ACTION, "actions/validate"),
    ("action-create", BAD_ACTION, "actions"),
])
def test_cli_output_is_unchanged(server, command, text, resource):
    url, _state = server
    path = write_file(server, command + ".yaml", text)
    answer = _post("%s/%s" % (url, resource), text)
    assert set(NEW_FIELDS) & set(answer), answer
    direct = run_cli(server, command, path, ok=False)
    with stripping_proxy(url) as proxied_url:
        before = run_cli((proxied_url, server[1]), command, path, ok=False)
    assert (direct.returncode, direct.stdout, direct.stderr) == \
        (before.returncode, before.stdout, before.stderr)
    shown = direct.stdout + direct.stderr
    first_line = (answer.get("faultstring") or answer.get("error") or
                  "").split("\n")[0]
    assert first_line in shown
    for problem in answer.get("errors", [])[1:]:
        assert problem["message"] not in shown
