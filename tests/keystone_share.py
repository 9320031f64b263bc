"""One Keystone per test run, shared by the run's processes.

Setting Keystone up takes seconds of CPU (four ``keystone-manage`` runs,
gunicorn, the people of ``tests.keystone``): once per pytest-xdist worker
was once too many. The run's main process (pytest itself, or the xdist
controller, which starts no Keystone of its own) makes a directory for it
before any worker starts and names it in the environment the workers
inherit; the first process that needs a Keystone launches it, under a lock
in that directory, and writes there where it is and who is in it; the
others read it. The main process stops it when the run ends; a run killed
before that leaves a Keystone that stops itself (it watches the main
process, ``OWNER_ENV``).

Tests share its users and projects as before, when they shared them within
a worker: none changes them.
"""

import contextlib
import dataclasses
import fcntl
import json
import os
import shutil
import signal
import tempfile
import time

SHARE_ENV = "MISTRAL_CLONE_TEST_KEYSTONE_SHARE"
OWNER_ENV = "MISTRAL_CLONE_TEST_KEYSTONE_OWNER"
_RECORD = "keystone.json"

# Set in the process that made the share: its directory.
_owned_share = None
# Keystones launched by this process (pid -> Popen), to reap them.
_launched = {}


def pytest_configure(config):
    global _owned_share
    if hasattr(config, "workerinput") or os.environ.get(SHARE_ENV):
        return
    _owned_share = tempfile.mkdtemp(prefix="mc-keystone-")
    os.environ[SHARE_ENV] = _owned_share
    os.environ[OWNER_ENV] = str(os.getpid())


def pytest_unconfigure(config):
    global _owned_share
    if _owned_share is None:
        return
    _stop_recorded(_owned_share)
    shutil.rmtree(_owned_share, ignore_errors=True)
    os.environ.pop(SHARE_ENV, None)
    os.environ.pop(OWNER_ENV, None)
    _owned_share = None


@contextlib.contextmanager
def shared(launch, keystone_type):
    """The run's Keystone: ``launch(state_dir)`` -> (process, Keystone)
    makes it the first time. Without a share (pytest started by something
    that skipped ``pytest_configure``), one of this process's own, stopped
    at the end."""
    directory = os.environ.get(SHARE_ENV)
    if not directory:
        with tempfile.TemporaryDirectory(prefix="mc-keystone-") as own:
            proc, running = launch(own)
            try:
                yield running
            finally:
                _stop(proc.pid)
        return
    with _locked(directory):
        record = os.path.join(directory, _RECORD)
        if os.path.exists(record):
            with open(record) as f:
                fields = json.load(f)
        else:
            state_dir = os.path.join(directory, "state")
            os.makedirs(state_dir)
            proc, running = launch(state_dir)
            _launched[proc.pid] = proc
            fields = dict(dataclasses.asdict(running), pid=proc.pid)
            with open(record + ".new", "w") as f:
                json.dump(fields, f)
            os.rename(record + ".new", record)
    fields.pop("pid")
    yield keystone_type(**fields)


@contextlib.contextmanager
def _locked(directory):
    with open(os.path.join(directory, "lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _stop_recorded(directory):
    record = os.path.join(directory, _RECORD)
    if os.path.exists(record):
        with open(record) as f:
            _stop(json.load(f)["pid"])


def _stop(pid, timeout=30.0):
    """SIGTERM to gunicorn's arbiter, SIGKILL if it lingers; reaped here
    when this process launched it, by its parent otherwise."""
    proc = _launched.pop(pid, None)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        if proc is not None:
            try:
                proc.wait(timeout)
                return
            except Exception:  # noqa: BLE001 - subprocess.TimeoutExpired
                continue
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not _alive(pid):
                return
            time.sleep(0.1)


def _alive(pid) -> bool:
    """Running (a zombie waiting for its parent counts as ended)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False
