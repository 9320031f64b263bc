"""A database outage in the middle of running workflows (issue 11).

api, engine, executor and scheduler run as separate processes over
RabbitMQ; their PostgreSQL connections go through a TcpProxy, which the
test cuts for OUTAGE_S seconds while chains, a join and timers
(wait-before, wait-after) are running, then restores. Every execution
must end SUCCESS within two minutes, each task and each action exactly
once (the actions call a recording HTTP endpoint: a side effect counted
outside the service), no timer left behind; and the API, polled all
along, never answers 500: only 503 with Retry-After, only while the
database is away. The server other tests use is never stopped.
"""

import collections
import http.server
import json
import threading
import time
import urllib.error
import urllib.request

import pytest
import sqlalchemy as sa

from mistral_clone.db import models
from mistral_clone.db import session as db_session
from tests.conftest import PG_URL
from tests.functional import processes
from tests.functional.server import free_port
from tests.functional.tcp_proxy import proxy_for
from tests.waiting import wait_for

pytestmark = [
    pytest.mark.functional,
    pytest.mark.postgresql,
    pytest.mark.skipif(not (PG_URL and processes.RABBIT_URL),
                       reason="needs PostgreSQL and RabbitMQ"),
]

OUTAGE_S = 15
RECOVERY_LIMIT_S = 120
# Each action holds the hook this long: executions are mid-run at the cut.
ACTION_S = 1.0

WORKFLOWS = """
version: '2.0'
chain:
  input: [hook]
  tasks:
    c1:
      action: std.http
      input: {url: '<% $.hook %>/<% execution().id %>/c1'}
      on-success: c2
    c2:
      action: std.http
      input: {url: '<% $.hook %>/<% execution().id %>/c2'}
      on-success: c3
    c3:
      action: std.http
      input: {url: '<% $.hook %>/<% execution().id %>/c3'}
      on-success: c4
    c4:
      action: std.http
      input: {url: '<% $.hook %>/<% execution().id %>/c4'}
      on-success: c5
    c5:
      action: std.http
      input: {url: '<% $.hook %>/<% execution().id %>/c5'}
      on-success: c6
    c6:
      action: std.http
      input: {url: '<% $.hook %>/<% execution().id %>/c6'}
join:
  input: [hook]
  tasks:
    start:
      action: std.http
      input: {url: '<% $.hook %>/<% execution().id %>/start'}
      on-success: [b1, b2, b3]
    b1:
      action: std.http
      input: {url: '<% $.hook %>/<% execution().id %>/b1'}
      on-success: j
    b2:
      action: std.http
      input: {url: '<% $.hook %>/<% execution().id %>/b2'}
      on-success: j
    b3:
      action: std.http
      input: {url: '<% $.hook %>/<% execution().id %>/b3'}
      on-success: j
    j:
      join: all
      action: std.http
      input: {url: '<% $.hook %>/<% execution().id %>/j'}
timer:
  input: [hook]
  tasks:
    t1:
      action: std.http
      input: {url: '<% $.hook %>/<% execution().id %>/t1'}
      wait-before: 4
      wait-after: 3
      on-success: t2
    t2:
      action: std.http
      input: {url: '<% $.hook %>/<% execution().id %>/t2'}
"""
TASKS = {"chain": {"c1", "c2", "c3", "c4", "c5", "c6"},
         "join": {"start", "b1", "b2", "b3", "j"},
         "timer": {"t1", "t2"}}
RUNS = ("chain", "chain", "chain", "join", "join", "timer", "timer")


class Hook:
    """The actions' side effect: a loopback HTTP endpoint that counts each
    call by path and holds it ACTION_S seconds."""

    def __init__(self):
        self.calls = collections.Counter()
        self.times = []
        lock = threading.Lock()
        hook = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the stdlib's name
                with lock:
                    hook.calls[self.path] += 1
                    hook.times.append(time.monotonic())
                threading.Event().wait(ACTION_S)
                body = b'{"ok": true}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                       Handler)
        self.url = "http://127.0.0.1:%d" % self._server.server_port
        threading.Thread(target=self._server.serve_forever,
                         daemon=True).start()

    def close(self):
        self._server.shutdown()
        self._server.server_close()


class Poller:
    """Reads the API all along, as a client would: (started, finished,
    status, Retry-After, body) of every answer."""

    def __init__(self, urls):
        self.urls = urls
        self.answers = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            for url in list(self.urls):
                started = time.monotonic()
                try:
                    with urllib.request.urlopen(url, timeout=60) as resp:
                        status, retry_after, body = resp.status, None, ""
                except urllib.error.HTTPError as e:
                    status = e.code
                    retry_after = e.headers.get("Retry-After")
                    body = e.read().decode()
                self.answers.append((started, time.monotonic(), status,
                                     retry_after, body))
            self._stop.wait(0.2)

    def stop(self):
        self._stop.set()
        self._thread.join(120)


def _hold_outage():
    """The outage lasts OUTAGE_S seconds: this is the scenario's length,
    not a wait for some state."""
    threading.Event().wait(OUTAGE_S)


def _api(base, method, path, body=None, content_type="application/json"):
    return processes.http(method, base + path, body, content_type)


