"""``bench/run --engines N --executors M``: the run starts its own
scaled-out topology (``bench/topology.py``) instead of using ``--url``,
samples the memory of its processes, and reports how the work was shared:
per scenario the CPU seconds of each process, and at the end what each
engine and executor logged when it stopped (steps committed, task
executions created, results absorbed; actions run)."""

from __future__ import annotations

import argparse
from typing import Dict, Optional

from bench.topology import DEFAULT_PG_URL, DEFAULT_RABBIT_URL, Topology


def add_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group(
        "own topology", "start api, N engines, M executors, a scheduler and "
        "a notifier over PostgreSQL + RabbitMQ for this run (--url and "
        "--pids are then ignored)")
    g.add_argument("--engines", type=int, default=0,
                   help="engine processes (a topology is started when this "
                        "or --executors is given)")
    g.add_argument("--executors", type=int, default=0,
                   help="executor processes")
    g.add_argument("--pg-url", default=DEFAULT_PG_URL,
                   help="PostgreSQL server (a database is created in it "
                        "and dropped at the end)")
    g.add_argument("--rabbit-url", default=DEFAULT_RABBIT_URL)
    g.add_argument("--pool-size", type=int, default=10,
                   help="[database] max_pool_size of every process (10)")
    g.add_argument("--set", action="append", default=[],
                   metavar="SECTION.OPTION=VALUE",
                   help="an option for every process's configuration, "
                        "e.g. engine.result_workers=4 (repeatable)")


def start(args: argparse.Namespace, log) -> Optional[Topology]:
    """The topology the arguments ask for, started; ``args.url`` and
    ``args.pids`` then point at it."""
    if not (args.engines or args.executors):
        return None
    topo = Topology(args.engines or 1, args.executors or 1,
                    pg_url=args.pg_url, rabbit_url=args.rabbit_url,
                    pool_size=args.pool_size,
                    extra_conf=conf_lines(args.set), log=log).start()
    args.url = topo.url
    args.pids = ",".join(str(pid) for pid in topo.pids().values())
    args.pid_pattern = None
    return topo


def conf_lines(settings) -> str:
    """``["engine.result_workers=4", ...]`` as configuration file text,
    one section per option."""
    lines = []
    for setting in settings:
        name, _, value = setting.partition("=")
        section, _, option = name.rpartition(".")
        if not (section and option and _):
            raise SystemExit("--set wants SECTION.OPTION=VALUE, not %r"
                             % setting)
        lines.append("[%s]\n%s = %s" % (section, option, value))
    return "\n".join(lines)


def cpu_used(before: Dict[str, float], after: Dict[str, float]
             ) -> Dict[str, float]:
    return {role: round(after.get(role, 0.0) - spent, 2)
            for role, spent in before.items()}


def stop(topo: Topology) -> dict:
    """Stops it; what each process said it did, and the set-up."""
    topo.stop()
    return {"engines": topo.engines, "executors": topo.executors,
            "pool_size": topo.pool_size, "logs": topo.state_dir,
            "extra_conf": topo.extra_conf,
            "work": topo.work()}


def format_sharing(results: Dict[str, dict], topology: dict) -> str:
    lines = ["", "work by process (%d engine(s), %d executor(s), "
             "max_pool_size %d):" % (topology["engines"],
                                     topology["executors"],
                                     topology["pool_size"])]
    for role, counts in topology["work"].items():
        lines.append("  %-10s %s" % (role, ", ".join(
            "%s %d" % kv for kv in counts.items())))
    for label, entry in results.items():
        if entry.get("cpu_s"):
            lines.append("  CPU s, %s: %s" % (label, ", ".join(
                "%s %.1f" % kv for kv in entry["cpu_s"].items())))
    return "\n".join(lines)
