"""/v2/tasks through the WSGI app."""

import pytest

from tests.api.helpers import fault
from tests.api.runtime_rows import action_ex, at, task_ex, wf_ex

UUID = "123e4567-e89b-12d3-a456-426655440000"


def test_get_task_with_result_from_its_action(app):
    ex = wf_ex()
    task = task_ex(ex, published={"r": 5}, runtime_context={"a": 1},
                   started_at=at(1), finished_at=at(2))
    action_ex(task, output={"result": 5})
    body = app.get("/v2/tasks/%s" % task.id).json
    assert list(body) == [
        "id", "name", "type", "workflow_name", "workflow_namespace",
        "workflow_id", "workflow_execution_id", "tags", "state",
        "state_info", "project_id", "runtime_context", "result",
        "published", "processed", "created_at", "updated_at", "started_at",
        "finished_at"]
    assert body["result"] == "5"
    assert body["published"] == '{"r": 5}'
    assert body["runtime_context"] == '{"a": 1}'
    assert body["started_at"] == "2024-01-02 03:04:06"
    assert app.get("/v2/tasks/%s?fields=name,result" % task.id).json == {
        "id": task.id, "name": "t1", "result": "5"}


def test_task_result_variants(app):
    ex = wf_ex()
    stored = task_ex(ex, result={"x": 1})
    assert app.get("/v2/tasks/%s" % stored.id).json["result"] == '{"x": 1}'
    items = task_ex(ex, name="wi", spec={"with-items": "i in <% $.l %>"})
    action_ex(items, output={"result": "b"}, runtime_context={"index": 1})
    action_ex(items, output={"result": "a"}, runtime_context={"index": 0})
    action_ex(items, output={"result": "z"}, accepted=False,
              runtime_context={"index": 2})
    assert app.get("/v2/tasks/%s" % items.id).json["result"] == \
        '["a", "b"]'
    running = task_ex(ex, name="r", state="RUNNING")
    assert app.get("/v2/tasks/%s" % running.id).json["result"] == "[]"
    parent = task_ex(ex, name="sub", type="WORKFLOW")
    wf_ex(task_execution_id=parent.id, output={"o": 2}, accepted=True)
    assert app.get("/v2/tasks/%s" % parent.id).json["result"] == \
        '{"o": 2}'


def test_get_task_not_found(app):
    resp = app.get("/v2/tasks/nope", status=404)
    assert fault(resp) == "Task execution not found [id=nope]"


def test_list_tasks_with_filters(app):
    ex = wf_ex()
    t1 = task_ex(ex, name="t1", created_at=at(1), published={"r": 5},
                 result=5)
    t2 = task_ex(ex, name="t2", created_at=at(2), state="ERROR",
                 processed=False)

    def names(query=""):
        return [t["name"] for t in app.get("/v2/tasks?" + query).json[
            "tasks"]]

    assert names() == ["t1", "t2"]
    assert "result" not in app.get("/v2/tasks").json["tasks"][0]
    assert names("name=t2") == ["t2"]
    assert names("state=ERROR") == ["t2"]
    assert names("processed=false") == ["t2"]
    assert names("published=%7B%22r%22%3A5%7D") == ["t1"]
    assert names("result=5") == ["t1"]
    assert names("workflow_execution_id=%s" % ex.id) == ["t1", "t2"]
    assert names("workflow_execution_id=%s" % UUID) == []
    assert names("sort_keys=name&sort_dirs=desc") == ["t2", "t1"]
    page = app.get("/v2/tasks?limit=1").json
    assert page["tasks"][0]["id"] == t1.id
    assert page["next"].endswith("limit=1&marker=%s" % t1.id)
    assert names("marker=%s" % t1.id) == ["t2"]
    assert app.get("/v2/tasks?fields=name").json["tasks"][1] == {
        "id": t2.id, "name": "t2"}


