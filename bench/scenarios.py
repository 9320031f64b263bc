"""The benchmark scenarios, run through the REST API.

Each scenario creates its definitions under unique names in the bench's
namespace, starts its executions, waits (bounded) until they are all
finished, and deletes everything it created, whatever the outcome. It
returns a ``RunResult``: status ``OK``, ``ERROR`` (an execution failed or an
API call was refused) or ``TIMEOUT``, and its figures.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import time
from typing import Callable, Dict, List, Optional

import requests

from bench import workflows
from bench.client import ApiError, MistralClient

TERMINAL = {"SUCCESS", "ERROR", "CANCELLED"}


class ScenarioTimeout(Exception):
    pass


class ScenarioFailed(Exception):
    pass


@dataclasses.dataclass
class RunResult:
    status: str = "OK"
    metrics: Dict[str, float] = dataclasses.field(default_factory=dict)
    error: Optional[str] = None

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class Settings:
    timeout: float = 600.0
    poll_interval: float = 0.2
    clients: int = 100
    items_sizes: List[int] = dataclasses.field(
        default_factory=lambda: [1000, 10000])
    items_concurrency: List[int] = dataclasses.field(
        default_factory=lambda: [0, 10])
    items_source: str = "range"
    keep: bool = False
    log: Callable[[str], None] = print


class Scenario:
    """Book-keeping shared by the scenarios: created workflows and
    executions, bounded waiting, clean-up."""

    def __init__(self, api: MistralClient, namespace: str, prefix: str,
                 settings: Settings):
        self.api = api
        self.namespace = namespace
        self.prefix = prefix
        self.settings = settings
        self.workflows: List[dict] = []
        self.deadline = 0.0
        self.poll_errors = 0
        self.last_poll_error = ""

    def name(self, suffix: str) -> str:
        return "%s_%s" % (self.prefix, suffix)

    def create(self, definition: str) -> List[dict]:
        created = self.api.create_workflows(definition, self.namespace)
        self.workflows.extend(created)
        return created

    def start_many(self, workflow_id: str, count: int,
                   wf_input: Optional[dict] = None) -> List[str]:
        """Starts ``count`` executions at once from a thread pool."""
        workers = max(1, min(self.settings.clients, count))
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            futures = [pool.submit(self.api.start_execution, workflow_id,
                                   wf_input) for _ in range(count)]
            return [f.result()["id"] for f in futures]

    def wait_finished(self, workflow_id: str, ids: List[str]) -> float:
        """Polls the execution list (``fields=id,state``, filtered by
        workflow) until every one of ``ids`` is SUCCESS; returns the
        monotonic time at which that was seen. Raises on ERROR/CANCELLED
        (with the execution's ``state_info``) and on the deadline."""
        wanted = set(ids)
        while True:
            try:
                states = self.api.execution_states(workflow_id=workflow_id)
            except (ApiError, requests.RequestException) as err:
                # A failed poll is the server's trouble under load, not the
                # end of the measurement: count it and try again.
                self.poll_errors += 1
                self.last_poll_error = str(err)
                states = {}
            failed = [i for i in wanted if states.get(i) in
                      ("ERROR", "CANCELLED")]
            if failed:
                ex = self.api.get_execution(failed[0])
                raise ScenarioFailed("execution %s is %s: %s" % (
                    failed[0], ex.get("state"), ex.get("state_info")))
            done = sum(1 for i in wanted if states.get(i) == "SUCCESS")
            if done == len(wanted):
                return time.monotonic()
            if time.monotonic() > self.deadline:
                message = "%d of %d executions SUCCESS after %.0f s" % (
                    done, len(wanted), self.settings.timeout)
                if self.poll_errors:
                    message += " (%d failed polls, last: %s)" % (
                        self.poll_errors, self.last_poll_error)
                raise ScenarioTimeout(message)
            time.sleep(self.settings.poll_interval)

    def cleanup(self) -> None:
        """Deletes the executions of every workflow created (sub-workflow
        executions included, found by their own workflow id), then the
        workflows. Unfinished executions are cancelled first so the server
        stops working on them."""
        if self.settings.keep:
            return
        for wf in self.workflows:
            try:
                rows = list(self.api.iter_executions(workflow_id=wf["id"]))
            except ApiError as err:
                self.settings.log("  cleanup: listing executions: %s" % err)
                continue
            with concurrent.futures.ThreadPoolExecutor(16) as pool:
                list(pool.map(self._delete_execution, rows))
        for wf in reversed(self.workflows):
            try:
                self.api.delete_workflow(wf["id"], self.namespace)
            except ApiError as err:
                self.settings.log("  cleanup: %s" % err)
        self.workflows = []

    def _delete_execution(self, row: dict) -> None:
        try:
            if row.get("state") not in TERMINAL:
                try:
                    self.api.set_execution_state(row["id"], "CANCELLED")
                except ApiError:
                    pass
            self.api.delete_execution(row["id"])
        except ApiError as err:
            self.settings.log("  cleanup: %s" % err)

    def run(self, body: Callable[[], Dict[str, float]]) -> RunResult:
        result = RunResult()
        self.deadline = time.monotonic() + self.settings.timeout
        try:
            result.metrics = body()
            if self.poll_errors:
                result.metrics["failed_polls"] = self.poll_errors
        except ScenarioTimeout as err:
            result.status, result.error = "TIMEOUT", str(err)
        except (ScenarioFailed, ApiError) as err:
            result.status, result.error = "ERROR", str(err)
        except Exception as err:  # network failures and the like
            result.status = "ERROR"
            result.error = "%s: %s" % (type(err).__name__, err)
        finally:
            self.cleanup()
        return result


def _round(value: float) -> float:
    return round(value, 3)


def linear(sc: Scenario, executions: int = 100, length: int = 10
           ) -> Dict[str, float]:
    """(a) ``executions`` concurrent runs of a ``length``-task chain."""
    t0 = time.monotonic()
    wf = sc.create(workflows.linear(sc.name("linear"), length))[0]
    started = time.monotonic()
    ids = sc.start_many(wf["id"], executions)
    accepted = time.monotonic()
    finished = sc.wait_finished(wf["id"], ids)
    wall = finished - started
    return {
        "executions": executions,
        "tasks": executions * length,
        "create_workflow_s": _round(started - t0),
        "accept_100_posts_s": _round(accepted - started),
        "wall_s": _round(wall),
        "tasks_per_s": round(executions * length / wall, 1),
    }


def parallel(sc: Scenario, width: int = 100) -> Dict[str, float]:
    """(b) one run of a fan-out of ``width`` tasks joined by ``join: all``."""
    started = time.monotonic()
    wf = sc.create(workflows.parallel(sc.name("parallel"), width))[0]
    created = time.monotonic()
    ex_id = sc.api.start_execution(wf["id"])["id"]
    accepted = time.monotonic()
    finished = sc.wait_finished(wf["id"], [ex_id])
    return {
        "tasks": width + 2,
        "create_workflow_s": _round(created - started),
        "accept_post_s": _round(accepted - created),
        "run_to_success_s": _round(finished - created),
        "tasks_per_s": round((width + 2) / (finished - created), 1),
    }


def subworkflows(sc: Scenario, count: int = 20, child_length: int = 5
                 ) -> Dict[str, float]:
    """(c) a parent running ``count`` sub-workflows of ``child_length``
    tasks each, all at once."""
    t0 = time.monotonic()
    created = sc.create(workflows.subworkflows(
        sc.name("parent"), sc.name("child"), count, child_length))
    parent = next(wf for wf in created if wf["name"] == sc.name("parent"))
    started = time.monotonic()
    ex_id = sc.api.start_execution(parent["id"])["id"]
    finished = sc.wait_finished(parent["id"], [ex_id])
    tasks = count * (child_length + 1)
    return {
        "subworkflows": count,
        "tasks": tasks,
        "create_workflows_s": _round(started - t0),
        "run_to_success_s": _round(finished - started),
        "tasks_per_s": round(tasks / (finished - started), 1),
    }


def with_items(sc: Scenario, size: int, concurrency: int
               ) -> Dict[str, float]:
    """(d) one std.echo task over ``size`` items; ``concurrency`` 0 means
    unlimited."""
    source = sc.settings.items_source
    t0 = time.monotonic()
    wf = sc.create(workflows.with_items(
        sc.name("items_%d_c%d" % (size, concurrency)), concurrency or None,
        source))[0]
    started = time.monotonic()
    ex_id = sc.api.start_execution(
        wf["id"], workflows.with_items_input(size, source))["id"]
    accepted = time.monotonic()
    finished = sc.wait_finished(wf["id"], [ex_id])
    return {
        "items": size,
        "concurrency": concurrency,
        "create_workflow_s": _round(started - t0),
        "accept_post_s": _round(accepted - started),
        "run_to_success_s": _round(finished - started),
        "items_per_s": round(size / (finished - started), 1),
    }


def _percentile(values: List[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _timed_starts(sc: Scenario, workflow_id: str, count: int,
                  clients: int) -> tuple:
    """``count`` POSTs from ``clients`` threads, each posting in a loop:
    (ids, latencies in seconds, wall seconds)."""
    def post_some(n: int) -> List[tuple]:
        out = []
        for _ in range(n):
            t0 = time.monotonic()
            ex_id = sc.api.start_execution(workflow_id)["id"]
            out.append((ex_id, time.monotonic() - t0))
        return out

    shares = [count // clients + (1 if i < count % clients else 0)
              for i in range(clients)]
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        done = [pair for f in [pool.submit(post_some, n) for n in shares]
                for pair in f.result()]
    return ([i for i, _ in done], [t for _, t in done],
            time.monotonic() - started)


def starts(sc: Scenario, count: int = 2000, clients: int = 8
           ) -> Dict[str, float]:
    """(e) ``count`` executions of a one-task workflow started by
    ``clients`` clients posting in a loop: the start rate, the POST
    latency, and how long until all of them ran."""
    wf = sc.create(workflows.linear(sc.name("start"), 1))[0]
    one = sc.api.start_execution(wf["id"])["id"]  # warm the caches
    sc.wait_finished(wf["id"], [one])
    alone_ids, alone, _wall = _timed_starts(sc, wf["id"], 50, 1)
    sc.wait_finished(wf["id"], alone_ids)
    posted_from = time.monotonic()
    ids, latencies, wall = _timed_starts(sc, wf["id"], count, clients)
    finished = sc.wait_finished(wf["id"], ids)
    return {
        "executions": count,
        "clients": clients,
        "post_p50_ms_one_client": _round(1000 * _percentile(alone, 0.5)),
        "post_p50_ms": _round(1000 * _percentile(latencies, 0.5)),
        "post_p99_ms": _round(1000 * _percentile(latencies, 0.99)),
        "starts_per_s": round(count / wall, 1),
        "all_succeeded_s": _round(finished - posted_from),
    }


def burst(sc: Scenario, running: int = 10, length: int = 10,
          posts: int = 1000, clients: int = 8) -> Dict[str, float]:
    """(f) ``running`` chains of ``length`` tasks, alone and then with a
    burst of ``posts`` POSTs (one-task executions) at the same moment:
    how much the burst slows what already runs."""
    chain = sc.create(workflows.linear(sc.name("burst_chain"), length))[0]
    one = sc.create(workflows.linear(sc.name("burst_one"), 1))[0]

    def run_chains() -> float:
        started = time.monotonic()
        ids = sc.start_many(chain["id"], running)
        return sc.wait_finished(chain["id"], ids) - started

    alone = run_chains()
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        posting = pool.submit(_timed_starts, sc, one["id"], posts, clients)
        with_burst = run_chains()
        ids, latencies, wall = posting.result()
    sc.wait_finished(one["id"], ids)
    return {
        "chains_alone_s": _round(alone),
        "chains_during_burst_s": _round(with_burst),
        "burst_posts_per_s": round(posts / wall, 1),
        "burst_post_p50_ms": _round(1000 * _percentile(latencies, 0.5)),
        "burst_post_p99_ms": _round(1000 * _percentile(latencies, 0.99)),
    }


def plan(settings: Settings) -> Dict[str, List[tuple]]:
    """Scenario key -> list of (label, callable(Scenario) -> metrics)."""
    items = [("with_items n=%d c=%s" % (n, c or "unlimited"),
              lambda sc, n=n, c=c: with_items(sc, n, c))
             for n in settings.items_sizes
             for c in settings.items_concurrency]
    return {
        "linear": [("linear 100x10", linear)],
        "parallel": [("parallel 100+join", parallel)],
        "subworkflows": [("subworkflows 20x5", subworkflows)],
        "with_items": items,
        "starts": [("starts 2000 from 8 clients", starts)],
        "burst": [("10 chains during a burst of 1000 POSTs", burst)],
    }
