"""Workflows for the web view's browser tests, and a small client of the
API of the server they run on (``running_server``)."""

import json

import requests

from tests import waiting

FINISHED = ("SUCCESS", "ERROR", "CANCELLED")

# A join, a failure with retries, with-items, a sub-workflow, and a task
# that takes a second (so that the timeline's bars have visible widths);
# the retries 2 s apart: the API's times are whole seconds.
MAIN = """\
version: '2.0'
ui_main:
  tasks:
    start:
      action: std.noop
      on-success: [left, right, items]
    left:
      action: std.sleep seconds=1
      on-success: [joined]
    right:
      action: std.echo output="right"
      on-success: [joined]
    items:
      with-items: i in <% [1, 2, 3] %>
      action: std.echo output=<% $.i %>
      publish:
        numbers: <% task().result %>
      on-success: [child]
    child:
      workflow: ui_child
    joined:
      join: all
      action: std.noop
      on-success: [flaky]
    flaky:
      action: std.fail
      retry:
        count: 2
        delay: 2
ui_child:
  tasks:
    only:
      action: std.echo output="child"
"""

# Waits for a result sent through the API (PUT /v2/action_executions).
WAITING = """\
version: '2.0'
ui_waiting:
  tasks:
    hold:
      action: std.async_noop
      on-success: [after]
    after:
      action: std.noop
"""

# A workbook's reverse workflow: edges from `requires`.
WORKBOOK = """\
version: '2.0'
name: ui_book
workflows:
  backwards:
    type: reverse
    tasks:
      first:
        action: std.noop
      second:
        action: std.noop
        requires: [first]
      last:
        action: std.fail
        requires: [second]
"""


def loop_workflow(chains):
    """``ui_big``: ``chains`` tasks that each run again until together
    they have run ``n`` times (input): ``n`` task executions of few task
    names."""
    lines = ["version: '2.0'", "ui_big:", "  input:", "    - n: 10000",
             "  tasks:", "    fan:", "      action: std.noop",
             "      on-success: [%s]" % ", ".join(
                 "c%d" % k for k in range(chains))]
    for k in range(chains):
        lines += ["    c%d:" % k, "      action: std.noop",
                  "      publish:",
                  "        i%d: <%% ($.get(i%d) or 0) + 1 %%>" % (k, k),
                  "      on-success:",
                  "        - c%d: <%% $.i%d < $.n / %d %%>" % (k, k, chains)]
    return "\n".join(lines) + "\n"


class Api:
    def __init__(self, url, token=None):
        self.url = url
        self.headers = {"X-Auth-Token": token} if token else {}

    def call(self, method, path, **kwargs):
        response = requests.request(method, self.url + path, timeout=60,
                                    headers=self.headers, **kwargs)
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    def create_workflows(self, text):
        response = requests.post(
            self.url + "/workflows", data=text, timeout=60,
            headers=dict(self.headers, **{"Content-Type": "text/plain"}))
        assert response.status_code == 201, response.text

    def create_workbook(self, text):
        response = requests.post(
            self.url + "/workbooks", data=text, timeout=60,
            headers=dict(self.headers, **{"Content-Type": "text/plain"}))
        assert response.status_code == 201, response.text

    def start(self, workflow_name, workflow_input=None, params=None):
        return self.call("POST", "/executions", json={
            "workflow_name": workflow_name, "params": params or {},
            "input": workflow_input or {}})["id"]

    def execution(self, ex_id):
        return self.call("GET", "/executions/" + ex_id)

    def wait_state(self, ex_id, states=FINISHED, timeout=120):
        def reached():
            execution = self.execution(ex_id)
            return execution if execution["state"] in states else None
        return waiting.wait_for(reached, timeout=timeout, interval=0.1)

    def running_action(self, ex_id, timeout=60):
        """The action execution an async task of ``ex_id`` waits on."""
        def found():
            tasks = self.call("GET", "/executions/%s/tasks" % ex_id)["tasks"]
            for task in tasks:
                actions = self.call(
                    "GET", "/tasks/%s/action_executions" % task["id"])
                for action in actions["action_executions"]:
                    if action["state"] == "RUNNING":
                        return action["id"]
            return None
        return waiting.wait_for(found, timeout=timeout, interval=0.2)

    def deliver(self, action_ex_id, output=None):
        self.call("PUT", "/action_executions/" + action_ex_id,
                  json={"state": "SUCCESS", "output": json.dumps(
                      output or {"result": "done"})})
