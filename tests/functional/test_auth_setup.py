"""``[pecan] auth_enable = True`` without the ``[keystone_authtoken]``
options keystonemiddleware needs: the API refuses to start and names them
(issue 10, finding 7), instead of answering 500 to every request; with
them, the paths Mistral serves without a token answer without one."""

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request

from tests.functional.server import free_port, wait_for_port

SERVER = os.path.join(os.path.dirname(sys.executable),
                      "mistral-clone-server")


def start_api(tmp_path, text):
    conf = tmp_path / "mistral-clone.conf"
    conf.write_text("[api]\nport = 0\n[pecan]\nauth_enable = True\n" + text)
    return subprocess.run(
        [SERVER, "--server", "api", "--config-file", str(conf)],
        env=dict(os.environ, MISTRAL_CLONE_STATE_DIR=str(tmp_path)),
        capture_output=True, text=True, timeout=60)


def test_no_keystone_authtoken_section(tmp_path):
    done = start_api(tmp_path, "")
    assert done.returncode == 2
    assert "mistral-clone: cannot start: [pecan] auth_enable is True but " \
           "[keystone_authtoken] www_authenticate_uri, auth_type are not " \
           "set" in done.stderr


def test_auth_plugin_without_its_options(tmp_path):
    done = start_api(tmp_path, "[keystone_authtoken]\nauth_type = password\n"
                               "www_authenticate_uri = http://k:5000/v3\n")
    assert done.returncode == 2
    assert "[keystone_authtoken] auth_url is not set" in done.stderr


def test_paths_mistral_serves_without_a_token(tmp_path):
    """With authentication on, ``/``, ``/info`` and ``/v2/`` answer without
    a token (Mistral 23's list), ``/healthcheck`` too; the rest is 401."""
    port = free_port()
    conf = tmp_path / "mistral-clone.conf"
    conf.write_text(
        "[api]\nport = %d\n[pecan]\nauth_enable = True\n"
        "[healthcheck]\nenabled = True\n"
        "[keystone_authtoken]\nwww_authenticate_uri = http://127.0.0.1:9/v3\n"
        "auth_type = password\nauth_url = http://127.0.0.1:9/v3\n"
        "username = mistral\npassword = p\nproject_name = service\n"
        "user_domain_name = Default\nproject_domain_name = Default\n" % port)
    proc = subprocess.Popen(
        [SERVER, "--server", "api", "--config-file", str(conf)],
        env=dict(os.environ, MISTRAL_CLONE_STATE_DIR=str(tmp_path)),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def status(path):
        url = "http://127.0.0.1:%d%s" % (port, path)
        try:
            with urllib.request.urlopen(url, timeout=30) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()
    try:
        wait_for_port(port, proc)
        assert status("/")[0] == 200
        assert status("/v2/")[0] == 200
        code, body = status("/info")
        assert (code, json.loads(body)) == (
            400, {"faultstring": "Info endpoint disabled."})
        assert status("/healthcheck") == (200, b"OK")
        assert status("/maintenance")[0] == 401
        assert status("/v2/workflows")[0] == 401
    finally:
        proc.terminate()
        proc.wait(timeout=30)
