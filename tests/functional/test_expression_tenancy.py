"""Expression functions see only what the execution's project may see:
``executions()``, ``execution()``-style look-ups by id, ``tasks(id)`` and
``task()`` of another project's execution give nothing."""

from mistral_clone import context as mc_context
from mistral_clone.services import workflows
from tests.functional.helpers import tasks_of, wait_state

SECRET = """
version: '2.0'
secret:
  input: [token]
  tasks:
    keep:
      action: std.echo output=<% $.token %>
      publish: {kept: <% task().result %>}
"""

SPY = """
version: '2.0'
spy:
  input: [victim]
  output:
    all: <% executions().select($.id) %>
    one: <% executions(id => $.victim) %>
    tasks: <% tasks($.victim) %>
    task_named: <% tasks($.victim).where($.name = keep) %>
  tasks:
    look:
      action: std.noop
"""


def _ctx(project):
    return mc_context.RequestContext(project_id=project, user_id="u")


def test_expression_functions_stay_in_their_project(engine, db):
    victim_ctx, spy_ctx = _ctx("victim-project"), _ctx("spy-project")
    workflows.create_workflows(victim_ctx, SECRET)
    workflows.create_workflows(spy_ctx, SPY)
    victim = engine.start_workflow(victim_ctx, "secret",
                                   wf_input={"token": "s3cr3t"})
    assert wait_state(victim["id"])["state"] == "SUCCESS"
    assert tasks_of(victim["id"])["keep"]["published"] == {
        "kept": "s3cr3t"}
    spy = engine.start_workflow(spy_ctx, "spy",
                                wf_input={"victim": victim["id"]})
    done = wait_state(spy["id"])
    assert done["state"] == "SUCCESS", done["state_info"]
    assert done["output"] == {"all": [spy["id"]], "one": [], "tasks": [],
                              "task_named": []}
    assert "s3cr3t" not in str(done["output"])
