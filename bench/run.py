"""Benchmarks any Mistral v2 compatible endpoint through its REST API.

    python bench/run.py --url http://127.0.0.1:8989/v2 \\
        --pid-pattern 'mistral-clone-server' --json out.json

Scenarios (``--only``, by letter or name): a/linear, b/parallel,
c/subworkflows, d/with_items, e/starts, f/burst. See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import signal
import socket
import statistics
import sys
import time
import uuid
from typing import Dict, List, Optional

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))

from bench import scenarios  # noqa: E402
from bench.client import MistralClient  # noqa: E402
from bench import memory  # noqa: E402
from bench import scaleout  # noqa: E402
from bench.memory import RssSampler  # noqa: E402

LETTERS = {"a": "linear", "b": "parallel", "c": "subworkflows",
           "d": "with_items", "e": "starts", "f": "burst"}


def _int_list(text: str) -> List[int]:
    return [int(v) for v in text.split(",") if v.strip()]


def _concurrency_list(text: str) -> List[int]:
    return [0 if v.strip() in ("0", "unlimited", "none") else int(v)
            for v in text.split(",") if v.strip()]


def parse_only(text: Optional[str]) -> List[str]:
    if not text:
        return list(LETTERS.values())
    chosen = []
    for item in text.split(","):
        item = item.strip()
        name = LETTERS.get(item, item)
        if name not in LETTERS.values():
            raise SystemExit("unknown scenario %r (choose from %s)" % (
                item, ", ".join("%s/%s" % kv for kv in LETTERS.items())))
        if name not in chosen:
            chosen.append(name)
    return chosen


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="bench/run",
        description="Benchmark a Mistral v2 REST endpoint.")
    p.add_argument("--url", default="http://127.0.0.1:8989/v2",
                   help="the v2 root, e.g. http://127.0.0.1:8989/v2")
    p.add_argument("--only", help="comma list: a,b,c,d,e,f or linear,"
                   "parallel,subworkflows,with_items,starts,burst "
                   "(default: all)")
    p.add_argument("--repeat", type=int, default=1,
                   help="runs of each scenario (default 1)")
    p.add_argument("--namespace",
                   help="namespace for everything created "
                        "(default: bench-<random>)")
    p.add_argument("--timeout", type=float, default=600.0,
                   help="seconds per scenario run before TIMEOUT (600)")
    p.add_argument("--items", type=_int_list, default=[1000, 10000],
                   help="with_items sizes (default 1000,10000)")
    p.add_argument("--items-concurrency", type=_concurrency_list,
                   default=[0, 10],
                   help="with_items concurrency values, 0 = unlimited "
                        "(default 0,10)")
    p.add_argument("--items-source", choices=["range", "list"],
                   default="range",
                   help="items from <%% range(0, $.n) %%> or an input list")
    p.add_argument("--clients", type=int, default=100,
                   help="threads posting executions at once (100)")
    p.add_argument("--poll-interval", type=float, default=0.2)
    p.add_argument("--pids", help="server pids, comma separated")
    p.add_argument("--pid-pattern",
                   help="regex over command lines of the server processes, "
                        "e.g. 'mistral-server|mistral-clone-server'")
    p.add_argument("--sample-interval", type=float, default=0.2)
    p.add_argument("--json", dest="json_path", help="write results here")
    p.add_argument("--keep", action="store_true",
                   help="do not delete what the bench created")
    scaleout.add_arguments(p)
    return p


def summarize(runs: List[dict]) -> Dict[str, float]:
    """Median of each figure over the successful runs."""
    ok = [r["metrics"] for r in runs if r["status"] == "OK"]
    keys: List[str] = []
    for metrics in ok:
        keys.extend(k for k in metrics if k not in keys)
    return {key: round(statistics.median(m[key] for m in ok if key in m), 3)
            for key in keys}


def format_table(results: Dict[str, dict], memory: Optional[dict]) -> str:
    rows = [("scenario", "status", "figure", "value", "peak MB")]
    for label, entry in results.items():
        peak = entry.get("peak_mb")
        peak_txt = "%.1f" % peak if peak is not None else "-"
        statuses = sorted({r["status"] for r in entry["runs"]})
        status = "/".join(statuses)
        figures = entry["summary"]
        if not figures:
            errors = [r["error"] for r in entry["runs"] if r["error"]]
            rows.append((label, status, "error", (errors or ["?"])[0][:90],
                         peak_txt))
            continue
        first = True
        for key, value in figures.items():
            rows.append((label if first else "", status if first else "",
                         key, "%g" % value, peak_txt if first else ""))
            first = False
    widths = [max(len(str(r[i])) for r in rows) for i in range(5)]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(row, widths))
                     .rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    if memory:
        lines.append("")
        lines.append("server peak RSS: %.1f MB (at start %.1f MB, up to %d "
                     "processes, %d samples every %.1f s)" % (
                         memory["peak_mb"], memory["start_mb"],
                         memory["max_processes"], memory["samples"],
                         memory["interval_s"]))
    return "\n".join(lines)


def make_sampler(args: argparse.Namespace) -> Optional[RssSampler]:
    if not (args.pids or args.pid_pattern):
        return None
    pids = _int_list(args.pids) if args.pids else []
    sampler = RssSampler(pids, args.pid_pattern or "", args.sample_interval)
    if not sampler.resolve_roots():
        raise SystemExit("no server process found for --pids/--pid-pattern")
    return sampler


def _interrupt(signum, frame):
    """SIGTERM behaves like Ctrl-C: the running scenario still cleans up."""
    raise KeyboardInterrupt("signal %d" % signum)


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    chosen = parse_only(args.only)
    token = uuid.uuid4().hex[:8]
    namespace = args.namespace or "bench-%s" % token
    settings = scenarios.Settings(
        timeout=args.timeout, poll_interval=args.poll_interval,
        clients=args.clients, items_sizes=args.items,
        items_concurrency=args.items_concurrency,
        items_source=args.items_source, keep=args.keep,
        log=lambda msg: print(msg, flush=True))
    topo = scaleout.start(args, lambda msg: print(msg, flush=True))
    api = MistralClient(args.url)
    sampler = make_sampler(args)
    plan = scenarios.plan(settings)

    report: dict = {
        "url": args.url,
        "started_at": datetime.datetime.now(datetime.timezone.utc)
        .isoformat(timespec="seconds"),
        "host": {"hostname": socket.gethostname(), "cpus": os.cpu_count(),
                 "platform": platform.platform()},
        "namespace": namespace,
        "repeat": args.repeat,
        "scenarios": {},
    }
    print("benchmarking %s (namespace %s)" % (args.url, namespace),
          flush=True)
    if sampler:
        sampler.start()
        print("sampling RSS every %.1f s of these processes and their "
              "children:" % args.sample_interval, flush=True)
        for pid in sampler.resolve_roots():
            print("  %7d %s" % (pid, memory.command_line(pid)[:100]),
                  flush=True)
    results: Dict[str, dict] = {}
    interrupted = False
    try:
        for key in chosen:
            for label, body in plan[key]:
                runs = []
                cpu_before = topo.cpu_by_role() if topo else None
                for n in range(args.repeat):
                    if sampler:
                        sampler.mark(label)
                    prefix = "bench_%s_%s_%d" % (token, key, n)
                    sc = scenarios.Scenario(api, namespace, prefix, settings)
                    t0 = time.monotonic()
                    result = sc.run(lambda: body(sc))
                    print("%-28s run %d: %s in %.1f s %s" % (
                        label, n + 1, result.status, time.monotonic() - t0,
                        result.error or json.dumps(result.metrics)),
                        flush=True)
                    runs.append(result.as_dict())
                entry = {"scenario": key, "runs": runs,
                         "summary": summarize(runs)}
                if sampler:
                    sampler.mark(None)
                    entry["peak_mb"] = sampler.peaks_mb().get(label)
                if topo:
                    entry["cpu_s"] = scaleout.cpu_used(cpu_before,
                                                       topo.cpu_by_role())
                results[label] = entry
    except KeyboardInterrupt:
        interrupted = True
        print("\ninterrupted: what the running scenario created was deleted",
              flush=True)
    finally:
        if sampler:
            sampler.stop()
        if topo:
            report["topology"] = scaleout.stop(topo)
    rss = sampler.summary() if sampler else None
    if rss:
        rss["pids"] = sampler.resolve_roots()
        rss["pattern"] = args.pid_pattern
    report["scenarios"] = results
    report["memory"] = rss
    report["interrupted"] = interrupted
    report["finished_at"] = datetime.datetime.now(
        datetime.timezone.utc).isoformat(timespec="seconds")
    print()
    print(format_table(results, rss))
    if topo:
        print(scaleout.format_sharing(results, report["topology"]))
    if args.json_path:
        with open(args.json_path, "w") as fh:
            json.dump(report, fh, indent=2)
        print("\nJSON written to %s" % args.json_path)
    failed = any(r["status"] != "OK" for e in results.values()
                 for r in e["runs"])
    if interrupted:
        return 130
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
