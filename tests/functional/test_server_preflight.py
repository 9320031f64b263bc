"""A server whose API (or metrics) address is taken starts nothing: one
line on stderr names the address and the options, exit code 2, no
database created."""

import os
import socket
import subprocess
import sys


def _start_on_a_taken_port(tmp_path, conf_text, *args):
    """Start the server with ``conf_text % port`` while ``port`` is taken:
    (the finished process, port)."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        conf = tmp_path / "mistral-clone.conf"
        conf.write_text(conf_text % port)
        server = os.path.join(os.path.dirname(sys.executable),
                              "mistral-clone-server")
        done = subprocess.run(
            [server, *args, "--config-file", str(conf)],
            env=dict(os.environ, MISTRAL_CLONE_STATE_DIR=str(tmp_path)),
            capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert not list(tmp_path.glob("*.sqlite"))
    return done, port


def test_port_in_use_starts_nothing(tmp_path):
    done, port = _start_on_a_taken_port(tmp_path, "[api]\nport = %d\n")
    lines = done.stderr.strip().splitlines()
    assert lines[-1] == (
        "mistral-clone: cannot start: the API cannot listen on "
        "127.0.0.1:%d ([api] host = 127.0.0.1, [api] port = %d): the "
        "address is already in use. Stop what listens there or choose "
        "another [api] port." % (port, port)), done.stderr
    assert "started" not in done.stdout + done.stderr


def test_metrics_port_in_use_starts_nothing(tmp_path):
    done, port = _start_on_a_taken_port(
        tmp_path, "[metrics]\nengine_port = %d\n", "--server",
        "engine,executor")
    assert done.stderr.strip().splitlines()[-1] == (
        "mistral-clone: cannot start: the metrics cannot listen on "
        "127.0.0.1:%d ([metrics] host = 127.0.0.1, [metrics] engine_port "
        "= %d): the address is already in use. Stop what listens there or "
        "choose another [metrics] engine_port." % (port, port)), \
        done.stderr
    assert "started" not in done.stdout + done.stderr
