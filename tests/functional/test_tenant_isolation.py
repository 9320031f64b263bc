"""Tenant isolation over HTTP, with two real Keystone projects.

Project B's member makes a private row of every kind (workflow, workbook,
ad-hoc action, environment, cron trigger, executions with tasks and action
executions, a stand-alone action execution), each holding ``SECRET``. Then
project A's member tries to see, run, change and delete each of them by
every endpoint and method: each attempt is refused as Mistral refuses it
(404 for a row the caller may not see; 403 for the admin-only filters;
400 for an execution id that B's execution holds) and no answer carries
``SECRET``. Public rows are seen and run by everyone and changed by their
owner only; the admin sees every project with ``all_projects``.
"""

import json

import pytest

from tests.functional import keystone_api

SECRET = "b-secret-7d1e"

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

PUBLIC_WF = """---
version: '2.0'
shared_public_wf:
  tasks:
    t:
      action: std.noop
"""


@pytest.fixture(scope="module")
def world(keystone, tmp_path_factory):
    """A server with auth on, B's private rows and an admin's public
    workflow; the ids of B's rows and a caller per user."""
    with keystone_api.auth_server(
            keystone, tmp_path_factory.mktemp("tenancy"),
            extra_conf="[api]\nallow_action_execution_deletion = True\n"
    ) as url:
        callers = {user: keystone_api.Caller(url, keystone.token(user))
                   for user in ("a-member", "a-reader", "a-admin",
                                "b-member")}
        yield dict(_b_rows(callers["b-member"]),
                   public_wf=_public_wf(callers["a-admin"]),
                   callers=callers, keystone=keystone)


def _created(resp):
    assert resp.status_code in (200, 201), resp.text
    return resp.json()


def _b_rows(b):
    rows = {}
    rows["wf"] = _created(b.post_definition("/workflows", B_WF))[
        "workflows"][0]["id"]
    rows["workbook"] = "b_private_book"
    _created(b.post_definition("/workbooks", B_WORKBOOK))
    rows["action"] = _created(b.post_definition("/actions", B_ACTION))[
        "actions"][0]["id"]
    _created(b.post("/environments", json={
        "name": "b_private_env", "variables": {"secret": SECRET}}))
    rows["env"] = "b_private_env"
    _created(b.post("/cron_triggers", json={
        "name": "b_private_cron", "workflow_name": "b_private_wf",
        "pattern": "0 0 1 1 *", "workflow_input": {"secret": SECRET}}))
    rows["cron"] = "b_private_cron"
    ex = _created(b.post("/executions", json={
        "workflow_name": "b_private_wf", "input": {"secret": SECRET},
        "params": {"env": "b_private_env"}}))
    ex = b.finished_execution(ex["id"])
    assert ex["state"] == "SUCCESS", ex["state_info"]
    rows["ex"] = ex["id"]
    tasks = b.get("/executions/%s/tasks" % ex["id"]).json()["tasks"]
    by_name = {t["name"]: t["id"] for t in tasks}
    rows["task"], rows["wf_task"] = by_name["t1"], by_name["t2"]
    rows["action_ex"] = b.get("/tasks/%s/action_executions" % rows[
        "task"]).json()["action_executions"][0]["id"]
    rows["adhoc_action_ex"] = _created(b.post("/action_executions", json={
        "name": "b_private_action", "input": "{}",
        "params": json.dumps({"save_result": True})}))["id"]
    return rows


def _public_wf(admin):
    return _created(admin.post_definition(
        "/workflows", PUBLIC_WF, scope="public"))["workflows"][0]["id"]


