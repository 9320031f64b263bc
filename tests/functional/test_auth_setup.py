"""``[pecan] auth_enable = True`` without the ``[keystone_authtoken]``
options keystonemiddleware needs: the API refuses to start and names them
(issue 10, finding 7), instead of answering 500 to every request."""

import os
import subprocess
import sys

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
