"""A scaled-out mistral-clone for the benchmarks: api, N engines, M
executors, a scheduler and a notifier, each a ``mistral-clone-server
--server X`` process, over a PostgreSQL database and RabbitMQ topics of
their own (so several topologies, and the test suites, share one server
and one broker without answering each other's calls).

    python bench/topology.py --engines 2 --executors 2 --port 18997

starts one and keeps it until Ctrl-C (the processes are stopped, the
database dropped); ``bench/run --engines N --executors M`` and
``bench/soak.py`` start theirs with ``Topology``.

The bench talks to the servers through the REST API only; this module
starts them as commands and, for the work-sharing report, reads what the
API does not show: the line each engine and executor logs when it stops
(steps committed, actions run) and the CPU time of each process.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from typing import Dict, Iterable, List, Optional

import sqlalchemy as sa

DEFAULT_PG_URL = os.environ.get(
    "MISTRAL_CLONE_TEST_PG_URL",
    "postgresql+psycopg://mistral_clone:mistral_clone@127.0.0.1/"
    "mistral_clone_test")
DEFAULT_RABBIT_URL = os.environ.get(
    "MISTRAL_CLONE_TEST_RABBIT_URL",
    "rabbit://mistral_clone:mistral_clone@127.0.0.1:5672/mistral_clone_test")
START_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 60.0


def _python() -> str:
    """The interpreter of the project's venv (the one running us when
    started through bench/run)."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    venv_python = os.path.join(here, ".venv", "bin", "python")
    return venv_python if os.path.exists(venv_python) else sys.executable


def _database_url(base_url: str, name: str) -> str:
    return sa.engine.make_url(base_url).set(database=name) \
        .render_as_string(hide_password=False)