def _attempts(rows):
    """(what, method, path, keyword arguments, expected status) of every
    attempt A's member makes on B's rows."""
    ex, task, aex = rows["ex"], rows["task"], rows["action_ex"]
    text = {"headers": {"Content-Type": "text/plain"}}
    return [
        ("get workflow", "GET", "/workflows/" + rows["wf"], {}, 404),
        ("get workflow by name", "GET", "/workflows/b_private_wf", {}, 404),
        ("update workflow", "PUT", "/workflows",
         dict(text, data=B_WF.replace(SECRET, "x")), 404),
        ("update workflow by id", "PUT", "/workflows/" + rows["wf"],
         dict(text, data=PUBLIC_WF.replace("shared_public_wf", "x")), 404),
        ("delete workflow", "DELETE", "/workflows/" + rows["wf"], {}, 404),
        ("delete workflow by name", "DELETE", "/workflows/b_private_wf",
         {}, 404),
        ("get workbook", "GET", "/workbooks/b_private_book", {}, 404),
        ("update workbook", "PUT", "/workbooks",
         dict(text, data=B_WORKBOOK), 404),
        ("delete workbook", "DELETE", "/workbooks/b_private_book", {}, 404),
        ("get action", "GET", "/actions/" + rows["action"], {}, 404),
        ("get action by name", "GET", "/actions/b_private_action", {}, 404),
        ("update action", "PUT", "/actions", dict(text, data=B_ACTION), 404),
        ("delete action", "DELETE", "/actions/b_private_action", {}, 404),
        ("get environment", "GET", "/environments/b_private_env", {}, 404),
        ("update environment", "PUT", "/environments", {"json": {
            "name": "b_private_env", "variables": {"x": 1}}}, 404),
        ("delete environment", "DELETE", "/environments/b_private_env",
         {}, 404),
        ("get cron trigger", "GET", "/cron_triggers/b_private_cron", {}, 404),
        ("delete cron trigger", "DELETE", "/cron_triggers/b_private_cron",
         {}, 404),
        ("get execution", "GET", "/executions/" + ex, {}, 404),
        ("get execution's tasks", "GET", "/executions/%s/tasks" % ex, {},
         404),
        ("get execution's report", "GET", "/executions/%s/report" % ex, {},
         404),
        ("get execution's sub-executions", "GET",
         "/executions/%s/executions" % ex, {}, 404),
        ("change execution's description", "PUT", "/executions/" + ex,
         {"json": {"description": "mine"}}, 404),
        ("pause execution", "PUT", "/executions/" + ex,
         {"json": {"state": "PAUSED"}}, 404),
        ("change execution's env", "PUT", "/executions/" + ex,
         {"json": {"params": {"env": {"a": 1}}}}, 404),
        ("delete execution", "DELETE", "/executions/" + ex, {}, 404),
        ("create an execution with B's execution id", "POST", "/executions",
         {"json": {"id": ex, "workflow_name": "a_wf"}}, 400),
        ("run B's workflow", "POST", "/executions",
         {"json": {"workflow_id": rows["wf"]}}, 404),
        ("run B's workflow by name", "POST", "/executions",
         {"json": {"workflow_name": "b_private_wf"}}, 404),
        ("run with B's environment", "POST", "/executions",
         {"json": {"workflow_name": "a_wf",
                   "params": {"env": "b_private_env"}}}, 400),
        ("replay B's execution", "POST", "/executions",
         {"json": {"source_execution_id": ex}}, 404),
        ("get task", "GET", "/tasks/" + task, {}, 404),
        ("rerun task", "PUT", "/tasks/" + task,
         {"json": {"state": "RUNNING", "reset": True}}, 404),
        # A list of rows of the task (Mistral does not look for the task).
        ("get task's action executions", "GET",
         "/tasks/%s/action_executions" % task, {}, 200),
        ("get task's action execution", "GET",
         "/tasks/%s/action_executions/%s" % (task, aex), {}, 404),
        ("get task's sub-workflow executions", "GET",
         "/tasks/%s/executions" % rows["wf_task"], {}, 404),
        ("get action execution", "GET", "/action_executions/" + aex, {},
         404),
        ("get ad-hoc action execution", "GET",
         "/action_executions/" + rows["adhoc_action_ex"], {}, 404),
        ("complete action execution", "PUT", "/action_executions/" + aex,
         {"json": {"state": "SUCCESS", "output": "{}"}}, 404),
        ("delete action execution", "DELETE",
         "/action_executions/" + rows["adhoc_action_ex"], {}, 404),
        ("run B's ad-hoc action", "POST", "/action_executions",
         {"json": {"name": "b_private_action"}}, 400),
        ("create cron trigger of B's workflow", "POST", "/cron_triggers",
         {"json": {"name": "a_cron", "workflow_name": "b_private_wf",
                   "pattern": "0 0 1 1 *"}}, 404),
    ]


