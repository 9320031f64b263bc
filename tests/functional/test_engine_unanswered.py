"""POST /v2/executions through a real API process while its only engine is
stopped or killed, or while its way to RabbitMQ is cut: the API accepts
the execution (201, RUNNING, quickly: it waits for no engine) and it runs
to SUCCESS once an engine is back (its hint waited in the broker, or an
engine's sweep found it); a retry with the same id gives exactly one
execution.

Separate processes over RabbitMQ and PostgreSQL: skipped unless
MISTRAL_CLONE_TEST_RABBIT_URL is set (``tests/run.sh`` sets it). The broker
is never restarted: the API reaches it through a TcpProxy the test cuts."""

import contextlib
import json
import os
import signal
import time
import urllib.error
import urllib.request

import pytest

from tests.functional import processes
from tests.functional import server
from tests.functional import tcp_proxy
from tests.functional.helpers import wait_state

pytestmark = pytest.mark.skipif(not processes.RABBIT_URL,
                                reason="MISTRAL_CLONE_TEST_RABBIT_URL unset")

WF = "version: '2.0'\nwf:\n  tasks:\n    t1: {action: std.noop}\n"

REPLY_TIMEOUT = 3
# Two sends of REPLY_TIMEOUT and the look-ups, with room for a loaded
# machine; the RPC timeout the API must not wait for is 60 s.
QUICK_S = 30
# Engines and the broker connection coming back, on a loaded machine.
BACK_S = 120


def _request(method, url, body=None, content_type="application/json"):
    """(status, headers, JSON body, seconds taken) of one request."""
    data = json.dumps(body) if isinstance(body, dict) else body
    data = data.encode() if data is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": content_type})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=BACK_S) as resp:
            status, headers, text = resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        status, headers, text = e.code, e.headers, e.read()
    return status, headers, json.loads(text or b"null"), \
        time.monotonic() - started


def _start(base, body):
    """POST /v2/executions, checked: quick, 201 and RUNNING. Returns the
    id of the execution."""
    status, _, answer, elapsed = _request("POST", base + "/executions", body)
    assert status == 201, (status, answer)
    assert elapsed < QUICK_S, elapsed
    assert answer["state"] == "RUNNING", answer
    assert body.get("id") in (None, answer["id"])
    return answer["id"]


def _task_names(base, ex_id):
    status, _, answer, _ = _request(
        "GET", base + "/executions/%s/tasks" % ex_id)
    assert status == 200, answer
    return [t["name"] for t in answer["tasks"]]


def _execution_ids(base):
    status, _, answer, _ = _request("GET", base + "/executions")
    assert status == 200, answer
    return sorted(e["id"] for e in answer["executions"])


@contextlib.contextmanager
def _deployment(tmp_path, db_url, api_transport_url=None):
    """An API process (reaching RabbitMQ at ``api_transport_url`` when
    given), an engine and an executor; yields (API base URL, processes by
    name) once a start went through."""
    port = server.free_port()
    conf_text, _topic = processes.isolated_conf(
        db_url, "[api]\nport = %d\nengine_reply_timeout = %d\n"
        % (port, REPLY_TIMEOUT))
    conf_file = tmp_path / "mc.conf"
    conf_file.write_text(conf_text)
    api_conf = tmp_path / "api.conf"
    api_conf.write_text(conf_text.replace(
        processes.RABBIT_URL, api_transport_url or processes.RABBIT_URL))
    procs = {"engine": processes.start("engine", conf_file, tmp_path),
             "executor": processes.start("executor", conf_file, tmp_path),
             "api": processes.start("api", api_conf, tmp_path)}
    try:
        base = "http://127.0.0.1:%d/v2" % port
        processes.wait_api(base)
        status, _, answer, _ = _request("POST", base + "/workflows", WF,
                                        "text/plain")
        assert status == 201, answer
        yield base, procs
    finally:
        procs["engine"].send_signal(signal.SIGCONT)
        processes.stop(list(procs.values()))


def _first_execution(base):
    """A start while the engine listens: its id, once SUCCESS."""
    ex_id = _start(base, {"workflow_name": "wf"})
    assert wait_state(ex_id, timeout=BACK_S)["state"] == "SUCCESS"
    return ex_id


@pytest.mark.postgresql
def test_engine_stopped_during_a_start(tmp_path, db_url, db):
    with _deployment(tmp_path, db_url) as (base, procs):
        first = _first_execution(base)
        engine = procs["engine"]
        os.kill(engine.pid, signal.SIGSTOP)
        try:
            ex_id = _start(base, {"workflow_name": "wf"})
            assert _start(base, {"id": ex_id, "workflow_name": "wf"}) == ex_id
        finally:
            os.kill(engine.pid, signal.SIGCONT)
        assert wait_state(ex_id, timeout=BACK_S)["state"] == "SUCCESS"
        assert _execution_ids(base) == sorted([first, ex_id])
        assert _task_names(base, ex_id) == ["t1"]


@pytest.mark.postgresql
def test_start_while_no_engine_runs_starts_when_one_comes(tmp_path, db_url,
                                                          db):
    with _deployment(tmp_path, db_url) as (base, procs):
        first = _first_execution(base)
        processes.kill([procs["engine"]])
        ex_id = "c0ffee00-0000-4000-8000-00000000000b"
        assert _start(base, {"id": ex_id, "workflow_name": "wf"}) == ex_id
        assert _start(base, {"id": ex_id, "workflow_name": "wf"}) == ex_id
        assert wait_state(ex_id, "RUNNING", timeout=5)
        assert _task_names(base, ex_id) == []
        procs["engine"] = processes.start(
            "engine", tmp_path / "mc.conf", tmp_path, tag="2")
        assert wait_state(ex_id, timeout=BACK_S)["state"] == "SUCCESS"
        assert _execution_ids(base) == sorted([first, ex_id])
        assert _task_names(base, ex_id) == ["t1"]


@pytest.mark.postgresql
def test_broker_away_from_the_api(tmp_path, db_url, db):
    with tcp_proxy.proxy_for(processes.RABBIT_URL) as proxy, \
            _deployment(tmp_path, db_url,
                        proxy.url_for(processes.RABBIT_URL)) as (base, _):
        first = _first_execution(base)
        proxy.cut()
        try:
            # Accepted: the hints are lost, the engines' sweep finds them.
            cut_ids = [_start(base, {"workflow_name": "wf"})
                       for _ in range(3)]
            # Reads need no broker.
            assert first in _execution_ids(base)
        finally:
            proxy.restore()
        for ex_id in cut_ids:
            assert wait_state(ex_id, timeout=BACK_S)["state"] == "SUCCESS"
            assert _task_names(base, ex_id) == ["t1"]
        # Without a restart of the API, new starts work again.
        assert _first_execution(base)
        assert len(_execution_ids(base)) == 5
