"""Project B's private rows of every kind, each holding ``SECRET``, and
every attempt project A's member makes on them, for
``test_tenant_isolation.py``.

An attempt is (what, method, path, keyword arguments for
``Caller.request``, expected): an expected status, or ``EMPTY`` for a list
Mistral answers without looking for its parent (200 with nothing in it).
"""

import json

SECRET = "b-secret-7d1e"

# A 200 list with no row in it.
EMPTY = "200, empty"

B_WF = """---
version: '2.0'
b_private_wf:
  input:
    - secret: %s
  tasks:
    t1:
      action: std.echo output=<%% $.secret %%>
      publish:
        copy: <%% task().result %%>
    t2:
      workflow: b_sub_wf
b_sub_wf:
  tasks:
    s1:
      action: std.noop
""" % SECRET

B_WORKBOOK = """---
version: '2.0'
name: b_private_book
description: %s
workflows:
  wb_wf:
    tasks:
      t:
        action: std.noop
""" % SECRET

B_ACTION = """---
version: '2.0'
b_private_action:
  base: std.echo
  base-input:
    output: %s
""" % SECRET

B_MODULE = '''SECRET = "%s"


class Tell:
    def run(self, context):
        return SECRET
''' % SECRET

PUBLIC_WF = """---
version: '2.0'
shared_public_wf:
  tasks:
    t:
      action: std.noop
"""

TEXT = {"headers": {"Content-Type": "text/plain"}}


def created(resp):
    assert resp.status_code in (200, 201), resp.text
    return resp.json()


def b_rows(b, b_admin):
    """Make B's rows (``b_admin`` the code source and dynamic action,
    admin-only by default); their ids and names."""
    rows = {}
    rows["wf"] = created(b.post_definition("/workflows", B_WF))[
        "workflows"][0]["id"]
    rows["workbook"] = created(b.post_definition(
        "/workbooks", B_WORKBOOK))["id"]
    rows["action"] = created(b.post_definition("/actions", B_ACTION))[
        "actions"][0]["id"]
    rows["env"] = created(b.post("/environments", json={
        "name": "b_private_env", "variables": {"secret": SECRET}}))["id"]
    rows["cron"] = created(b.post("/cron_triggers", json={
        "name": "b_private_cron", "workflow_name": "b_private_wf",
        "pattern": "0 0 1 1 *", "workflow_input": {"secret": SECRET}}))["id"]
    rows["event_trigger"] = created(b.post("/event_triggers", json={
        "name": "b_private_evt", "workflow_id": rows["wf"],
        "exchange": "b_exchange", "topic": "b_topic", "event": "b.event",
        "workflow_input": {"secret": SECRET}}))["id"]
    rows["code_source"] = created(b_admin.post_definition(
        "/code_sources", B_MODULE, name="b_private_mod"))["id"]
    rows["dynamic_action"] = created(b_admin.post(
        "/dynamic_actions", json={
            "name": "b_private_dyn", "class_name": "Tell",
            "code_source_name": "b_private_mod"}))["id"]
    ex = created(b.post("/executions", json={
        "workflow_name": "b_private_wf", "input": {"secret": SECRET},
        "params": {"env": "b_private_env"}}))
    ex = b.finished_execution(ex["id"])
    assert ex["state"] == "SUCCESS", ex["state_info"]
    rows["ex"] = ex["id"]
    tasks = b.get("/executions/%s/tasks" % ex["id"]).json()["tasks"]
    by_name = {t["name"]: t["id"] for t in tasks}
    rows["task"], rows["wf_task"] = by_name["t1"], by_name["t2"]
    rows["sub_ex"] = [e["id"] for e in b.get(
        "/executions/%s/executions" % ex["id"]).json()["executions"]
        if e["id"] != ex["id"]][0]
    rows["action_ex"] = b.get("/tasks/%s/action_executions" % rows[
        "task"]).json()["action_executions"][0]["id"]
    rows["adhoc_action_ex"] = created(b.post("/action_executions", json={
        "name": "b_private_action", "input": "{}",
        "params": json.dumps({"save_result": True})}))["id"]
    return rows