class Topology:
    """The processes of one scaled-out deployment (``start``/``stop``, or
    ``with Topology(...) as topo``); ``processes`` maps a role name
    (``api``, ``engine1``, ``executor2``, ...) to its ``Popen``."""

    def __init__(self, engines: int = 1, executors: int = 1, port: int = 0,
                 pg_url: str = DEFAULT_PG_URL,
                 rabbit_url: str = DEFAULT_RABBIT_URL, pool_size: int = 10,
                 extra_conf: str = "", state_dir: Optional[str] = None,
                 log=print, traced: Iterable[str] = ()):
        self.engines = engines
        self.executors = executors
        self.port = port or _free_port()
        self.pg_url = pg_url
        self.rabbit_url = rabbit_url
        self.pool_size = pool_size
        self.extra_conf = extra_conf
        self.token = uuid.uuid4().hex[:8]
        self.db_name = "mc_bench_%s" % self.token
        self.db_url = _database_url(pg_url, self.db_name)
        self.state_dir = state_dir or tempfile.mkdtemp(
            prefix="mc-topology-%s-" % self.token)
        self.conf_file = os.path.join(self.state_dir, "bench.conf")
        self.processes: Dict[str, subprocess.Popen] = {}
        self.log = log
        # Roles run under tracemalloc (``bench/traced_server.py``).
        self.traced = set(traced)

    @property
    def url(self) -> str:
        return "http://127.0.0.1:%d/v2" % self.port

    def roles(self) -> List[str]:
        return (["api"] + ["engine%d" % (i + 1) for i in range(self.engines)]
                + ["executor%d" % (i + 1) for i in range(self.executors)]
                + ["scheduler", "notifier"])

    def pids(self) -> Dict[str, int]:
        return {role: proc.pid for role, proc in self.processes.items()}

    def log_path(self, role: str) -> str:
        return os.path.join(self.state_dir, "%s.log" % role)

    # -- start and stop ---------------------------------------------------
    def __enter__(self) -> "Topology":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self) -> "Topology":
        self._create_database()
        self._write_conf()
        try:
            self._manage("upgrade", "head")
            self._manage("populate")
            for role in self.roles():
                self.processes[role] = self._spawn(role)
            self._wait_api()
        except BaseException:
            self.stop()
            raise
        self.log("topology %s: %d engine(s), %d executor(s), API %s, "
                 "logs in %s" % (self.token, self.engines, self.executors,
                                 self.url, self.state_dir))
        return self

    def stop(self) -> None:
        """SIGTERM to every process (a clean stop: the engines log their
        work), SIGKILL to those still there after STOP_TIMEOUT_S; then the
        database goes."""
        for proc in self.processes.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for proc in self.processes.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._drop_database()

    def _write_conf(self) -> None:
        """max_overflow = max_pool_size: at most twice that many
        connections per process (the server may be shared with others)."""
        topic = "mc_bench_%s" % self.token
        text = (
            "[DEFAULT]\ntransport_url = %s\n"
            "[database]\nconnection = %s\nmax_pool_size = %d\n"
            "max_overflow = %d\n"
            "[api]\nhost = 127.0.0.1\nport = %d\n"
            "[pecan]\nauth_enable = False\n"
            "[engine]\ntopic = %s_engine\n"
            "[executor]\ntopic = %s_executor\n"
            "[notifier]\ntopic = %s_notifier\n%s\n"
            % (self.rabbit_url, self.db_url, self.pool_size,
               self.pool_size, self.port,
               topic, topic, topic, self.extra_conf))
        with open(self.conf_file, "w") as fh:
            fh.write(text)

    def _manage(self, *args: str) -> None:
        subprocess.run(
            [_python(), "-m", "mistral_clone.cmd.db_manage",
             "--config-file", self.conf_file] + list(args),
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def _spawn(self, role: str) -> subprocess.Popen:
        service = re.sub(r"\d+$", "", role)
        log = open(self.log_path(role), "w")
        command = ["-m", "mistral_clone.cmd.server"]
        env = None
        if role in self.traced:
            command = [os.path.join(os.path.dirname(
                os.path.abspath(__file__)), "traced_server.py")]
            env = dict(os.environ, MC_TRACEMALLOC_DIR=self.state_dir)
        return subprocess.Popen(
            [_python()] + command + ["--server", service, "--config-file",
                                     self.conf_file],
            stdout=log, stderr=subprocess.STDOUT, env=env)

    def snapshot_traced(self) -> None:
        """Ask each traced process for a tracemalloc snapshot (written
        to ``state_dir``)."""
        for role in self.traced:
            proc = self.processes.get(role)
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGUSR2)

    def _wait_api(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            for role, proc in self.processes.items():
                if proc.poll() is not None:
                    raise RuntimeError("%s exited with %s (see %s)" % (
                        role, proc.returncode, self.log_path(role)))
            try:
                with urllib.request.urlopen(self.url + "/workflows",
                                            timeout=5):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)

    # -- the database -----------------------------------------------------
    def _admin(self) -> sa.engine.Engine:
        return sa.create_engine(self.pg_url, isolation_level="AUTOCOMMIT",
                                poolclass=sa.pool.NullPool)

    def _create_database(self) -> None:
        admin = self._admin()
        with admin.connect() as conn:
            conn.exec_driver_sql('CREATE DATABASE "%s"' % self.db_name)
        admin.dispose()

    def _drop_database(self) -> None:
        admin = self._admin()
        try:
            with admin.connect() as conn:
                conn.exec_driver_sql(
                    'DROP DATABASE IF EXISTS "%s" WITH (FORCE)'
                    % self.db_name)
        finally:
            admin.dispose()

    # -- who did the work -------------------------------------------------
    def cpu_by_role(self) -> Dict[str, float]:
        """CPU seconds (user + system) each process has used so far."""
        return {role: cpu_seconds(pid) or 0.0
                for role, pid in self.pids().items()}

    def work(self) -> Dict[str, dict]:
        """What each engine and executor said it did, from the line it
        logs when it stops (so: after ``stop``); role -> counts."""
        work = {}
        for role in self.roles():
            pattern = WORK_LINES.get(re.sub(r"\d+$", "", role))
            if pattern is None:
                continue
            try:
                with open(self.log_path(role)) as fh:
                    matches = list(pattern.finditer(fh.read()))
            except OSError:
                continue
            if matches:
                work[role] = {k: int(v) for k, v in
                              matches[-1].groupdict().items()}
        return work


# The lines ``mistral_clone.work_counts`` has the services log when they
# stop.
WORK_LINES = {
    "engine": re.compile(
        r"engine work: (?P<steps>\d+) steps committed, (?P<tasks>\d+) "
        r"task executions created, (?P<results>\d+) action results "
        r"absorbed"),
    "executor": re.compile(r"executor work: (?P<actions>\d+) actions run"),
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_seconds(pid: int) -> Optional[float]:
    """User + system CPU time of ``pid`` so far (``/proc/PID/stat``)."""
    try:
        with open("/proc/%d/stat" % pid) as fh:
            stat = fh.read()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2:].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="bench/topology.py",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("--engines", type=int, default=1)
    p.add_argument("--executors", type=int, default=1)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--pg-url", default=DEFAULT_PG_URL)
    p.add_argument("--rabbit-url", default=DEFAULT_RABBIT_URL)
    p.add_argument("--pool-size", type=int, default=10,
                   help="[database] max_pool_size of every process (10)")
    args = p.parse_args(argv)
    topo = Topology(args.engines, args.executors, args.port, args.pg_url,
                    args.rabbit_url, args.pool_size)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with topo:
        for role, pid in topo.pids().items():
            print("  %-10s %d" % (role, pid), flush=True)
        try:
            signal.pause()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
