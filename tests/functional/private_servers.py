"""A PostgreSQL server and a RabbitMQ node private to one test, which the
test may restart for real (the shared servers other tests use must never
be stopped).

Both live in a fresh directory under /tmp rather than pytest's tmp_path:
they run as their own system users (``postgres``, ``rabbitmq``), who cannot
enter pytest's root-only directories.
"""

import contextlib
import glob
import os
import shlex
import shutil
import subprocess
import tempfile
import time
import uuid

from tests.functional.server import free_port

# A server's start or stop on a loaded machine.
START_S = 90


def postgresql_bin():
    """The directory of the newest PostgreSQL server binaries, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                   key=lambda p: int(p.split("/")[4]))
    return os.path.dirname(found[-1]) if found else None


def missing_binaries():
    """Why the private servers cannot be made here, or None."""
    if not postgresql_bin():
        return "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin"
    if not (shutil.which("rabbitmq-server") and shutil.which("rabbitmqctl")):
        return "no rabbitmq-server / rabbitmqctl on PATH"
    if os.geteuid() != 0:
        return "needs root to run the servers as their own users"
    return None


def _as_user(user, argv, **kwargs):
    """Run ``argv`` as ``user`` (initdb refuses root); raises on failure
    with its output."""
    cmd = ["su", user, "-s", "/bin/sh", "-c", shlex.join(argv)]
    done = subprocess.run(cmd, capture_output=True, text=True,
                          timeout=START_S, **kwargs)
    if done.returncode:
        raise RuntimeError("%s failed (%s): %s%s" % (
            argv[0], done.returncode, done.stdout, done.stderr))
    return done.stdout


def _tail(path, lines=20):
    """The end of a server's log, for a failure's message (the directory
    is removed afterwards)."""
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return "(no %s)" % path


def _private_dir(prefix, owner):
    path = tempfile.mkdtemp(prefix=prefix, dir="/tmp")
    shutil.chown(path, owner, owner)
    return path


class PrivatePostgresql:
    """A cluster made by initdb on a free port, trusting local
    connections; ``url`` reaches a database of its own owned by a role of
    its own."""

    def __init__(self):
        self.bin = postgresql_bin()
        self.dir = _private_dir("mc-pg-", "postgres")
        self.data = os.path.join(self.dir, "data")
        self.port = free_port()
        self.url = ("postgresql+psycopg://mc:mc@127.0.0.1:%d/mc_restart"
                    % self.port)

    def _pg_ctl(self, *args):
        options = "-p %d -k %s -c listen_addresses=127.0.0.1" % (
            self.port, self.dir)
        return _as_user("postgres", [
            os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-w",
            "-t", str(START_S), "-o", options,
            "-l", os.path.join(self.dir, "server.log")] + list(args))

    def _psql(self, sql):
        _as_user("postgres", [os.path.join(self.bin, "psql"), "-h", self.dir,
                              "-p", str(self.port), "-U", "postgres",
                              "-v", "ON_ERROR_STOP=1", "-qc", sql])

    def start(self):
        _as_user("postgres", [os.path.join(self.bin, "initdb"), "-D",
                              self.data, "-A", "trust", "-U", "postgres"])
        try:
            self._pg_ctl("start")
        except RuntimeError as e:
            raise RuntimeError("%s\n%s" % (e, _tail(
                os.path.join(self.dir, "server.log"))))
        self._psql("CREATE ROLE mc LOGIN PASSWORD 'mc'")
        self._psql("CREATE DATABASE mc_restart OWNER mc")

    def restart(self):
        """``pg_ctl restart -m fast``: every connection is closed."""
        self._pg_ctl("-m", "fast", "restart")

    def destroy(self):
        try:
            self._pg_ctl("-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


class PrivateRabbitmq:
    """A RabbitMQ node of its own name, ports and data, no plugins; ``url``
    reaches a vhost of its own."""

    def __init__(self):
        self.dir = _private_dir("mc-mq-", "rabbitmq")
        self.node = "mc%s@localhost" % uuid.uuid4().hex[:8]
        self.port = free_port()
        self.url = "rabbit://mc:mc@127.0.0.1:%d/mc_restart" % self.port
        self.proc = None

    def _env(self):
        plugins = os.path.join(self.dir, "enabled_plugins")
        if not os.path.exists(plugins):
            with open(plugins, "w") as f:
                f.write("[].\n")
        return dict(
            os.environ, RABBITMQ_NODENAME=self.node,
            RABBITMQ_NODE_PORT=str(self.port),
            RABBITMQ_DIST_PORT=str(free_port()),
            RABBITMQ_MNESIA_BASE=os.path.join(self.dir, "mnesia"),
            RABBITMQ_LOG_BASE=os.path.join(self.dir, "log"),
            RABBITMQ_ENABLED_PLUGINS_FILE=plugins,
            RABBITMQ_CONFIG_FILE=os.path.join(self.dir, "rabbitmq"),
            RABBITMQ_ADVANCED_CONFIG_FILE=os.path.join(self.dir,
                                                       "advanced.config"))

    def ctl(self, *args):
        done = subprocess.run(["rabbitmqctl", "-n", self.node] + list(args),
                              capture_output=True, text=True,
                              timeout=START_S)
        if done.returncode:
            raise RuntimeError("rabbitmqctl %s failed: %s%s" % (
                " ".join(args), done.stdout, done.stderr))

    def _await_startup(self):
        """``await_startup`` answers an error until the node has
        registered with epmd, so it is asked again until then."""
        from tests.waiting import wait_for

        def started():
            try:
                self.ctl("await_startup", "--timeout", "10")
                return True
            except (RuntimeError, subprocess.TimeoutExpired):
                if self.proc.poll() is not None:
                    raise RuntimeError("rabbitmq-server exited:\n%s" % _tail(
                        os.path.join(self.dir, "server.out")))
                return False
        wait_for(started, START_S, 1)

    def start(self):
        out = open(os.path.join(self.dir, "server.out"), "w")
        self.proc = subprocess.Popen(["rabbitmq-server"], env=self._env(),
                                     stdout=out, stderr=subprocess.STDOUT)
        self._await_startup()
        self.ctl("add_user", "mc", "mc")
        self.ctl("add_vhost", "mc_restart")
        self.ctl("set_permissions", "-p", "mc_restart", "mc",
                 ".*", ".*", ".*")

    def restart(self, down_s=0):
        """The RabbitMQ application stopped (for ``down_s`` seconds) and
        started again: every connection is closed and the non-durable
        queues are gone."""
        self.ctl("stop_app")
        time.sleep(down_s)
        self.ctl("start_app")
        self._await_startup()

    def destroy(self):
        try:
            if self.proc and self.proc.poll() is None:
                self.ctl("stop")
                self.proc.wait(START_S)
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def running(server):
    """``server`` started, and destroyed whatever happens."""
    try:
        server.start()
        yield server
    finally:
        server.destroy()
