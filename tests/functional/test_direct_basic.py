from tests.functional.helpers import tasks_of, wait_state

WF = """
version: '2.0'
wf:
  input:
    - a
    - b: 2
  vars:
    v: <% $.a + $.b %>
  tasks:
    t1:
      action: std.echo output=<% $.v %>
      publish:
        x: <% task().result %>
      on-success: t2
    t2:
      action: std.echo output=<% $.x * 10 %>
      publish:
        y: <% task().result %>
  output:
    y: <% $.y %>
    env_k: <% env().k %>
"""


def test_direct_success(engine, ctx, create_workflows):
    create_workflows(WF)
    wf_ex = engine.start_workflow(ctx, "wf", wf_input={"a": 1},
                                  env={"k": "v"})
    assert wf_ex["state"] == "RUNNING"
    assert wf_ex["input"] == {"a": 1, "b": 2}
    done = wait_state(wf_ex["id"])
    assert done["state"] == "SUCCESS", done["state_info"]
    assert done["output"] == {"y": 30, "env_k": "v"}
    tasks = tasks_of(wf_ex["id"])
    assert tasks["t1"]["published"] == {"x": 3}
    assert tasks["t2"]["result"] == 30
