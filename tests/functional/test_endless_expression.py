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
        out: <% range(1000).select(range(999999).sum()).sum() %>
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


def upload(url, definition):
    created = requests.post(url + "/workflows", data=definition,
                            headers={"Content-Type": "text/plain"},
                            timeout=30)
    assert created.status_code == 201, created.text


def start(url, workflow_name):
    reply = requests.post(url + "/executions",
                          json={"workflow_name": workflow_name}, timeout=30)
    assert reply.status_code == 201, reply.text
    return reply.json()


def only_task(url, ex_id):
    [task] = requests.get("%s/executions/%s/tasks" % (url, ex_id),
                          timeout=10).json()["tasks"]
    return task


def quick_ones_while(url, seconds):
    """Start the ``quick`` workflow again and again for ``seconds`` and
    read the root; the longest any of these requests took, once each
    ended in SUCCESS."""
    started = time.monotonic()
    slowest, quick_ids = 0.0, []
    while time.monotonic() - started < seconds:
        before = time.monotonic()
        quick_ids.append(start(url, "quick")["id"])
        assert requests.get(url, timeout=30).status_code == 200
        slowest = max(slowest, time.monotonic() - before)
    for ex_id in quick_ids:
        assert _wait(url, ex_id, ("SUCCESS", "ERROR"), 30)["state"] == \
            "SUCCESS"
    return slowest


def test_the_service_keeps_answering_while_an_expression_runs(tmp_path):
    conf = "[expressions]\nevaluation_timeout = 4\n"
    with running_server(tmp_path, extra_conf=conf) as (url, _state):
        upload(url, WORKFLOWS)
        endless = start(url, "endless")
        started = time.monotonic()
        # Each request answered while the expression ran (a generous
        # bound: the machine is shared; without the limits a request
        # waited for the whole evaluation).
        slowest = quick_ones_while(url, 3)
        assert slowest < 2.5, slowest
        done = _wait(url, endless["id"], ("SUCCESS", "ERROR"), 60)
        assert done["state"] == "ERROR"
        assert time.monotonic() - started < 45
        task = only_task(url, endless["id"])
        assert task["state"] == "ERROR"
        assert "Expression evaluation took longer than 4.0 seconds" in \
            task["state_info"]


def test_other_executions_finish_while_an_expression_runs(tmp_path):
    # The endless expression is evaluated outside its step for 8 s; the
    # results of other executions are not held up meanwhile (on the
    # embedded database one thread absorbs them all).
    conf = "[expressions]\nevaluation_timeout = 8\n"
    with running_server(tmp_path, extra_conf=conf) as (url, _state):
        upload(url, WORKFLOWS)
        endless = start(url, "endless")
        started = time.monotonic()
        longest = 0.0
        while time.monotonic() - started < 3:
            before = time.monotonic()
            quick = start(url, "quick")
            assert _wait(url, quick["id"], ("SUCCESS", "ERROR"), 30)[
                "state"] == "SUCCESS"
            longest = max(longest, time.monotonic() - before)
        assert longest < 2.5, longest
        assert _wait(url, endless["id"], ("RUNNING",), 1)
        assert _wait(url, endless["id"], ("SUCCESS", "ERROR"), 60)[
            "state"] == "ERROR"
