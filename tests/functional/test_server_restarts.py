"""Issue 11: a real PostgreSQL server restart (``pg_ctl restart -m fast``)
and a real RabbitMQ restart (``stop_app`` / ``start_app``) in the middle of
a run of separate api, engine, executor and scheduler processes: every
execution still ends SUCCESS with the right output within 2 minutes of the
last restart, and the API never answers a 5xx other than 503 with
Retry-After.

Both servers are private to the test (``private_servers``): the shared ones
other tests use are never touched. Unlike test_chaos's TcpProxy cuts, a
real restart also loses the broker's non-durable queues and their messages
and makes PostgreSQL end every session from its side.
"""

import json
import time
import urllib.request

import pytest

from tests.functional import private_servers
from tests.functional import processes
from tests.functional.server import free_port
from tests.functional.test_chaos import _ApiWatch
from tests.functional.test_chaos import _start_execution
from tests.functional.test_chaos import _unsettled
from tests.functional.test_chaos import _wait_settled

pytestmark = pytest.mark.skipif(
    private_servers.missing_binaries() is not None,
    reason=str(private_servers.missing_binaries()))

# Every action may run again after a lost message (``safe-rerun: true``):
# the run checks that nothing is stuck or lost, not Mistral's failing of
# the tasks whose executor may have died.
WORKFLOWS = """
version: '2.0'
chain:
  input: [n, pause]
  tasks:
    a:
      action: std.echo output=<% $.n %>
      safe-rerun: true
      publish: {x: <% task().result + 1 %>}
      on-success: b
    b:
      action: std.sleep seconds=<% $.pause %>
      safe-rerun: true
      on-success: c
    c:
      action: std.echo output=<% $.x * 10 %>
      safe-rerun: true
      publish: {y: <% task().result %>}
      on-success: d
    d:
      action: std.sleep seconds=<% $.pause %>
      safe-rerun: true
      on-success: e
    e:
      action: std.echo output=<% $.y + 1 %>
      safe-rerun: true
      publish: {z: <% task().result %>}
  output: {z: <% $.z %>}
items:
  tasks:
    each:
      with-items: i in <% range(6) %>
      concurrency: 2
      action: std.echo output=<% $.i * 2 %>
      safe-rerun: true
      on-success: pause
    pause:
      action: std.sleep seconds=3
      safe-rerun: true
      on-success: total
    total:
      action: std.echo output=<% task(each).result %>
      safe-rerun: true
      publish: {total: <% task().result %>}
  output: {total: <% $.total %>}
waits:
  tasks:
    w:
      action: std.echo output=7
      safe-rerun: true
      wait-after: 1
      publish: {w: <% task().result %>}
      on-success: after
    after:
      action: std.echo output=<% $.w * 2 %>
      safe-rerun: true
      publish: {w2: <% task().result %>}
  output: {w2: <% $.w2 %>}
"""

# (workflow, input, expected output) of each execution started.
RUN = [("chain", {"n": n, "pause": pause}, {"z": (n + 1) * 10 + 1})
       for n, pause in ((1, 1), (2, 1), (3, 2), (4, 4), (5, 6), (6, 8))] + [
    ("items", {}, {"total": [0, 2, 4, 6, 8, 10]}),
    ("items", {}, {"total": [0, 2, 4, 6, 8, 10]}),
    ("waits", {}, {"w2": 14}),
    ("waits", {}, {"w2": 14}),
]


@pytest.fixture
def private_pg():
    with private_servers.running(private_servers.PrivatePostgresql()) as pg:
        yield pg


@pytest.fixture
def private_mq():
    with private_servers.running(private_servers.PrivateRabbitmq()) as mq:
        yield mq


@pytest.fixture
def db_url(private_pg):
    """The ``db`` fixture migrates the private server's database."""
    return private_pg.url


def test_real_server_restarts_lose_nothing(tmp_path, private_pg, private_mq,
                                           db):
    from mistral_clone.db import models

    port = free_port()
    base = "http://127.0.0.1:%d/v2" % port
    conf_file = tmp_path / "mc.conf"
    conf_file.write_text(
        "[DEFAULT]\ntransport_url = %s\n[database]\nconnection = %s\n"
        "[api]\nport = %d\n" % (private_mq.url, private_pg.url, port))
    procs = [processes.start(services, conf_file, tmp_path)
             for services in ("api", "engine", "executor", "scheduler")]
    try:
        processes.wait_api(base)
        with _ApiWatch(base) as watch:
            req = urllib.request.Request(
                base + "/workflows", data=WORKFLOWS.encode(), method="POST",
                headers={"Content-Type": "text/plain"})
            urllib.request.urlopen(req, timeout=30).close()
            started = {}
            for name, wf_input, output in RUN:
                wf_ex_id = models.new_id()
                _start_execution(watch, name, wf_input, wf_ex_id)
                started[wf_ex_id] = (name, output)

            private_pg.restart()
            # Work goes on between the two restarts.
            time.sleep(3)
            assert "final" not in _unsettled(watch, started), \
                "everything ended before the RabbitMQ restart"
            private_mq.restart(down_s=3)
            last_restart = time.monotonic()

            final = _wait_settled(watch, started)
            took = time.monotonic() - last_restart
        assert watch.bad == [], watch.bad
    finally:
        processes.stop([p for p in procs if p.poll() is None])

    wrong = {}
    for wf_ex_id, body in final.items():
        name, output = started[wf_ex_id]
        if body["state"] != "SUCCESS" or \
                json.loads(body["output"]) != output:
            wrong[wf_ex_id] = (name, body["state"], body["state_info"],
                               body["output"])
    assert wrong == {}
    print("settled %.0f s after the last restart; %d answers were 503 with "
          "Retry-After" % (took, watch.unavailable))
