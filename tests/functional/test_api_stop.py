"""A stopping API (SIGTERM) stops accepting, lets the requests it is
handling finish and their answers leave, then exits."""

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request

from tests.functional.server import cpu_seconds, free_port, wait_for_port
from tests.waiting import wait_for

# Enough tasks that validating takes seconds (the test signals the stop
# once the server has spent 0.3 s of CPU on it).
TASKS = 2000


def _big_definition() -> bytes:
    lines = ["version: '2.0'", "wf:", "  tasks:"]
    for i in range(TASKS):
        lines.append("    t%d:\n      action: std.noop\n      on-success: t%d"
                     % (i, i + 1) if i + 1 < TASKS else
                     "    t%d:\n      action: std.noop" % i)
    return "\n".join(lines).encode()


def _start(tmp_path, services):
    """(port, process) of a server of its own, logging to server.log."""
    port = free_port()
    conf = tmp_path / "mc.conf"
    # A stop waits for the requests in progress up to 300 s: on a loaded
    # machine the big validation below took more than the default 60.
    conf.write_text("[DEFAULT]\ngraceful_shutdown_timeout = 300\n"
                    "[api]\nport = %d\n" % port)
    env = dict(os.environ, MISTRAL_CLONE_STATE_DIR=str(tmp_path))
    with open(tmp_path / "server.log", "w") as log:
        return port, subprocess.Popen(
            [sys.executable, "-m", "mistral_clone.cmd.server", "--server",
             services, "--config-file", str(conf)], env=env, stdout=log,
            stderr=subprocess.STDOUT)


def test_a_request_in_progress_gets_its_answer(tmp_path):
    port, proc = _start(tmp_path, "api")
    try:
        wait_for_port(port, proc)
        answers = []
        definition = _big_definition()

        def validate():
            req = urllib.request.Request(
                "http://127.0.0.1:%d/v2/workflows/validate" % port,
                data=definition, method="POST",
                headers={"Content-Type": "text/plain"})
            try:
                with urllib.request.urlopen(req, timeout=300) as resp:
                    answers.append((resp.status, resp.read(),
                                    time.monotonic()))
            except OSError as e:
                answers.append((None, repr(e), time.monotonic()))

        idle_cpu = cpu_seconds(proc.pid)
        client = threading.Thread(target=validate)
        client.start()
        # The request is in once the server spends CPU on it (its parsing
        # takes seconds); a fixed pause lost the race on a loaded machine,
        # the signal coming while the connection still waited to be taken.
        wait_for(lambda: cpu_seconds(proc.pid) - idle_cpu >= 0.3,
                 timeout=60, interval=0.02)
        signalled_at = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        client.join(300)
        assert proc.wait(timeout=300) == 0
        [(status, body, answered_at)] = answers
        assert status == 200, body
        assert b'"valid": true' in body
        # It was still being handled when the signal came.
        assert answered_at > signalled_at
    finally:
        if proc.poll() is None:
            proc.kill()


def _tgkill(pid, tid, sig):
    """Send ``sig`` to one thread of another process (tgkill(2))."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    assert libc.syscall(234, pid, tid, sig) == 0  # SYS_tgkill, x86-64


def test_sigquit_writes_the_stacks_and_a_stop_reaches_any_thread(tmp_path):
    """SIGQUIT: every thread's stack in the log, the service goes on.
    SIGTERM received by a thread other than the main one: it still stops
    (the main thread never waits without end)."""
    port, proc = _start(tmp_path, "api,engine,executor")
    try:
        wait_for_port(port, proc)
        proc.send_signal(signal.SIGQUIT)
        wait_for(lambda: "most recent call first" in
                 (tmp_path / "server.log").read_text())
        with urllib.request.urlopen(
                "http://127.0.0.1:%d/v2/workflows" % port, timeout=30) as r:
            assert r.status == 200
        others = sorted(int(t) for t in os.listdir("/proc/%d/task" % proc.pid)
                        if int(t) != proc.pid)
        _tgkill(proc.pid, others[-1], signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
