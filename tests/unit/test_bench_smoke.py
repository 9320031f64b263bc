"""Smoke tests of the benchmark harness (bench/): definitions, the RSS
sampler and one scenario end to end against a tiny in-process stand-in for
the Mistral REST API (every execution succeeds as soon as it is created)."""

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
import yaml

# bench/ is not an installed package: import it from the checkout.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))

from bench import memory, run, scenarios, workflows  # noqa: E402
from bench.client import ApiError, MistralClient  # noqa: E402


def test_linear_definition_chains_tasks():
    doc = yaml.safe_load(workflows.linear("wf", 10))
    tasks = doc["wf"]["tasks"]
    assert doc["version"] == "2.0"
    assert len(tasks) == 10
    assert tasks["t1"] == {"action": "std.noop", "on-success": ["t2"]}
    assert tasks["t10"] == {"action": "std.noop"}


def test_parallel_definition_joins_every_branch():
    tasks = yaml.safe_load(workflows.parallel("wf", 100))["wf"]["tasks"]
    assert len(tasks["start"]["on-success"]) == 100
    assert tasks["join_all"]["join"] == "all"
    assert all(tasks["p%d" % i]["on-success"] == ["join_all"]
               for i in range(1, 101))


def test_subworkflows_definition_runs_child():
    doc = yaml.safe_load(workflows.subworkflows("parent", "child", 20, 5))
    assert len(doc["child"]["tasks"]) == 5
    assert set(t["workflow"] for t in doc["parent"]["tasks"].values()) == \
        {"child"}
    assert len(doc["parent"]["tasks"]) == 20


@pytest.mark.parametrize("source,key", [("range", "n"), ("list", "items")])
def test_with_items_definition(source, key):
    task = yaml.safe_load(workflows.with_items("wf", 10, source))["wf"]
    assert task["input"] == [key]
    assert task["tasks"]["echo"]["concurrency"] == 10
    assert key in workflows.with_items_input(3, source)


def test_parse_only_accepts_letters_and_names():
    assert run.parse_only("a,with_items,a") == ["linear", "with_items"]
    assert run.parse_only(None) == ["linear", "parallel", "subworkflows",
                                    "with_items", "starts", "burst"]
    with pytest.raises(SystemExit):
        run.parse_only("z")


def test_rss_sampler_finds_pattern_and_skips_itself():
    marker = "bench-smoke-%s" % uuid.uuid4().hex
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()", marker],
        stdin=subprocess.PIPE)
    try:
        # Right after exec the command line can still read empty.
        deadline = time.monotonic() + 5
        while not memory.find_pids(marker) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert memory.find_pids(marker) == [child.pid]
        sampler = memory.RssSampler(pattern=marker, interval=0.05).start()
        sampler.mark("w")
        sampler.stop()
        summary = sampler.summary()
        assert summary["peak_mb"] > 1
        assert sampler.peaks_mb()["w"] > 1
        assert summary["max_processes"] == 1
    finally:
        child.stdin.close()
        child.wait(10)


class _FakeMistral(BaseHTTPRequestHandler):
    """Just enough of /v2 for the harness; state lives on the server."""

    def log_message(self, *args):
        pass

    def _reply(self, status, body=None):
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self):
        return self.rfile.read(int(self.headers.get("Content-Length", 0)))

    def do_POST(self):
        store = self.server.store
        url = urlparse(self.path)
        if url.path == "/v2/workflows":
            ns = parse_qs(url.query).get("namespace", [""])[0]
            created = []
            for name in yaml.safe_load(self._body()):
                if name == "version":
                    continue
                wf = {"id": str(uuid.uuid4()), "name": name, "namespace": ns}
                store["workflows"][wf["id"]] = wf
                created.append(wf)
            return self._reply(201, {"workflows": created})
        body = json.loads(self._body())
        if body["workflow_id"] not in store["workflows"]:
            return self._reply(404, {"faultstring": "no workflow"})
        ex = {"id": str(uuid.uuid4()), "state": store["final_state"],
              "workflow_id": body["workflow_id"], "state_info": "boom"}
        store["executions"][ex["id"]] = ex
        return self._reply(201, ex)

    def do_GET(self):
        store = self.server.store
        url = urlparse(self.path)
        if url.path == "/v2/executions":
            if store["fail_polls"]:
                store["fail_polls"] -= 1
                return self._reply(500, {"faultstring": "pool exhausted"})
            wf_id = parse_qs(url.query)["workflow_id"][0]
            rows = [{"id": e["id"], "state": e["state"]}
                    for e in store["executions"].values()
                    if e["workflow_id"] == wf_id]
            return self._reply(200, {"executions": rows})
        ex = store["executions"].get(url.path.rsplit("/", 1)[-1])
        return self._reply(200, ex) if ex else self._reply(404, {})

    def do_DELETE(self):
        store = self.server.store
        key = urlparse(self.path).path.rsplit("/", 1)[-1]
        for table in ("executions", "workflows"):
            if store[table].pop(key, None):
                return self._reply(204)
        return self._reply(404, {"faultstring": "not found"})


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # the default 5 drops concurrent connects


@pytest.fixture
def fake_api():
    server = _Server(("127.0.0.1", 0), _FakeMistral)
    server.store = {"workflows": {}, "executions": {},
                    "final_state": "SUCCESS", "fail_polls": 0}
    thread = threading.Thread(target=server.serve_forever,
                              kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _scenario(server, **settings):
    api = MistralClient("http://127.0.0.1:%d/v2" % server.server_port)
    return scenarios.Scenario(api, "bench-ns", "bench_t",
                              scenarios.Settings(log=lambda m: None,
                                                 poll_interval=0.01,
                                                 **settings))


def test_linear_scenario_measures_and_cleans_up(fake_api):
    sc = _scenario(fake_api, clients=8)
    result = sc.run(lambda: scenarios.linear(sc, executions=20, length=10))
    assert result.status == "OK", result.error
    assert result.metrics["tasks"] == 200
    assert result.metrics["tasks_per_s"] > 0
    assert fake_api.store["workflows"] == {}
    assert fake_api.store["executions"] == {}


def test_failed_polls_are_retried_and_counted(fake_api):
    fake_api.store["fail_polls"] = 2
    sc = _scenario(fake_api)
    result = sc.run(lambda: scenarios.with_items(sc, 10, 0))
    assert result.status == "OK", result.error
    assert result.metrics["failed_polls"] == 2


def test_summary_is_the_median_of_ok_runs():
    runs = [{"status": "OK", "metrics": {"x": 1.0}},
            {"status": "OK", "metrics": {"x": 3.0, "failed_polls": 1}},
            {"status": "TIMEOUT", "metrics": {}}]
    assert run.summarize(runs) == {"x": 2.0, "failed_polls": 1}


def test_failed_execution_reports_state_info(fake_api):
    fake_api.store["final_state"] = "ERROR"
    sc = _scenario(fake_api)
    result = sc.run(lambda: scenarios.parallel(sc, width=3))
    assert result.status == "ERROR"
    assert "boom" in result.error
    assert fake_api.store["executions"] == {}


def test_timeout_is_reported(fake_api):
    fake_api.store["final_state"] = "RUNNING"
    sc = _scenario(fake_api, timeout=0.05)
    result = sc.run(lambda: scenarios.subworkflows(sc, count=2))
    assert result.status == "TIMEOUT"
    assert "0 of 1" in result.error


def test_api_error_carries_faultstring(fake_api):
    api = MistralClient("http://127.0.0.1:%d/v2" % fake_api.server_port)
    with pytest.raises(ApiError, match="no workflow"):
        api.start_execution("missing")