@pytest.mark.parametrize("query, status, message", [
    ("workflow_id=abc", 400, "Invalid input for field/attribute "
     "workflow_id. Value: 'abc'. unable to convert to uuid. Error: "
     "Expected a uuid but received abc."),
    ("sort_keys=bogus", 400, "Sort key supplied is invalid: bogus"),
    ("processed=maybe", 400, "Invalid input for field/attribute processed. "
     "Value: 'maybe'. unable to convert to boolean. Error: Unrecognized "
     "value 'maybe', acceptable values are: true, false, 1, 0, yes, no"),
    ("all_projects=true", 400, 'Unknown argument: "all_projects"'),
    ("reset=true", 400, "Tasks can not be filtered by 'reset': it is not a "
     "field of a task execution."),
])
def test_list_tasks_errors(app, query, status, message):
    assert fault(app.get("/v2/tasks?" + query, status=status)) == message


def test_task_action_executions_and_workflow_executions(app):
    ex = wf_ex()
    task = task_ex(ex)
    a1 = action_ex(task, created_at=at(1))
    action_ex(task_ex(ex, name="other"))
    listed = app.get("/v2/tasks/%s/action_executions" % task.id).json[
        "action_executions"]
    assert [a["id"] for a in listed] == [a1.id]
    one = app.get("/v2/tasks/%s/action_executions/%s" % (task.id, a1.id))
    assert one.json["output"] == '{"result": 1}'
    sub = wf_ex(task_execution_id=task.id, root_execution_id=ex.id)
    listed = app.get("/v2/tasks/%s/workflow_executions" % task.id).json[
        "executions"]
    assert [e["id"] for e in listed] == [sub.id]
    assert app.get("/v2/tasks/%s/workflow_executions" % UUID).json == {
        "executions": []}


# Rerun and skip.

@pytest.mark.parametrize("state, body, message", [
    ("SUCCESS", {}, "Invalid task state. Only updating task to RUNNING or "
     "SKIPPED is supported."),
    ("SUCCESS", {"state": "SUCCESS"}, "Invalid task state. Only updating "
     "task to RUNNING or SKIPPED is supported."),
    ("SUCCESS", {"state": "RUNNING", "reset": True}, "The current task "
     "execution must be in ERROR for rerun. Only updating task to rerun is "
     "supported."),
    ("SUCCESS", {"name": "zz", "state": "RUNNING"},
     "Task name does not match."),
    ("SUCCESS", {"workflow_name": "zz", "state": "RUNNING"},
     "Workflow name does not match."),
    ("ERROR", {"state": "RUNNING"}, "Reset field is mandatory to rerun "
     "task."),
    ("ERROR", {"state": "RUNNING", "reset": False}, "Only with-items task "
     "has the option to not reset."),
    ("ERROR", {"bogus": 1}, "Unknown attribute for argument task: bogus"),
])
def test_rerun_errors(app, engine, state, body, message):
    task = task_ex(wf_ex(), state=state)
    resp = app.put_json("/v2/tasks/%s" % task.id, body, status=400)
    assert fault(resp) == message
    assert engine.calls == []


def test_rerun_unknown_task(app, engine):
    resp = app.put_json("/v2/tasks/%s" % UUID, {"state": "RUNNING"},
                        status=404)
    assert fault(resp) == "Task execution not found [id=%s]" % UUID


def test_rerun_goes_to_the_engine(app, engine):
    task = task_ex(wf_ex(), state="ERROR")
    body = app.put_json("/v2/tasks/%s" % task.id,
                        {"state": "RUNNING", "reset": True,
                         "env": {"k": 1}}).json
    assert engine.calls == [("rerun_workflow", {
        "args": (task.id,), "reset": True, "env": {"k": 1}})]
    assert body["id"] == task.id and "result" in body


def test_rerun_with_items_without_reset(app, engine):
    task = task_ex(wf_ex(), state="ERROR", spec={"with-items": "x in [1]"})
    app.put_json("/v2/tasks/%s" % task.id, {"state": "RUNNING",
                                            "reset": False})
    assert engine.calls[-1][1]["reset"] is False


def test_skip_goes_to_the_engine(app, engine):
    task = task_ex(wf_ex(), state="ERROR")
    app.put_json("/v2/tasks/%s" % task.id, {"state": "SKIPPED"})
    assert engine.calls == [("skip_task", {"args": (task.id,)})]
