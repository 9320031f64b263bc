"""A sub-workflow's end joins its parent's batch of results in the
engine's own queue (``engine.child_reports``): no message, no step of its
own, the same outcome."""

import json

import pytest

from mistral_clone.engine import endpoint as endpoint_mod
from mistral_clone.rpc import clients
from tests.api.helpers import post_text
from tests.api.test_runtime_e2e import services  # noqa: F401 - fixture
from tests.api.test_runtime_e2e import start, wait_execution

CHILDREN = 12

WB = """---
version: '2.0'
child:
  input: [n]
  output:
    doubled: <% $.d %>
  tasks:
    c1:
      action: std.echo output=<% $.n * 2 %>
      publish:
        d: <% task().result %>
      on-success: [c2]
    c2:
      action: std.noop
parent:
  output:
    total: <% $.total %>
  tasks:
CHILD_TASKS
    sum:
      join: all
      action: std.noop
      publish:
        total: <% SUM %>
""".replace("CHILD_TASKS", "\n".join(
    "    s%d:\n      workflow: child n=%d\n      publish:\n"
    "        v%d: <%% task().result.doubled %%>\n      on-success: [sum]"
    % (i, i, i) for i in range(1, CHILDREN + 1))).replace(
    "SUM", " + ".join("$.v%d" % i for i in range(1, CHILDREN + 1)))


@pytest.fixture
def counted(monkeypatch):
    """How often a child's end took a step of its own or a message."""
    seen = {"own_step": 0, "cast": 0}
    own_step = endpoint_mod.EngineEndpoint._report_child_now

    def counting_own_step(self, ctx, wf_ex_id):
        seen["own_step"] += 1
        return own_step(self, ctx, wf_ex_id)
    monkeypatch.setattr(endpoint_mod.EngineEndpoint, "_report_child_now",
                        counting_own_step)
    cast = clients.EngineClient.report_subworkflow_result

    def counting_cast(self, *args, **kwargs):
        seen["cast"] += 1
        return cast(self, *args, **kwargs)
    monkeypatch.setattr(clients.EngineClient, "report_subworkflow_result",
                        counting_cast)
    return seen


def test_children_end_in_their_parents_batches(services, counted):
    app = services
    post_text(app, "/v2/workflows", WB, status=201)
    ex = start(app, {"workflow_name": "parent"})
    done = wait_execution(app, ex["id"])
    assert done["state"] == "SUCCESS", done["state_info"]
    assert json.loads(done["output"]) == {
        "total": sum(2 * i for i in range(1, CHILDREN + 1))}
    tasks = app.get("/v2/executions/%s/tasks" % ex["id"]).json["tasks"]
    assert len(tasks) == CHILDREN + 1
    assert {t["state"] for t in tasks} == {"SUCCESS"}
    assert counted == {"own_step": 0, "cast": 0}