def test_a_member_cannot_reach_b_rows(world):
    a = world["callers"]["a-member"]
    # A's own workflow, so that refusals are about B's rows only.
    _created(a.post_definition("/workflows", PUBLIC_WF.replace(
        "shared_public_wf", "a_wf")))
    outcomes = []
    for what, method, path, kwargs, expected in _attempts(world):
        resp = a.request(method, path, **kwargs)
        outcomes.append((what, resp.status_code, SECRET in resp.text))
    wanted = [(what, expected, False)
              for what, _m, _p, _k, expected in _attempts(world)]
    assert outcomes == wanted
    # Nothing of B's changed.
    b = world["callers"]["b-member"]
    for path in ("/workflows/" + world["wf"], "/workbooks/b_private_book",
                 "/actions/b_private_action", "/environments/b_private_env",
                 "/cron_triggers/b_private_cron",
                 "/executions/" + world["ex"],
                 "/action_executions/" + world["adhoc_action_ex"]):
        assert b.get(path).status_code == 200, path
    assert SECRET in b.get("/environments/b_private_env").text


LISTS = ["/workflows", "/workbooks", "/actions", "/environments",
         "/cron_triggers", "/executions", "/tasks", "/action_executions"]


# Mistral's admin-only list options, and the lists that have them (the
# others do not know the argument: 400, as in Mistral).
ADMIN_FILTERED = ("/workflows", "/executions", "/cron_triggers")


@pytest.mark.parametrize("path", LISTS)
def test_lists_show_only_the_callers_project(world, path):
    a = world["callers"]["a-member"]
    resp = a.get(path)
    assert resp.status_code == 200
    assert SECRET not in resp.text and "b_private" not in resp.text
    assert world["ex"] not in resp.text
    project_b = world["keystone"].project_ids["b"]
    for params in ({"all_projects": "true"}, {"project_id": project_b}):
        refused = a.get(path, params=params)
        expected = 403 if path in ADMIN_FILTERED else 400
        assert refused.status_code == expected, (params, refused.text)
        assert SECRET not in refused.text


@pytest.mark.parametrize("path,marker_key", [
    ("/executions", "ex"), ("/tasks", "task"),
    ("/action_executions", "action_ex"), ("/workflows", "wf"),
    ("/actions", "action")])
def test_a_marker_of_b_row_tells_nothing(world, path, marker_key):
    a = world["callers"]["a-member"]
    resp = a.get(path, params={"marker": world[marker_key]})
    assert resp.status_code == 404, resp.text
    assert SECRET not in resp.text


@pytest.mark.parametrize("path,name_filter", [
    ("/executions", {"workflow_name": "b_private_wf"}),
    ("/executions", {"input": json.dumps({"secret": SECRET})}),
    ("/tasks", {"workflow_execution_id": "EX"}),
    ("/action_executions", {"name": "b_private_action"}),
    ("/workflows", {"name": "b_private_wf"}),
    ("/cron_triggers", {"workflow_name": "b_private_wf"}),
])
def test_filters_find_nothing_of_b(world, path, name_filter):
    a = world["callers"]["a-member"]
    params = {k: (world["ex"] if v == "EX" else v)
              for k, v in name_filter.items()}
    resp = a.get(path, params=params)
    assert resp.status_code == 200, resp.text
    listed = resp.json()[path.strip("/")]
    assert listed == []


def test_admin_sees_every_project_with_all_projects(world):
    admin = world["callers"]["a-admin"]
    project_b = world["keystone"].project_ids["b"]
    for path in ADMIN_FILTERED:
        own = admin.get(path).json()[path.strip("/")]
        assert project_b not in {row.get("project_id") for row in own}
        every = admin.get(path, params={"all_projects": "true"})
        assert every.status_code == 200
        assert project_b in {row.get("project_id")
                             for row in every.json()[path.strip("/")]}, path
        only_b = admin.get(path, params={"all_projects": "true",
                                         "project_id": project_b})
        assert {row.get("project_id") for row in only_b.json()[
            path.strip("/")]} == {project_b}, path


