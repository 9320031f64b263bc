"""A memory soak: a steady load on a scaled-out mistral-clone for a long
time, the RSS of every process sampled, the growth reported.

    python bench/soak.py --minutes 30 --engines 2 --executors 2 \\
        --rate 2 --csv soak.csv --json soak.json

It starts its own topology (``bench/topology.py``: api, engines,
executors, scheduler, notifier over PostgreSQL + RabbitMQ), creates a mix
of workflows and starts them in turn at ``--rate`` executions per second:
a linear chain, a with-items task, a parallel fan-out with a join, a
parent running sub-workflows, and one that fails (it must end ERROR); a
cron trigger starts the chain every minute besides. Finished executions
are deleted as the run goes (the database stays small, as under an
expiration policy), so what grows is the processes, not the data.

Every ``--sample-interval`` seconds the ``VmRSS`` of each process goes to
the CSV (one column per process). At the end, for each process: the mean
RSS over the first and over the last ``--window`` minutes, their
difference, and the slope of a least-squares line over the samples after
the first window (MB per hour): a process whose memory grows without
bound shows a slope that does not fall as the run gets longer. With
``--traced engine1`` that process runs under tracemalloc and writes a
snapshot every ``--snapshot-interval`` seconds into the topology's log
directory; ``bench/tracemalloc_diff.py`` compares two.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import signal
import sys
import threading
import time
import uuid
from typing import Dict, List, Optional

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))

from bench import workflows  # noqa: E402
from bench.client import ApiError, MistralClient  # noqa: E402
from bench.topology import Topology  # noqa: E402
from bench.topology import DEFAULT_PG_URL, DEFAULT_RABBIT_URL  # noqa: E402

TERMINAL = ("SUCCESS", "ERROR", "CANCELLED")


class SoakClient(MistralClient):
    """The bench client and the cron trigger calls the soak needs."""

    def create_cron_trigger(self, name: str, workflow_id: str,
                            pattern: str) -> dict:
        return self._call("POST", "/cron_triggers", expect=(201,),
                          json={"name": name, "workflow_id": workflow_id,
                                "pattern": pattern})

    def delete_cron_trigger(self, name: str) -> None:
        self._call("DELETE", "/cron_triggers/%s" % name, expect=(204,))


def vm_rss_kb(pid: int) -> Optional[int]:
    try:
        with open("/proc/%d/status" % pid) as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def mix(prefix: str) -> Dict[str, tuple]:
    """kind -> (definition, workflow name, input, expected end state)."""
    fail = workflows._document({prefix + "_fail": {"tasks": {
        "ok": {"action": "std.noop", "on-success": ["boom"]},
        "boom": {"action": "std.fail"}}}})
    return {
        "linear": (workflows.linear(prefix + "_linear", 5),
                   prefix + "_linear", None, "SUCCESS"),
        "with_items": (workflows.with_items(prefix + "_items", 5),
                       prefix + "_items", {"n": 20}, "SUCCESS"),
        "join": (workflows.parallel(prefix + "_join", 10),
                 prefix + "_join", None, "SUCCESS"),
        "subworkflows": (workflows.subworkflows(prefix + "_parent",
                                                prefix + "_child", 3, 3),
                         prefix + "_parent", None, "SUCCESS"),
        "failing": (fail, prefix + "_fail", None, "ERROR"),
    }


class Soak:
    def __init__(self, args: argparse.Namespace, topo: Topology):
        self.args = args
        self.topo = topo
        self.api = SoakClient(topo.url)
        self.namespace = "soak-%s" % uuid.uuid4().hex[:8]
        self.prefix = "soak_%s" % uuid.uuid4().hex[:6]
        self.stop = threading.Event()
        self.started = 0
        self.post_errors = 0
        self.last_error = ""
        self.ended: Dict[str, int] = {}
        # Executions the soak (or its cron trigger) started that ended:
        # sub-workflow executions are counted in ``ended`` only.
        self.finished = 0
        self.top_level: set = set()
        self.unexpected: List[str] = []
        self.workflow_ids: Dict[str, str] = {}
        self.expected: Dict[str, str] = {}
        self.samples: List[dict] = []
        self.cron_name = self.prefix + "_every_minute"

    # -- set-up -----------------------------------------------------------
    def create(self) -> List[tuple]:
        plan = []
        for kind, (definition, wf_name, wf_input, end) in \
                mix(self.prefix).items():
            for wf in self.api.create_workflows(definition, self.namespace):
                self.workflow_ids[wf["name"]] = wf["id"]
                self.expected[wf["id"]] = end
            plan.append((kind, self.workflow_ids[wf_name], wf_input))
            self.top_level.add(self.workflow_ids[wf_name])
        self.api.create_cron_trigger(
            self.cron_name, self.workflow_ids[self.prefix + "_linear"],
            "* * * * *")
        return plan

    # -- the three loops --------------------------------------------------
    def post_loop(self, plan: List[tuple]) -> None:
        """Executions at a steady rate, the kinds in turn (a POST that
        falls behind is not made up: the rate stays an upper bound)."""
        interval = 1.0 / self.args.rate
        next_at = time.monotonic()
        n = 0
        while not self.stop.is_set():
            _kind, wf_id, wf_input = plan[n % len(plan)]
            n += 1
            try:
                self.api.start_execution(wf_id, wf_input)
                self.started += 1
            except Exception as e:  # noqa: BLE001 - counted, reported
                self.post_errors += 1
                self.last_error = str(e)[:300]
            next_at += interval
            self.stop.wait(max(0.0, next_at - time.monotonic()))

    def reap_loop(self) -> None:
        """Delete finished executions (checking each ended as its workflow
        should), every ``--reap-interval`` seconds."""
        while not self.stop.wait(self.args.reap_interval):
            self.reap()

    def reap(self, final: bool = False) -> None:
        """One round; a round of the loop ends early once the soak stops
        (under a backlog, deleting can take minutes), the ``final`` one
        goes through."""
        for wf_id, expected in self.expected.items():
            try:
                rows = list(self.api.iter_executions(
                    fields="id,state,state_info", workflow_id=wf_id))
            except Exception as e:  # noqa: BLE001 - next round
                self.last_error = str(e)[:300]
                continue
            for row in rows:
                if self.stop.is_set() and not final:
                    return
                if row["state"] not in TERMINAL:
                    continue
                self.ended[row["state"]] = self.ended.get(row["state"],
                                                          0) + 1
                if wf_id in self.top_level:
                    self.finished += 1
                if row["state"] != expected and len(self.unexpected) < 20:
                    self.unexpected.append("%s %s: %s" % (
                        row["id"], row["state"],
                        (row.get("state_info") or "")[:200]))
                try:
                    self.api.delete_execution(row["id"])
                except ApiError as e:
                    self.last_error = str(e)[:300]

    def sample_loop(self, writer, fh, t0: float) -> None:
        pids = self.topo.pids()
        while True:
            row = {"t_s": round(time.monotonic() - t0, 1),
                   "started": self.started, "finished": self.finished}
            for role, pid in pids.items():
                row[role] = vm_rss_kb(pid)
            self.samples.append(row)
            writer.writerow(row)
            fh.flush()
            if self.stop.wait(self.args.sample_interval):
                return

    def snapshot_loop(self) -> None:
        """tracemalloc snapshots of the ``--traced`` processes, one at
        the start and one every ``--snapshot-interval`` seconds."""
        self.topo.snapshot_traced()
        while not self.stop.wait(self.args.snapshot_interval):
            self.topo.snapshot_traced()

    def progress_loop(self, t0: float) -> None:
        while not self.stop.wait(60):
            last = self.samples[-1] if self.samples else {}
            rss = " ".join("%s=%.0f" % (role, (last.get(role) or 0) / 1024)
                           for role in self.topo.roles())
            print("%5.1f min: %d started, %d finished (and deleted), ended "
                  "%s, %d POST errors; RSS MB %s" % (
                      (time.monotonic() - t0) / 60, self.started,
                      self.finished, self.ended, self.post_errors, rss),
                  flush=True)

    # -- the run ----------------------------------------------------------
    def run(self) -> dict:
        plan = self.create()
        roles = self.topo.roles()
        with open(self.args.csv, "w", newline="") as fh:
            writer = csv.DictWriter(fh, ["t_s", "started", "finished"]
                                    + roles)
            writer.writeheader()
            t0 = time.monotonic()
            threads = [threading.Thread(target=fn, args=a, daemon=True)
                       for fn, a in ((self.sample_loop, (writer, fh, t0)),
                                     (self.post_loop, (plan,)),
                                     (self.reap_loop, ()),
                                     (self.progress_loop, (t0,)),
                                     (self.snapshot_loop, ()))]
            for thread in threads:
                thread.start()
            try:
                self.stop.wait(self.args.minutes * 60)
            finally:
                self.stop.set()
                for thread in threads:
                    thread.join(120)
        return self.report(roles, time.monotonic() - t0)

    def cleanup(self) -> None:
        """What the soak created goes (the database goes with the
        topology anyway)."""
        try:
            self.api.delete_cron_trigger(self.cron_name)
        except Exception:  # noqa: BLE001 - best effort
            pass

    def report(self, roles: List[str], elapsed: float) -> dict:
        window = self.args.window * 60
        first = [s for s in self.samples if s["t_s"] <= window]
        last = [s for s in self.samples if s["t_s"] >= elapsed - window]
        later = [s for s in self.samples if s["t_s"] > window]
        processes = {}
        for role in roles:
            start = _mean_mb(first, role)
            end = _mean_mb(last, role)
            processes[role] = {
                "first_window_mb": start, "last_window_mb": end,
                "growth_mb": round(end - start, 1)
                if start is not None and end is not None else None,
                "slope_mb_per_h": _slope_mb_per_h(later, role),
                "peak_mb": round(max((s[role] or 0) for s in self.samples)
                                 / 1024, 1) if self.samples else None}
        return {"minutes": round(elapsed / 60, 1), "started": self.started,
                "finished": self.finished, "ended": self.ended,
                "post_errors": self.post_errors,
                "last_error": self.last_error,
                "unexpected": self.unexpected, "processes": processes}


def _mean_mb(samples: List[dict], role: str) -> Optional[float]:
    values = [s[role] for s in samples if s.get(role)]
    return round(sum(values) / len(values) / 1024, 1) if values else None


def _slope_mb_per_h(samples: List[dict], role: str) -> Optional[float]:
    points = [(s["t_s"], s[role] / 1024) for s in samples if s.get(role)]
    if len(points) < 3:
        return None
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_v = sum(v for _, v in points) / n
    var = sum((t - mean_t) ** 2 for t, _ in points)
    if not var:
        return None
    cov = sum((t - mean_t) * (v - mean_v) for t, v in points)
    return round(cov / var * 3600, 1)


def format_report(report: dict) -> str:
    lines = ["%.1f minutes, %d executions started (besides the cron "
             "trigger's), %d finished, ended %s (sub-workflows included), "
             "%d POST errors" % (report["minutes"], report["started"],
                                 report["finished"], report["ended"],
                                 report["post_errors"])]
    if report["unexpected"]:
        lines.append("unexpected end states: %s" % report["unexpected"][:5])
    lines.append("%-10s %14s %14s %10s %14s %8s" % (
        "process", "first win. MB", "last win. MB", "growth MB",
        "slope MB/h", "peak MB"))
    for role, p in report["processes"].items():
        lines.append("%-10s %14s %14s %10s %14s %8s" % (
            role, p["first_window_mb"], p["last_window_mb"],
            p["growth_mb"], p["slope_mb_per_h"], p["peak_mb"]))
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="bench/soak.py",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("--minutes", type=float, default=30.0)
    p.add_argument("--rate", type=float, default=2.0,
                   help="executions started per second (2)")
    p.add_argument("--engines", type=int, default=2)
    p.add_argument("--executors", type=int, default=2)
    p.add_argument("--pg-url", default=DEFAULT_PG_URL)
    p.add_argument("--rabbit-url", default=DEFAULT_RABBIT_URL)
    p.add_argument("--sample-interval", type=float, default=10.0)
    p.add_argument("--reap-interval", type=float, default=30.0)
    p.add_argument("--window", type=float, default=5.0,
                   help="minutes averaged at the start and at the end (5)")
    p.add_argument("--traced", default="",
                   help="roles run under tracemalloc, e.g. engine1,api "
                        "(bench/traced_server.py; their RSS is then not "
                        "the server's)")
    p.add_argument("--snapshot-interval", type=float, default=300.0,
                   help="seconds between tracemalloc snapshots (300)")
    p.add_argument("--csv", default="soak.csv")
    p.add_argument("--json", dest="json_path")
    return p


def _interrupt(signum, frame):
    raise KeyboardInterrupt("signal %d" % signum)


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    started_at = datetime.datetime.now(datetime.timezone.utc)
    topo = Topology(args.engines, args.executors, pg_url=args.pg_url,
                    rabbit_url=args.rabbit_url,
                    traced=[r for r in args.traced.split(",") if r])
    with topo:
        for role, pid in topo.pids().items():
            print("  %-10s %d" % (role, pid), flush=True)
        soak = Soak(args, topo)
        try:
            report = soak.run()
        finally:
            soak.cleanup()
        soak.reap(final=True)
    report["work"] = topo.work()
    report.update(started_at=started_at.isoformat(timespec="seconds"),
                  rate=args.rate, engines=args.engines,
                  executors=args.executors, csv=args.csv)
    print(format_report(report), flush=True)
    print("work by process: %s" % report["work"])
    if args.json_path:
        with open(args.json_path, "w") as fh:
            json.dump(report, fh, indent=2)
    ok = not report["unexpected"] and not report["post_errors"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
