"""A slow expression that reads tasks holds no lock either: it is evaluated
outside the engine's transaction against the step's own answers (see
``expressions.limits``), so the API and other executions go on meanwhile
(on the embedded database the step's transaction holds the only writer
lock)."""

import json

from tests.functional.server import running_server
from tests.functional.test_endless_expression import (
    _wait, only_task, quick_ones_while, start, upload)

WORKFLOWS = """
version: '2.0'
reads_its_task:
  tasks:
    t:
      action: std.echo output=7
      publish:
        out: <% task().result + range(999).select(range(999999).sum()).sum() %>
quick:
  tasks:
    q:
      action: std.echo output=1
"""

TIMEOUT_S = 3


def test_the_service_answers_while_an_expression_reading_tasks_runs(
        tmp_path):
    conf = "[expressions]\nevaluation_timeout = %d\n" % TIMEOUT_S
    with running_server(tmp_path, extra_conf=conf) as (url, _state):
        upload(url, WORKFLOWS)
        slow = start(url, "reads_its_task")
        # Evaluated outside twice (the committed task has no result yet,
        # the step's has: the second time with the step's answer), then
        # taken by the step: before, the step evaluated it itself for its
        # whole deadline, with the writer lock held.
        slowest = quick_ones_while(url, 3 * TIMEOUT_S)
        assert slowest < 2.5, slowest
        done = _wait(url, slow["id"], ("SUCCESS", "ERROR"), 60)
        assert done["state"] == "ERROR"
        assert "Expression evaluation took longer than %.1f seconds" % \
            TIMEOUT_S in only_task(url, slow["id"])["state_info"]


def test_the_value_read_against_the_step_is_the_steps(tmp_path):
    # Out of the step the committed task has no result yet: the value
    # published is the one computed with the step's answer (7).
    conf = ("[expressions]\nevaluation_timeout = 120\n"
            "max_time_in_transaction = 0.02\n")
    workflow = """
version: '2.0'
reads_its_task:
  tasks:
    t:
      action: std.echo output=7
      publish:
        out: <% task().result + range(20000).sum() %>
        state: <% task().state %>
"""
    with running_server(tmp_path, extra_conf=conf) as (url, _state):
        upload(url, workflow)
        ex = start(url, "reads_its_task")
        done = _wait(url, ex["id"], ("SUCCESS", "ERROR"), 120)
        assert done["state"] == "SUCCESS", done["state_info"]
        assert json.loads(only_task(url, ex["id"])["published"]) == {
            "out": 7 + sum(range(20000)), "state": "SUCCESS"}