def test_public_workflow_is_seen_and_run_but_not_changed(world):
    """A's admin made it public: B sees and runs it; B may not change or
    delete it (403, as Mistral answers for another project's public
    row)."""
    a = world["callers"]["a-member"]
    b = world["callers"]["b-member"]
    wf_id = world["public_wf"]
    for caller in (a, b):
        listed = caller.get("/workflows").json()["workflows"]
        assert wf_id in [w["id"] for w in listed]
        assert caller.get("/workflows/" + wf_id).status_code == 200
        run = _created(caller.post("/executions",
                                   json={"workflow_id": wf_id}))
        assert caller.finished_execution(run["id"])["state"] == "SUCCESS"
    changed = b.post_definition("/workflows", PUBLIC_WF, _method="PUT")
    assert changed.status_code == 403, changed.text
    deleted = b.delete("/workflows/" + wf_id)
    assert deleted.status_code == 403, deleted.text
    assert b.get("/workflows/" + wf_id).json()["scope"] == "public"


A_SPY = """---
version: '2.0'
a_spy:
  input:
    - b_ex
    - b_task
  tasks:
    look:
      action: std.noop
      publish:
        every_execution: <% executions().select($.id) %>
        b_by_id: <% executions(id => $.b_ex) %>
        b_tasks: <% tasks($.b_ex) %>
        b_tasks_deep: <% tasks($.b_ex, true) %>
        jinja_executions: "{{ executions() }}"
        jinja_b_tasks: "{{ tasks(_.b_ex) }}"
        own: <% execution().id %>
"""


def test_expression_functions_see_only_the_callers_project(world):
    """A's workflow asks for B's executions and tasks by every function
    and gets none of them (issue 13's second leak)."""
    a = world["callers"]["a-member"]
    _created(a.post_definition("/workflows", A_SPY))
    run = _created(a.post("/executions", json={
        "workflow_name": "a_spy",
        "input": {"b_ex": world["ex"], "b_task": world["task"]}}))
    done = a.finished_execution(run["id"])
    assert done["state"] == "SUCCESS", done["state_info"]
    task = a.get("/executions/%s/tasks" % run["id"]).json()["tasks"][0]
    published = json.loads(task["published"])
    assert published["own"] == run["id"]
    assert world["ex"] not in json.dumps(published["every_execution"])
    assert run["id"] in published["every_execution"]
    assert published["b_by_id"] == []
    assert published["b_tasks"] == [] and published["b_tasks_deep"] == []
    assert world["ex"] not in published["jinja_executions"]
    assert published["jinja_b_tasks"] == []
    assert SECRET not in task["published"]


