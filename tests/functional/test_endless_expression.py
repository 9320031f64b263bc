"""An expression that never ends neither stalls the service nor its own
execution: the API keeps answering reads and writes, other executions go
on, and the expression's task ends in ERROR at the configured deadline."""

import time

import requests

from tests.functional.server import running_server

WORKFLOWS = """
version: '2.0'
endless:
  tasks:
    t:
      action: std.noop
      publish:
        out: <% range(1000000000).sum() %>
quick:
  tasks:
    q:
      action: std.echo output=1
"""


def _wait(url, ex_id, states, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ex = requests.get("%s/executions/%s" % (url, ex_id), timeout=10)
        if ex.json()["state"] in states:
            return ex.json()
        time.sleep(0.2)
    raise AssertionError("execution %s not in %s" % (ex_id, states))


def test_the_service_keeps_answering_while_an_expression_runs(tmp_path):
    conf = "[expressions]\nevaluation_timeout = 4\n"
    with running_server(tmp_path, extra_conf=conf) as (url, _state):
        created = requests.post(url + "/workflows", data=WORKFLOWS,
                                headers={"Content-Type": "text/plain"},
                                timeout=30)
        assert created.status_code == 201, created.text
        endless = requests.post(url + "/executions",
                                json={"workflow_name": "endless"},
                                timeout=30).json()
        started = time.monotonic()
        slowest, quick_ids = 0.0, []
        while time.monotonic() - started < 3:
            before = time.monotonic()
            reply = requests.post(url + "/executions",
                                  json={"workflow_name": "quick"},
                                  timeout=30)
            assert reply.status_code == 201, reply.text
            quick_ids.append(reply.json()["id"])
            assert requests.get(url, timeout=30).status_code == 200
            slowest = max(slowest, time.monotonic() - before)
        # Each request answered while the expression ran (a generous
        # bound: the machine is shared; without the limits a request
        # waited for the whole evaluation).
        assert slowest < 2.5, slowest
        for ex_id in quick_ids:
            assert _wait(url, ex_id, ("SUCCESS", "ERROR"), 30)["state"] == \
                "SUCCESS"
        done = _wait(url, endless["id"], ("SUCCESS", "ERROR"), 60)
        assert done["state"] == "ERROR"
        assert time.monotonic() - started < 45
        [task] = requests.get("%s/executions/%s/tasks" % (url, endless["id"]),
                              timeout=10).json()["tasks"]
        assert task["state"] == "ERROR"
        assert "Expression evaluation took longer than 4.0 seconds" in \
            task["state_info"]