def _definitions(rows):
    wf, action = rows["wf"], rows["action"]
    return [
        ("get workflow", "GET", "/workflows/" + wf, {}, 404),
        ("get workflow by name", "GET", "/workflows/b_private_wf", {}, 404),
        ("update workflow", "PUT", "/workflows",
         dict(TEXT, data=B_WF.replace(SECRET, "x")), 404),
        ("update workflow by id", "PUT", "/workflows/" + wf,
         dict(TEXT, data=PUBLIC_WF.replace("shared_public_wf", "x")), 404),
        ("delete workflow", "DELETE", "/workflows/" + wf, {}, 404),
        ("delete workflow by name", "DELETE", "/workflows/b_private_wf",
         {}, 404),
        ("get workbook", "GET", "/workbooks/b_private_book", {}, 404),
        ("update workbook", "PUT", "/workbooks",
         dict(TEXT, data=B_WORKBOOK), 404),
        ("delete workbook", "DELETE", "/workbooks/b_private_book", {}, 404),
        ("get workbook's workflow", "GET",
         "/workflows/b_private_book.wb_wf", {}, 404),
        ("get action", "GET", "/actions/" + action, {}, 404),
        ("get action by name", "GET", "/actions/b_private_action", {}, 404),
        ("update action", "PUT", "/actions", dict(TEXT, data=B_ACTION), 404),
        ("update action by id", "PUT", "/actions/" + action,
         dict(TEXT, data=B_ACTION), 404),
        ("delete action", "DELETE", "/actions/b_private_action", {}, 404),
        ("delete action by id", "DELETE", "/actions/" + action, {}, 404),
        ("get dynamic action as an action", "GET", "/actions/b_private_dyn",
         {}, 404),
        ("get environment", "GET", "/environments/b_private_env", {}, 404),
        ("update environment", "PUT", "/environments", {"json": {
            "name": "b_private_env", "variables": {"x": 1}}}, 404),
        ("delete environment", "DELETE", "/environments/b_private_env",
         {}, 404),
        # Code sources and dynamic actions are the admin's (policy).
        ("list code sources", "GET", "/code_sources", {}, 403),
        ("get code source", "GET", "/code_sources/b_private_mod", {}, 403),
        ("update code source", "PUT", "/code_sources/b_private_mod",
         dict(TEXT, data="x = 1\n"), 403),
        ("delete code source", "DELETE", "/code_sources/b_private_mod", {},
         403),
        ("create code source", "POST", "/code_sources?name=a_mod",
         dict(TEXT, data="x = 1\n"), 403),
        ("list dynamic actions", "GET", "/dynamic_actions", {}, 403),
        ("get dynamic action", "GET", "/dynamic_actions/b_private_dyn", {},
         403),
        ("update dynamic action", "PUT", "/dynamic_actions", {"json": {
            "name": "b_private_dyn", "class_name": "Other"}}, 403),
        ("delete dynamic action", "DELETE",
         "/dynamic_actions/b_private_dyn", {}, 403),
        ("create dynamic action", "POST", "/dynamic_actions", {"json": {
            "name": "a_dyn", "class_name": "Tell",
            "code_source_name": "b_private_mod"}}, 403),
    ]


def _triggers(rows):
    evt = rows["event_trigger"]
    return [
        ("get cron trigger", "GET", "/cron_triggers/b_private_cron", {}, 404),
        ("get cron trigger by id", "GET", "/cron_triggers/" + rows["cron"],
         {}, 404),
        ("delete cron trigger", "DELETE", "/cron_triggers/b_private_cron",
         {}, 404),
        ("delete cron trigger by id", "DELETE",
         "/cron_triggers/" + rows["cron"], {}, 404),
        ("create cron trigger of B's workflow", "POST", "/cron_triggers",
         {"json": {"name": "a_cron", "workflow_name": "b_private_wf",
                   "pattern": "0 0 1 1 *"}}, 404),
        ("create cron trigger of B's workflow by id", "POST",
         "/cron_triggers", {"json": {"name": "a_cron2",
                                     "workflow_id": rows["wf"],
                                     "pattern": "0 0 1 1 *"}}, 404),
        ("get event trigger", "GET", "/event_triggers/" + evt, {}, 404),
        ("update event trigger", "PUT", "/event_triggers/" + evt,
         {"json": {"name": "mine"}}, 404),
        ("delete event trigger", "DELETE", "/event_triggers/" + evt, {},
         404),
        ("create event trigger of B's workflow", "POST", "/event_triggers",
         {"json": {"name": "a_evt", "workflow_id": rows["wf"],
                   "exchange": "e", "topic": "t", "event": "v"}}, 404),
    ]


