"""A real ``mistral-clone-server`` process for tests that talk HTTP to it
(the python-mistralclient CLI, the conformance runner)."""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time

CLI = os.environ.get("MISTRAL_CLI") or shutil.which("mistral") or \
    "/root/ref-mistral/venv/bin/mistral"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# A server's start: its imports take seconds of CPU, and other test
# workers and services share the machine's two cores.
START_S = 180.0


def cpu_seconds(pid):
    """User + system CPU time of a process so far."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_for_port(port, proc, timeout=START_S):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited with %s" % proc.returncode)
        try:
            with socket.create_connection(("127.0.0.1", port), 0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError("API not listening on %d" % port)


@contextlib.contextmanager
def running_server(state_dir, services="all", extra_conf=""):
    """Start the server on a free port with its state in ``state_dir``;
    yields (``http://127.0.0.1:PORT/v2``, state_dir)."""
    port = free_port()
    conf = state_dir / "mistral-clone.conf"
    conf.write_text("[api]\nport = %d\n%s" % (port, extra_conf))
    env = dict(os.environ, MISTRAL_CLONE_STATE_DIR=str(state_dir))
    server_bin = os.path.join(os.path.dirname(sys.executable),
                              "mistral-clone-server")
    log = open(state_dir / "server.log", "w")
    proc = subprocess.Popen([server_bin, "--server", services,
                             "--config-file", str(conf)], env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, proc)
        yield "http://127.0.0.1:%d/v2" % port, state_dir
    finally:
        stop(proc)
        log.close()


def stop(proc):
    """End ``proc`` (a started server), killing it if it lingers."""
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


def run_cli(server, *args, ok=True) -> subprocess.CompletedProcess:
    """The ``mistral`` CLI against ``server`` (a ``running_server`` value);
    with ``ok`` it must succeed."""
    url, _state = server
    result = subprocess.run([CLI, "--os-mistral-url", url] + list(args),
                            capture_output=True, text=True, timeout=60)
    if ok:
        assert result.returncode == 0, result.stderr
    return result


def write_file(server, name, text) -> str:
    """``text`` in a file of the server's state directory; its path."""
    path = server[1] / name
    path.write_text(text)
    return str(path)
