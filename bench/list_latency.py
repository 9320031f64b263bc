"""Latency of the read endpoints (lists with filters, sort keys and
markers deep in the list; single GETs; the tasks and actions of one
execution) against one or two servers, typically the same code on a big
database and on a small one:

    python bench/list_latency.py --url http://127.0.0.1:18995/v2 \\
        --label 1M --compare-url http://127.0.0.1:18996/v2 --compare-label 5k

Only the REST API is used (``requests``), so any Mistral v2 endpoint can be
measured. What a request asks for is found through the API first: the
oldest and newest executions, then a sample of executions spread over the
whole time range (``created_at=gte:<t>&limit=1``), which serve as markers
deep in the list and as ids to get; workflow names, projects and task ids
come from those. Each kind of request is sent ``--requests`` times, one at
a time, its values rotating through the sample, after ``--warmup`` sends
that are not counted; p50 and p99 are of the client's wall time per
request (body read included). A reply other than 200 stops the run.
"""

import argparse
import datetime
import json
import random
import re
import statistics
import sys
import time

import requests


def _percentile(values, fraction):
    ordered = sorted(values)
    index = min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))
    return ordered[index]


class Server:
    def __init__(self, url, timeout=60.0):
        self.url = url.rstrip("/")
        self.session = requests.Session()
        self.timeout = timeout

    @staticmethod
    def _headers(params):
        # all_projects is for admins; without auth the role is a header
        # (keystonemiddleware replaces it with the token's roles).
        if params and params.get("all_projects"):
            return {"X-Roles": "admin"}
        return None

    def get(self, path, params=None):
        resp = self.session.get(self.url + path, params=params,
                                headers=self._headers(params),
                                timeout=self.timeout)
        if resp.status_code != 200:
            sys.exit("GET %s %s -> %s: %s" % (path, params, resp.status_code,
                                              resp.text[:300]))
        return resp.json()

    def timed_get(self, path, params=None) -> float:
        started = time.perf_counter()
        resp = self.session.get(self.url + path, params=params,
                                headers=self._headers(params),
                                timeout=self.timeout)
        _ = resp.content
        took = time.perf_counter() - started
        if resp.status_code != 200:
            sys.exit("GET %s %s -> %s: %s" % (path, params, resp.status_code,
                                              resp.text[:300]))
        return took


def _parse_time(text):
    return datetime.datetime.fromisoformat(text.replace("Z", ""))


def discover(server, samples, seed):
    """Executions spread over the whole list, with a task of each."""
    fields = "id,created_at,workflow_name,state,project_id,params"
    oldest = server.get("/executions", {"limit": 1, "fields": fields,
                                        "all_projects": "true"})
    newest = server.get("/executions", {
        "limit": 1, "sort_keys": "created_at", "sort_dirs": "desc",
        "fields": fields, "all_projects": "true"})
    if not oldest["executions"]:
        sys.exit("%s has no executions" % server.url)
    start = _parse_time(oldest["executions"][0]["created_at"])
    end = _parse_time(newest["executions"][0]["created_at"])
    rng = random.Random(seed)
    picked = {}
    for _ in range(samples):
        at = start + (end - start) * rng.random()
        page = server.get("/executions", {
            "limit": 1, "fields": fields,
            "created_at": "gte:%s" % at.isoformat(sep=" ")})
        for execution in page["executions"]:
            picked[execution["id"]] = execution
    executions = list(picked.values())
    rng.shuffle(executions)
    for execution in executions:
        tasks = server.get("/tasks", {
            "workflow_execution_id": execution["id"], "limit": 1,
            "fields": "id,name"})["tasks"]
        execution["task_id"] = tasks[0]["id"] if tasks else None
    # The project_id filter takes Keystone ids only (32 hex digits).
    projects = sorted({e["project_id"] for e in server.get("/executions", {
        "limit": 100, "all_projects": "true", "fields": "id,project_id",
        "sort_keys": "created_at", "sort_dirs": "desc"})["executions"]
        if re.fullmatch(r"[0-9a-f]{32}|[0-9a-f-]{36}", e["project_id"])})
    task_markers = [t["id"] for t in server.get("/tasks", {
        "limit": 1000, "fields": "id", "sort_keys": "created_at",
        "sort_dirs": "desc"})["tasks"]]
    return {"executions": executions, "start": start, "end": end,
            "projects": projects, "task_markers": task_markers}