def _unfinished(base, ex_ids):
    """{execution id: {task name: state}} of those still running."""
    unfinished = {}
    for ex_id in ex_ids:
        if _api(base, "GET", "/executions/%s" % ex_id)["state"] in (
                "SUCCESS", "ERROR", "CANCELLED"):
            continue
        tasks = _api(base, "GET", "/executions/%s/tasks" % ex_id)["tasks"]
        unfinished[ex_id] = {t["name"]: t["state"] for t in tasks}
    return unfinished


def _wait_all_done(base, runs):
    try:
        wait_for(lambda: not _unfinished(base, runs),
                 timeout=RECOVERY_LIMIT_S, interval=0.2)
    except AssertionError:
        raise AssertionError("Still running %d s after the outage: %s" % (
            RECOVERY_LIMIT_S, _unfinished(base, runs))) from None


def test_executions_survive_a_database_outage(tmp_path, db_url, db):
    hook = Hook()
    port = free_port()
    base = "http://127.0.0.1:%d/v2" % port
    procs = []
    with proxy_for(db_url) as proxy:
        conf_text, _topic = processes.isolated_conf(
            proxy.url_for(db_url),
            "[api]\nport = %d\n[action_std_http]\n"
            "denied_cidrs = 169.254.0.0/16\n" % port)
        conf_file = tmp_path / "mc.conf"
        conf_file.write_text(conf_text)
        poller = None
        try:
            procs = [processes.start(name, conf_file, tmp_path)
                     for name in ("engine", "executor", "scheduler", "api")]
            processes.wait_api(base)
            _api(base, "POST", "/workflows", WORKFLOWS, "text/plain")
            runs = {}
            for wf_name in RUNS:
                ex = _api(base, "POST", "/executions", json.dumps({
                    "workflow_name": wf_name,
                    "input": json.dumps({"hook": hook.url})}))
                runs[ex["id"]] = wf_name
            poller = Poller([base + "/executions/%s" % ex_id
                             for ex_id in runs] +
                            [base + "/executions?fields=id,state",
                             base + "/tasks", base + "/action_executions",
                             base + "/workflows/chain"])
            # Mid-run: some actions done, most not.
            wait_for(lambda: sum(hook.calls.values()) >= 6, timeout=60)
            cut_at = time.monotonic()
            proxy.cut()
            refused = _post_during_outage(base, hook)
            _hold_outage()
            restored_at = time.monotonic()
            proxy.restore()
            _wait_all_done(base, runs)
            done_at = time.monotonic()
            poller.stop()
            _check_executions(base, runs, hook)
            _check_no_timer_left()
            _check_api_answers(poller.answers, cut_at, restored_at)
            assert refused == {"status": 503, "retry_after": "5"}
            listed = _api(base, "GET", "/executions?fields=id")
            assert len(listed["executions"]) == len(runs)
            resumed = min(t for t in hook.times if t > restored_at)
            print("first action after the outage: %.1f s; all executions "
                  "done %.1f s after it" % (resumed - restored_at,
                                            done_at - restored_at))
        finally:
            if poller is not None:
                poller.stop()
            processes.kill(procs)
            hook.close()
            db_session.dispose()


def _post_during_outage(base, hook):
    """A new execution asked for while the database is away: refused with
    503, and not started later either."""
    try:
        _api(base, "POST", "/executions", json.dumps({
            "workflow_name": "chain",
            "input": json.dumps({"hook": hook.url})}))
    except urllib.error.HTTPError as e:
        return {"status": e.code, "retry_after": e.headers["Retry-After"]}
    return {"status": 201}


def _check_executions(base, runs, hook):
    for ex_id, wf_name in runs.items():
        ex = _api(base, "GET", "/executions/%s" % ex_id)
        assert ex["state"] == "SUCCESS", (wf_name, ex["state_info"])
        tasks = _api(base, "GET", "/executions/%s/tasks" % ex_id)["tasks"]
        assert sorted(t["name"] for t in tasks) == sorted(TASKS[wf_name])
        for task in tasks:
            assert task["state"] == "SUCCESS", task
            actions = _api(base, "GET", "/tasks/%s/action_executions"
                           % task["id"])["action_executions"]
            assert len(actions) == 1, (wf_name, task["name"], actions)
            assert hook.calls["/%s/%s" % (ex_id, task["name"])] == 1, (
                wf_name, task["name"], hook.calls)
    assert sum(hook.calls.values()) == sum(
        len(TASKS[wf_name]) for wf_name in runs.values())


def _check_no_timer_left():
    with db_session.read_only() as session:
        assert session.execute(sa.select(sa.func.count()).select_from(
            models.DelayedCall)).scalar() == 0


def _check_api_answers(answers, cut_at, restored_at):
    assert answers
    statuses = collections.Counter(status for _s, _f, status, _r, _b
                                   in answers)
    assert set(statuses) <= {200, 503}, statuses
    assert statuses[503], "the poller never met the outage"
    for started, finished, status, retry_after, body in answers:
        if status != 503:
            continue
        # The database was away at some moment of the request.
        assert started < restored_at and finished > cut_at
        assert retry_after
        assert json.loads(body)["faultstring"] == \
            "The database is busy or unavailable; try again."
    after = [status for started, _f, status, _r, _b in answers
             if started >= restored_at]
    assert after and set(after) == {200}