def _executions(rows):
    ex, sub = rows["ex"], rows["sub_ex"]
    attempts = [
        ("get execution", "GET", "/executions/" + ex, {}, 404),
        ("get sub-execution", "GET", "/executions/" + sub, {}, 404),
        ("get execution's tasks", "GET", "/executions/%s/tasks" % ex, {},
         404),
        ("get execution's report", "GET", "/executions/%s/report" % ex, {},
         404),
        ("get sub-execution's report", "GET",
         "/executions/%s/report" % sub, {}, 404),
        ("get execution's sub-executions", "GET",
         "/executions/%s/executions" % ex, {}, 404),
        ("change execution's description", "PUT", "/executions/" + ex,
         {"json": {"description": "mine"}}, 404),
        ("change execution's env", "PUT", "/executions/" + ex,
         {"json": {"params": {"env": {"a": 1}}}}, 404),
        ("delete execution", "DELETE", "/executions/" + ex, {}, 404),
        ("force-delete execution", "DELETE",
         "/executions/%s?force=true" % ex, {}, 404),
        ("create an execution with B's execution id", "POST", "/executions",
         {"json": {"id": ex, "workflow_name": "a_wf"}}, 400),
        ("run B's workflow", "POST", "/executions",
         {"json": {"workflow_id": rows["wf"]}}, 404),
        ("run B's workflow by name", "POST", "/executions",
         {"json": {"workflow_name": "b_private_wf"}}, 404),
        ("run B's workbook's workflow", "POST", "/executions",
         {"json": {"workflow_name": "b_private_book.wb_wf"}}, 404),
        ("run with B's environment", "POST", "/executions",
         {"json": {"workflow_name": "a_wf",
                   "params": {"env": "b_private_env"}}}, 400),
        ("replay B's execution", "POST", "/executions",
         {"json": {"source_execution_id": ex}}, 404),
    ]
    for state in ("PAUSED", "RUNNING", "SUCCESS", "ERROR", "CANCELLED"):
        attempts.append(("set execution %s" % state, "PUT",
                         "/executions/" + ex, {"json": {"state": state}},
                         404))
    return attempts


def _tasks_and_actions(rows):
    task, wf_task = rows["task"], rows["wf_task"]
    aex, adhoc = rows["action_ex"], rows["adhoc_action_ex"]
    attempts = [
        ("get task", "GET", "/tasks/" + task, {}, 404),
        ("rerun task", "PUT", "/tasks/" + task,
         {"json": {"state": "RUNNING", "reset": True}}, 404),
        ("skip task", "PUT", "/tasks/" + task, {"json": {"state": "SKIPPED"}},
         404),
        ("get task's action executions", "GET",
         "/tasks/%s/action_executions" % task, {}, EMPTY),
        ("get task's action execution", "GET",
         "/tasks/%s/action_executions/%s" % (task, aex), {}, 404),
        ("get task's workflow executions", "GET",
         "/tasks/%s/workflow_executions" % wf_task, {}, EMPTY),
        ("get task's sub-workflow executions", "GET",
         "/tasks/%s/executions" % wf_task, {}, 404),
        ("get action execution", "GET", "/action_executions/" + aex, {},
         404),
        ("get ad-hoc action execution", "GET", "/action_executions/" + adhoc,
         {}, 404),
        ("delete action execution", "DELETE", "/action_executions/" + adhoc,
         {}, 404),
        ("delete task's action execution", "DELETE",
         "/action_executions/" + aex, {}, 404),
        ("run B's ad-hoc action", "POST", "/action_executions",
         {"json": {"name": "b_private_action"}}, 400),
        ("run B's dynamic action", "POST", "/action_executions",
         {"json": {"name": "b_private_dyn"}}, 400),
        ("run an action with B's action execution id", "POST",
         "/action_executions", {"json": {"id": adhoc, "name": "std.noop"}},
         400),
    ]
    for state in ("SUCCESS", "ERROR", "CANCELLED", "PAUSED", "RUNNING"):
        attempts.append(("set action execution %s" % state, "PUT",
                         "/action_executions/" + aex,
                         {"json": {"state": state, "output": "{}"}}, 404))
    return attempts


def attempts(rows):
    """Every attempt A's member makes on B's rows."""
    return (_definitions(rows) + _triggers(rows) + _executions(rows) +
            _tasks_and_actions(rows))
