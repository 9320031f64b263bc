"""``mistral-clone-server --server api,engine,executor,scheduler,notifier,
event-engine``
(or ``all``, the default): starts the chosen services in this process and
runs until SIGTERM/SIGINT. SIGQUIT writes every thread's stack to stderr
(the service goes on): what an operator asks a stuck process."""

import argparse
import concurrent.futures
import ctypes
import faulthandler
import importlib
import logging
import os
import signal
import sys
import threading

from mistral_clone import config
from mistral_clone import exceptions as exc
from mistral_clone.cmd import preflight
from mistral_clone.metrics import ports as metrics_ports

LOG = logging.getLogger(__name__)

# service name -> module exposing ``start() -> object with stop()``.
SERVICES = {
    "api": "mistral_clone.api.service",
    "engine": "mistral_clone.engine.service",
    "executor": "mistral_clone.executor.service",
    "scheduler": "mistral_clone.scheduler.service",
    "notifier": "mistral_clone.notifier.service",
    "event-engine": "mistral_clone.event_engine.service",
}
ORDER = ["engine", "executor", "scheduler", "notifier", "event-engine",
         "api"]


def parse_services(value):
    names = [s.strip() for s in value.split(",") if s.strip()]
    if not names or "all" in names:
        return list(ORDER)
    unknown = [n for n in names if n not in SERVICES]
    if unknown:
        raise SystemExit("Unknown service(s): %s (choose from %s or all)"
                         % (", ".join(unknown), ", ".join(ORDER)))
    return [n for n in ORDER if n in names]


def prepare_database():
    """The embedded default (no [database] connection): create or upgrade
    the SQLite file and register the system actions on first start."""
    if config.CONF.database.connection:
        return
    from mistral_clone.db import migration
    migration.upgrade()
    from mistral_clone.services import system_actions
    system_actions.register()
    system_actions.register_shipped_adhoc()


def start_services(names, started):
    """Start the services ``names`` in order, adding each to ``started``
    (so that a failure leaves the caller the ones to stop)."""
    for name in names:
        module = importlib.import_module(SERVICES[name])
        started.append((name, module.start()))
        LOG.info("Service %s started", name)
    return started


# The order services stop in: the API stops taking requests first; the
# services that only feed the engine stop together (each stop takes
# seconds with RabbitMQ: see ``transport.stop_servers``); the executor
# hands its last results to the engine, which stops last.
STOP_TIERS = (("api",), ("event-engine", "notifier", "scheduler"),
              ("executor",), ("engine",))


def stop_services(started) -> None:
    """Stop the ``(name, service)`` pairs ``started``, tier by tier, the
    services of a tier together; a failing stop is logged."""
    for tier in STOP_TIERS:
        services = [(name, service) for name, service in started
                    if name in tier]
        if services:
            with concurrent.futures.ThreadPoolExecutor(len(services)) as pool:
                list(pool.map(lambda pair: _stop_one(*pair), services))


def _stop_one(name, service) -> None:
    try:
        service.stop()
    except Exception:
        LOG.exception("Error stopping %s", name)


def limit_malloc_arenas(arenas: int = 2) -> None:
    """glibc gives threads their own malloc arenas (up to 8 per core), each
    a heap of its own that is rarely returned: with dozens of RPC, API and
    executor threads that is tens of MB per process for nothing, since the
    GIL lets one thread run Python at a time anyway. ``MALLOC_ARENA_MAX``
    in the environment still wins."""
    if os.environ.get("MALLOC_ARENA_MAX"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_ARENA_MAX, arenas)
    except (OSError, AttributeError):
        pass  # not glibc


_M_ARENA_MAX = -8


def _refuse(error: exc.MistralError) -> int:
    """A set-up a service refuses: say why, plainly, and stop."""
    print("mistral-clone: cannot start: %s" % error, file=sys.stderr,
          flush=True)
    return 2


def main(argv=None):
    limit_malloc_arenas()
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="mistral-clone-server")
    parser.add_argument("--server", default="all",
                        help="comma-separated services, or 'all'")
    parser.add_argument("--config-file", action="append", default=[])
    args = parser.parse_args(argv)
    names = parse_services(args.server)

    config.parse_args([], default_config_files=args.config_file)
    from oslo_log import log as oslo_logging
    oslo_logging.setup(config.CONF, "mistral-clone")
    try:
        preflight.check(names)
        metrics_server = metrics_ports.start(names, config.CONF)
    except exc.MistralError as e:
        return _refuse(e)
    try:
        return _run(names)
    finally:
        if metrics_server is not None:
            metrics_server.stop()


# How soon the main thread sees a stop signal received by another thread.
_SIGNAL_CHECK_S = 0.5


def _run(names) -> int:
    prepare_database()
    stop_event = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop_event.set())
    faulthandler.register(signal.SIGQUIT, all_threads=True)
    started = []
    try:
        start_services(names, started)
    except exc.MistralError as e:
        stop_services(started)
        return _refuse(e)
    print("mistral-clone: %s running" % ", ".join(names), flush=True)
    try:
        # In slices, not one endless wait: CPython runs a signal's handler
        # in the main thread when it next runs Python code, so whatever
        # does or does not interrupt its wait, SIGTERM is seen within
        # half a second.
        while not stop_event.wait(_SIGNAL_CHECK_S):
            pass
    finally:
        stop_services(started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