def request_kinds(found):
    """(name, function of n -> (path, params)) for each kind measured."""
    exs = found["executions"]
    with_task = [e for e in exs if e.get("task_id")] or exs
    names = sorted({e["workflow_name"] for e in exs})
    span = found["end"] - found["start"]
    projects = found["projects"]
    task_markers = found["task_markers"] or [None]

    def at(n):
        return (found["start"] + span * ((n * 0.618) % 1)).isoformat(sep=" ")

    def ex(n):
        return exs[n % len(exs)]

    page = {"limit": 100}
    kinds = [
        ("executions (default sort)", lambda n: ("/executions", page)),
        ("executions newest first", lambda n: ("/executions", dict(
            page, sort_keys="created_at", sort_dirs="desc"))),
        ("executions marker deep", lambda n: ("/executions", dict(
            page, marker=ex(n)["id"]))),
        ("executions desc, marker deep", lambda n: ("/executions", dict(
            page, sort_keys="created_at", sort_dirs="desc",
            marker=ex(n)["id"]))),
        ("executions workflow_name", lambda n: ("/executions", dict(
            page, workflow_name=names[n % len(names)]))),
        ("executions workflow_name + marker", lambda n: ("/executions", dict(
            page, workflow_name=ex(n)["workflow_name"], marker=ex(n)["id"]))),
        ("executions state=ERROR", lambda n: ("/executions", dict(
            page, state="ERROR"))),
        ("executions state=RUNNING, desc", lambda n: ("/executions", dict(
            page, state="RUNNING", sort_keys="created_at",
            sort_dirs="desc"))),
        ("executions state=ERROR + marker", lambda n: ("/executions", dict(
            page, state="ERROR", marker=ex(n)["id"]))),
        ("executions created_at=gte:t", lambda n: ("/executions", dict(
            page, created_at="gte:%s" % at(n)))),
        ("executions created_at=lt:t, desc", lambda n: ("/executions", dict(
            page, created_at="lt:%s" % at(n), sort_keys="created_at",
            sort_dirs="desc"))),
        ("executions tags=nightly", lambda n: ("/executions", dict(
            page, tags="nightly"))),
        ("executions tags=nightly + marker", lambda n: ("/executions", dict(
            page, tags="nightly", marker=ex(n)["id"]))),
        ("executions params=<one's params>", lambda n: ("/executions", dict(
            page, params=ex(n)["params"]))),
        ("executions all_projects", lambda n: ("/executions", dict(
            page, all_projects="true", marker=ex(n)["id"]))),
        ("executions all_projects+project_id", lambda n: ("/executions", dict(
            page, all_projects="true",
            project_id=projects[n % len(projects)]))) if projects else None,
        ("executions sort workflow_name,marker", lambda n: ("/executions",
            dict(page, sort_keys="workflow_name,created_at",
                 marker=ex(n)["id"]))),
        # Mixed directions: no index holds this order; the page is read
        # one workflow_name group at a time (``db/grouped_pages.py``).
        ("executions sort asc,desc (mixed)", lambda n: ("/executions",
            dict(page, sort_keys="workflow_name,created_at",
                 sort_dirs="asc,desc", marker=ex(n)["id"]))),
        ("executions sort desc,asc (mixed), first page", lambda n: (
            "/executions", dict(page, sort_keys="workflow_name,created_at",
                                sort_dirs="desc,asc"))),
        ("executions fields=id,state", lambda n: ("/executions", dict(
            page, fields="id,state,workflow_name", marker=ex(n)["id"]))),
        ("GET /executions/{id}", lambda n: (
            "/executions/%s" % ex(n)["id"], None)),
        ("tasks?workflow_execution_id", lambda n: ("/tasks", {
            "workflow_execution_id": ex(n)["id"]})),
        ("executions/{id}/tasks", lambda n: (
            "/executions/%s/tasks" % ex(n)["id"], None)),
        ("action_executions?task_execution_id", lambda n: (
            "/action_executions",
            {"task_execution_id": with_task[n % len(with_task)]["task_id"]})),
        ("tasks (default sort)", lambda n: ("/tasks", page)),
        ("tasks desc, marker", lambda n: ("/tasks", dict(
            page, sort_keys="created_at", sort_dirs="desc",
            marker=task_markers[n % len(task_markers)]))),
        ("action_executions (default sort)", lambda n: (
            "/action_executions", page)),
    ]
    return [kind for kind in kinds if kind]


def measure(server, kinds, count, warmup):
    results = {}
    for name, make in kinds:
        for n in range(warmup):
            server.timed_get(*make(n))
        times = [server.timed_get(*make(warmup + n)) for n in range(count)]
        results[name] = {
            "p50_ms": round(statistics.median(times) * 1000, 1),
            "p99_ms": round(_percentile(times, 0.99) * 1000, 1),
            "max_ms": round(max(times) * 1000, 1)}
        print("  %-40s p50 %7.1f ms   p99 %7.1f ms"
              % (name, results[name]["p50_ms"], results[name]["p99_ms"]),
              flush=True)
    return results


def _load():
    try:
        with open("/proc/loadavg") as f:
            return f.read().split()[0]
    except OSError:
        return "?"


def run_one(url, label, args):
    server = Server(url)
    print("%s: %s -- discovering (%d samples)" % (label, url, args.samples),
          flush=True)
    found = discover(server, args.samples, args.seed)
    print("%s: %d executions sampled from %s to %s; load %s; %s UTC"
          % (label, len(found["executions"]), found["start"], found["end"],
             _load(), datetime.datetime.utcnow().strftime("%H:%M:%S")),
          flush=True)
    only = args.only.split(",") if args.only else None
    kinds = [kind for kind in request_kinds(found)
             if not only or any(text in kind[0] for text in only)]
    results = measure(server, kinds, args.requests, args.warmup)
    return {"url": url, "label": label, "load_after": _load(),
            "finished_utc": datetime.datetime.utcnow().isoformat(),
            "results": results}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--label", default="A")
    parser.add_argument("--compare-url")
    parser.add_argument("--compare-label", default="B")
    parser.add_argument("--requests", type=int, default=200,
                        help="counted requests per kind")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--samples", type=int, default=50,
                        help="executions sampled for markers and GETs")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--only", help="measure the kinds whose name "
                        "contains one of these texts (comma-separated)")
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args(argv)
    runs = [run_one(args.url, args.label, args)]
    if args.compare_url:
        runs.append(run_one(args.compare_url, args.compare_label, args))
        first, second = (r["results"] for r in runs)
        print("\n%-40s %17s %17s %6s" % (
            "p50 / p99 ms", args.label, args.compare_label, "p99 x"))
        for name in first:
            a, b = first[name], second[name]
            print("%-40s %7.1f / %7.1f %7.1f / %7.1f %6.2f" % (
                name, a["p50_ms"], a["p99_ms"], b["p50_ms"], b["p99_ms"],
                a["p99_ms"] / b["p99_ms"] if b["p99_ms"] else 0))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(runs, f, indent=1)


if __name__ == "__main__":
    main()
