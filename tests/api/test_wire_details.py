"""Wire details pinned against the real Mistral 23 by sending the same
requests to both (issue 12, "Wire details")."""

import pytest

from tests.api.helpers import post_text, put_text
from tests.api.runtime_rows import task_ex, wf_ex

DEFINITION_JSON = "application/json;charset=utf-8"

WF = """---
version: '2.0'
wd_wf:
  tasks:
    t1:
      action: std.noop
"""
WB = """---
version: '2.0'
name: wd_wb
workflows:
  w:
    tasks:
      t1:
        action: std.noop
"""
ACTION = """---
version: '2.0'
wd_action:
  base: std.noop
"""


@pytest.mark.parametrize("resource, text", [
    ("workflows", WF), ("workbooks", WB), ("actions", ACTION)])
def test_definition_answers_say_their_charset(app, resource, text):
    url = "/v2/%s" % resource
    checks = [post_text(app, url, text, status=201),
              put_text(app, url, text, status=200),
              post_text(app, url, text, status=409),
              post_text(app, url, "{{{: [", status=400),
              post_text(app, url + "/validate", text, status=200),
              post_text(app, url + "/validate", "{{{: [", status=200)]
    assert [r.headers["Content-Type"] for r in checks] == \
        [DEFINITION_JSON] * len(checks)
    assert checks[-2].json == {"valid": True}
    assert checks[-1].json["valid"] is False


def test_other_answers_keep_plain_json(app):
    post_text(app, "/v2/workflows", WF, status=201)
    assert app.get("/v2/workflows/wd_wf").headers["Content-Type"] == \
        "application/json"


def test_nulls_takes_every_column_mistral_may_hold_null(app):
    """Mistral's table may hold NULL in every column but ``id``; ``nulls``
    asks for NULL only in the columns the list filters on."""
    first, second = wf_ex(description="one"), wf_ex(description="two")

    def ids(query):
        return sorted(e["id"] for e in
                      app.get("/v2/executions?" + query).json["executions"])

    for column in ("description", "workflow_name", "state", "input",
                   "output", "params", "created_at", "project_id"):
        assert ids("nulls=" + column) == [], column
    for column in ("name", "scope", "spec", "context", "accepted", "tags",
                   "runtime_context", "workflow_namespace"):
        assert ids("nulls=" + column) == sorted([first.id, second.id]), \
            column
    assert ids("nulls=description&description=two") == [second.id]


def test_null_in_a_text_filter_is_the_word_and_nulls_asks_for_null(app):
    word = wf_ex(state_info="null")
    empty = [wf_ex(state_info=None), wf_ex(state_info=None)]

    def ids(query):
        return sorted(e["id"] for e in
                      app.get("/v2/executions?" + query).json["executions"])

    assert ids("state_info=null") == [word.id]
    assert ids("state_info=eq:null") == [word.id]
    assert ids("nulls=state_info") == sorted(e.id for e in empty)
    # The next page keeps asking for NULL.
    page = app.get("/v2/executions?nulls=state_info&limit=1").json
    assert "&nulls=state_info&" in page["next"]
    rest = app.get(page["next"][page["next"].index("/v2/"):]).json
    assert len(page["executions"]) == len(rest["executions"]) == 1
    assert {page["executions"][0]["id"], rest["executions"][0]["id"]} == \
        {e.id for e in empty}


def test_a_task_workflow_executions_are_listed_without_blobs(app):
    """Mistral reads these rows without their deferred columns."""
    task = task_ex(wf_ex())
    child = wf_ex(task_execution_id=task.id, input={"i": 1})
    url = "/v2/tasks/%s/workflow_executions" % task.id
    [listed] = app.get(url).json["executions"]
    assert listed["id"] == child.id
    assert "input" not in listed and "params" not in listed
    [asked] = app.get(url + "?fields=input").json["executions"]
    assert asked == {"id": child.id, "input": '{"i": 1}'}
    [full] = app.get("/v2/executions?task_execution_id=%s"
                     % task.id).json["executions"]
    assert full["input"] == '{"i": 1}' and "params" in full
