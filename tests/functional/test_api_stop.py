"""A stopping API (SIGTERM) stops accepting, lets the requests it is
handling finish and their answers leave, then exits."""

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request

from tests.functional.server import free_port, wait_for_port

# Enough tasks that validating takes seconds even on a fast machine.
TASKS = 8000


def _big_definition() -> bytes:
    lines = ["version: '2.0'", "wf:", "  tasks:"]
    for i in range(TASKS):
        lines.append("    t%d:\n      action: std.noop\n      on-success: t%d"
                     % (i, i + 1) if i + 1 < TASKS else
                     "    t%d:\n      action: std.noop" % i)
    return "\n".join(lines).encode()


def test_a_request_in_progress_gets_its_answer(tmp_path):
    port = free_port()
    conf = tmp_path / "mc.conf"
    conf.write_text("[api]\nport = %d\n" % port)
    env = dict(os.environ, MISTRAL_CLONE_STATE_DIR=str(tmp_path))
    with open(tmp_path / "server.log", "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "mistral_clone.cmd.server", "--server",
             "api", "--config-file", str(conf)], env=env, stdout=log,
            stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, proc)
        answers = []

        def validate():
            req = urllib.request.Request(
                "http://127.0.0.1:%d/v2/workflows/validate" % port,
                data=_big_definition(), method="POST",
                headers={"Content-Type": "text/plain"})
            try:
                with urllib.request.urlopen(req, timeout=120) as resp:
                    answers.append((resp.status, resp.read(),
                                    time.monotonic()))
            except OSError as e:
                answers.append((None, repr(e), time.monotonic()))

        client = threading.Thread(target=validate)
        client.start()
        time.sleep(0.5)     # the request is in (its parsing takes seconds)
        signalled_at = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        client.join(120)
        assert proc.wait(timeout=120) == 0
        [(status, body, answered_at)] = answers
        assert status == 200, body
        assert b'"valid": true' in body
        # It was still being handled when the signal came.
        assert answered_at > signalled_at
    finally:
        if proc.poll() is None:
            proc.kill()
