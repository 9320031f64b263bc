"""A server whose API address is taken starts nothing: one line on stderr
names the address and the options, exit code 2, no database created."""

import os
import socket
import subprocess
import sys


def test_port_in_use_starts_nothing(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        conf = tmp_path / "mistral-clone.conf"
        conf.write_text("[api]\nport = %d\n" % port)
        server = os.path.join(os.path.dirname(sys.executable),
                              "mistral-clone-server")
        done = subprocess.run(
            [server, "--config-file", str(conf)],
            env=dict(os.environ, MISTRAL_CLONE_STATE_DIR=str(tmp_path)),
            capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert lines[-1] == (
        "mistral-clone: cannot start: the API cannot listen on "
        "127.0.0.1:%d ([api] host = 127.0.0.1, [api] port = %d): the "
        "address is already in use. Stop what listens there or choose "
        "another [api] port." % (port, port)), done.stderr
    assert "Traceback" not in done.stderr
    assert "started" not in done.stdout + done.stderr
    assert not list(tmp_path.glob("*.sqlite"))