def test_reader_reads_its_project_and_writes_nothing(world):
    """A's reader sees what A's member made and may change none of it,
    nor make anything (Mistral 23's defaults let a reader write)."""
    member = world["callers"]["a-member"]
    reader = world["callers"]["a-reader"]
    _created(member.post_definition("/workflows", PUBLIC_WF.replace(
        "shared_public_wf", "a_read_wf")))
    _created(member.post("/environments", json={
        "name": "a_env", "variables": {"v": 1}}))
    ex = _created(member.post("/executions", json={
        "workflow_name": "a_read_wf"}))
    member.finished_execution(ex["id"])
    for path in ("/workflows/a_read_wf", "/environments/a_env",
                 "/executions/" + ex["id"], "/executions/%s/tasks" % ex["id"],
                 "/workflows", "/executions", "/tasks", "/environments",
                 "/action_executions", "/workbooks", "/actions",
                 "/cron_triggers"):
        assert reader.get(path).status_code == 200, path
    text = {"headers": {"Content-Type": "text/plain"}}
    writes = [
        ("POST", "/workflows", dict(text, data=PUBLIC_WF.replace(
            "shared_public_wf", "r_wf"))),
        ("PUT", "/workflows", dict(text, data=PUBLIC_WF.replace(
            "shared_public_wf", "a_read_wf"))),
        ("DELETE", "/workflows/a_read_wf", {}),
        ("POST", "/workbooks", dict(text, data=B_WORKBOOK.replace(
            "b_private_book", "r_book"))),
        ("POST", "/actions", dict(text, data=B_ACTION.replace(
            "b_private_action", "r_action"))),
        ("POST", "/environments", {"json": {"name": "r_env",
                                            "variables": {}}}),
        ("PUT", "/environments", {"json": {"name": "a_env",
                                           "variables": {"v": 2}}}),
        ("DELETE", "/environments/a_env", {}),
        ("POST", "/executions", {"json": {"workflow_name": "a_read_wf"}}),
        ("PUT", "/executions/" + ex["id"], {"json": {"description": "r"}}),
        ("DELETE", "/executions/" + ex["id"], {}),
        ("POST", "/action_executions", {"json": {"name": "std.noop"}}),
        ("POST", "/cron_triggers", {"json": {
            "name": "r_cron", "workflow_name": "a_read_wf",
            "pattern": "0 0 1 1 *"}}),
    ]
    outcomes = [(method, path, reader.request(method, path, **kw).status_code)
                for method, path, kw in writes]
    assert outcomes == [(method, path, 403) for method, path, _kw in writes]
    assert member.get("/environments/a_env").json()["variables"] == \
        json.dumps({"v": 1})


def test_public_definitions_of_every_kind(world):
    """A's admin publishes an action, a workbook and an environment: B's
    member sees and uses each and may change or delete none."""
    admin = world["callers"]["a-admin"]
    b = world["callers"]["b-member"]
    _created(admin.post_definition("/actions", B_ACTION.replace(
        "b_private_action", "pub_action"), scope="public"))
    _created(admin.post_definition("/workbooks", B_WORKBOOK.replace(
        "b_private_book", "pub_book"), scope="public"))
    _created(admin.post("/environments", json={
        "name": "pub_env", "variables": {"v": "shared"}, "scope": "public"}))
    for path in ("/actions/pub_action", "/workbooks/pub_book",
                 "/environments/pub_env"):
        assert b.get(path).status_code == 200, path
    run = _created(b.post("/action_executions", json={
        "name": "pub_action", "input": "{}"}))
    assert json.loads(run["output"]) == {"result": SECRET}
    ex = _created(b.post("/executions", json={
        "workflow_name": "pub_book.wb_wf", "params": {"env": "pub_env"}}))
    assert b.finished_execution(ex["id"])["state"] == "SUCCESS"
    text = {"headers": {"Content-Type": "text/plain"}}
    attempts = [
        ("PUT", "/actions", dict(text, data=B_ACTION.replace(
            "b_private_action", "pub_action"))),
        ("DELETE", "/actions/pub_action", {}),
        ("PUT", "/workbooks", dict(text, data=B_WORKBOOK.replace(
            "b_private_book", "pub_book"))),
        ("DELETE", "/workbooks/pub_book", {}),
        ("PUT", "/environments", {"json": {"name": "pub_env",
                                           "variables": {"v": "b"}}}),
        ("DELETE", "/environments/pub_env", {}),
    ]
    outcomes = [(m, p, b.request(m, p, **kw).status_code)
                for m, p, kw in attempts]
    # Mistral 23 lets any project change or delete another's public
    # action and workbook; here only the owner may (refused as not found
    # where the change looks among the caller's own rows only).
    assert outcomes == [
        ("PUT", "/actions", 404), ("DELETE", "/actions/pub_action", 403),
        ("PUT", "/workbooks", 404), ("DELETE", "/workbooks/pub_book", 404),
        ("PUT", "/environments", 404),
        ("DELETE", "/environments/pub_env", 404)]
    assert b.get("/environments/pub_env").json()["variables"] == \
        json.dumps({"v": "shared"})
    assert SECRET in b.get("/actions/pub_action").text
    assert b.get("/workbooks/pub_book").status_code == 200
