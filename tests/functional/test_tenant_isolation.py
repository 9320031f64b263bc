"""Tenant isolation over HTTP, with two real Keystone projects.

Project B makes a private row of every kind (``tenancy_world``), each
holding ``SECRET``. Then project A's member tries to see, run, change and
delete each of them by every endpoint and method: each attempt is refused
as Mistral refuses it (404 for a row the caller may not see; 403 for the
admin-only filters and resources; 400 for an id that B's row holds) and no
answer carries ``SECRET``. A's workflows cannot use B's definitions nor
read B's rows by any expression function. Public rows are seen and run by
everyone and changed by their owner only; the reader writes nothing; the
admin sees every project with ``all_projects``.
"""

import json

import pytest

from tests.functional import keystone_api
from tests.functional import tenancy_world as world_mod
from tests.functional.tenancy_world import (
    B_ACTION, B_WORKBOOK, EMPTY, PUBLIC_WF, SECRET, TEXT, created)

USERS = ("a-member", "a-reader", "a-admin", "b-member", "b-admin")

# Expressions are evaluated in their step whatever they take: on a busy
# machine the spy's would else be moved out of it, a path tested on its
# own (tests/unit/engine/test_execution_project.py).
EXTRA_CONF = ("[api]\nallow_action_execution_deletion = True\n"
              "[expressions]\nmax_time_in_transaction = 0\n")


@pytest.fixture(scope="module")
def world(keystone, tmp_path_factory):
    """A server with auth on, B's private rows and an admin's public
    workflow; the ids of B's rows and a caller per user."""
    with keystone_api.auth_server(
            keystone, tmp_path_factory.mktemp("tenancy"), token_cache=True,
            extra_conf=EXTRA_CONF) as url:
        callers = {user: keystone_api.Caller(url, keystone.token(user))
                   for user in USERS}
        rows = world_mod.b_rows(callers["b-member"], callers["b-admin"])
        # A's own workflow, so that refusals are about B's rows only.
        created(callers["a-member"].post_definition(
            "/workflows", PUBLIC_WF.replace("shared_public_wf", "a_wf")))
        public_wf = created(callers["a-admin"].post_definition(
            "/workflows", PUBLIC_WF, scope="public"))["workflows"][0]["id"]
        yield dict(rows, public_wf=public_wf, callers=callers,
                   keystone=keystone)


def _b_ids(world):
    return [v for k, v in world.items()
            if isinstance(v, str) and k != "public_wf"]


def _outcome(resp, expected):
    """What an answer shows: its status (EMPTY for a 200 with an empty
    list) and whether it carries SECRET."""
    status = resp.status_code
    if expected == EMPTY and status == 200:
        listed = [v for v in resp.json().values() if isinstance(v, list)]
        status = EMPTY if listed == [[]] else "200 with rows"
    return status, SECRET in resp.text


def test_a_member_cannot_reach_b_rows(world):
    a = world["callers"]["a-member"]
    attempts = world_mod.attempts(world)
    outcomes = [(what,) + _outcome(a.request(method, path, **kwargs),
                                   expected)
                for what, method, path, kwargs, expected in attempts]
    assert outcomes == [(what, expected, False)
                        for what, _m, _p, _k, expected in attempts]
    # Nothing of B's changed.
    b, b_admin = world["callers"]["b-member"], world["callers"]["b-admin"]
    for path in ("/workflows/" + world["wf"], "/workbooks/b_private_book",
                 "/actions/b_private_action", "/environments/b_private_env",
                 "/cron_triggers/b_private_cron",
                 "/event_triggers/" + world["event_trigger"],
                 "/executions/" + world["ex"], "/tasks/" + world["task"],
                 "/action_executions/" + world["action_ex"],
                 "/action_executions/" + world["adhoc_action_ex"]):
        assert b.get(path).status_code == 200, path
    for path in ("/code_sources/b_private_mod",
                 "/dynamic_actions/b_private_dyn"):
        assert b_admin.get(path).status_code == 200, path
    assert SECRET in b.get("/environments/b_private_env").text
    assert b.get("/event_triggers/" + world["event_trigger"]).json()[
        "name"] == "b_private_evt"
    assert b.get("/executions/" + world["ex"]).json()["state"] == "SUCCESS"


def test_a_member_makes_rows_of_its_own_with_b_names(world):
    """Names are per project: A's rows of B's names are A's, B's stay."""
    a = world["callers"]["a-member"]
    b = world["callers"]["b-member"]
    mine = created(a.post_definition("/workflows", world_mod.B_WF.replace(
        SECRET, "mine")))["workflows"]
    assert {w["project_id"] for w in mine} == {
        world["keystone"].project_ids["a"]}
    created(a.post("/environments", json={"name": "b_private_env",
                                          "variables": {"mine": 1}}))
    cron = created(a.post("/cron_triggers", json={
        "name": "b_private_cron", "workflow_name": "b_private_wf",
        "pattern": "0 0 1 1 *"}))
    assert cron["workflow_id"] == mine[0]["id"] != world["wf"]
    assert a.get("/environments/b_private_env").json()["variables"] == \
        json.dumps({"mine": 1})
    assert b.get("/environments/b_private_env").json()["variables"] == \
        json.dumps({"secret": SECRET})
    assert b.get("/workflows/b_private_wf").json()["id"] == world["wf"]
    assert b.get("/cron_triggers/b_private_cron").json()[
        "workflow_id"] == world["wf"]
    for path in ("/cron_triggers/b_private_cron",
                 "/environments/b_private_env", "/workflows/b_private_wf",
                 "/workflows/b_sub_wf"):
        assert a.delete(path).status_code == 204, path
        assert b.get(path).status_code == 200, path


A_USES_B = """---
version: '2.0'
a_uses_b_action:
  tasks:
    t:
      action: b_private_action
a_uses_b_dynamic_action:
  tasks:
    t:
      action: b_private_dyn
a_uses_b_workflow:
  tasks:
    t:
      workflow: b_private_wf
a_uses_b_workbook:
  tasks:
    t:
      workflow: b_private_book.wb_wf
"""


def test_a_workflow_cannot_use_b_definitions(world):
    """B's ad-hoc and dynamic actions and workflows are unknown to A's
    executions: each fails, and shows nothing of B's."""
    a = world["callers"]["a-member"]
    names = [w["name"] for w in created(a.post_definition(
        "/workflows", A_USES_B))["workflows"]]
    runs = [created(a.post("/executions", json={"workflow_name": name}))
            for name in names]
    for name, run in zip(names, runs):
        done = a.finished_execution(run["id"])
        assert done["state"] == "ERROR", (name, done["state_info"])
        task = a.get("/executions/%s/tasks" % run["id"]).json()["tasks"]
        assert SECRET not in json.dumps(task) + json.dumps(done), name
        listed = a.get("/action_executions", params={
            "task_execution_id": task[0]["id"]}).json()["action_executions"]
        assert all(x["state"] != "SUCCESS" for x in listed), name


LISTS = ["/workflows", "/workbooks", "/actions", "/environments",
         "/cron_triggers", "/event_triggers", "/executions", "/tasks",
         "/action_executions"]


# Mistral's admin-only list options, and the lists that have them (the
# others do not know the argument: 400, as in Mistral).
ADMIN_FILTERED = ("/workflows", "/executions", "/cron_triggers",
                  "/event_triggers")


@pytest.mark.parametrize("path", LISTS)
def test_lists_show_only_the_callers_project(world, path):
    a = world["callers"]["a-member"]
    resp = a.get(path)
    assert resp.status_code == 200
    assert SECRET not in resp.text
    assert not [i for i in _b_ids(world) if i in resp.text]
    project_b = world["keystone"].project_ids["b"]
    assert project_b not in resp.text
    for params in ({"all_projects": "true"}, {"project_id": project_b}):
        refused = a.get(path, params=params)
        expected = 403 if path in ADMIN_FILTERED else 400
        assert refused.status_code == expected, (params, refused.text)
        assert SECRET not in refused.text


@pytest.mark.parametrize("path,marker_key", [
    ("/executions", "ex"), ("/executions", "sub_ex"), ("/tasks", "task"),
    ("/action_executions", "action_ex"), ("/workflows", "wf"),
    ("/actions", "action"), ("/workbooks", "workbook"),
    ("/environments", "env"), ("/cron_triggers", "cron"),
    ("/event_triggers", "event_trigger")])
def test_a_marker_of_b_row_tells_nothing(world, path, marker_key):
    a = world["callers"]["a-member"]
    resp = a.get(path, params={"marker": world[marker_key]})
    assert resp.status_code == 404, resp.text
    assert SECRET not in resp.text


@pytest.mark.parametrize("path,name_filter", [
    ("/executions", {"workflow_name": "b_private_wf"}),
    ("/executions", {"workflow_id": "wf"}),
    ("/executions", {"input": json.dumps({"secret": SECRET})}),
    ("/executions", {"task_execution_id": "wf_task"}),
    ("/executions", {"root_execution_id": "ex"}),
    ("/tasks", {"workflow_execution_id": "ex"}),
    ("/tasks", {"workflow_id": "wf"}),
    ("/tasks", {"name": "t1"}),
    ("/action_executions", {"name": "b_private_action"}),
    ("/action_executions", {"task_execution_id": "task"}),
    ("/action_executions", {"task_name": "t1"}),
    ("/workflows", {"name": "b_private_wf"}),
    ("/actions", {"name": "b_private_action"}),
    ("/workbooks", {"name": "b_private_book"}),
    ("/environments", {"name": "b_private_env"}),
    ("/cron_triggers", {"workflow_name": "b_private_wf"}),
    ("/cron_triggers", {"workflow_id": "wf"}),
    ("/event_triggers", {"workflow_id": "wf"}),
])
def test_filters_find_nothing_of_b(world, path, name_filter):
    a = world["callers"]["a-member"]
    params = {k: world.get(v, v) for k, v in name_filter.items()}
    resp = a.get(path, params=params)
    assert resp.status_code == 200, resp.text
    assert resp.json()[path.strip("/")] == []


def test_admin_sees_every_project_with_all_projects(world):
    admin = world["callers"]["a-admin"]
    project_b = world["keystone"].project_ids["b"]
    for path in ADMIN_FILTERED + ("/code_sources", "/dynamic_actions"):
        items = path.strip("/")
        own = admin.get(path).json()[items]
        assert project_b not in {row.get("project_id") for row in own}, path
        every = admin.get(path, params={"all_projects": "true"})
        assert every.status_code == 200
        assert project_b in {row.get("project_id")
                             for row in every.json()[items]}, path
        if path in ADMIN_FILTERED:
            only_b = admin.get(path, params={"all_projects": "true",
                                             "project_id": project_b})
            assert {row.get("project_id") for row in only_b.json()[
                items]} == {project_b}, path
    # As in Mistral, an admin reaches any project's row by its id.
    for path in ("/executions/" + world["ex"], "/tasks/" + world["task"],
                 "/workflows/" + world["wf"],
                 "/event_triggers/" + world["event_trigger"],
                 "/code_sources/" + world["code_source"]):
        assert admin.get(path).status_code == 200, path


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
        run = created(caller.post("/executions",
                                  json={"workflow_id": wf_id}))
        done = caller.finished_execution(run["id"])
        assert done["state"] == "SUCCESS"
        assert done["project_id"] == caller_project(world, caller)
    changed = b.post_definition("/workflows", PUBLIC_WF, _method="PUT")
    assert changed.status_code == 403, changed.text
    deleted = b.delete("/workflows/" + wf_id)
    assert deleted.status_code == 403, deleted.text
    assert b.get("/workflows/" + wf_id).json()["scope"] == "public"


def caller_project(world, caller):
    for user, other in world["callers"].items():
        if other is caller:
            return world["keystone"].project_ids[user[0]]
    raise KeyError(caller)


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
        projects: <% executions().select($.project_id).distinct() %>
        b_by_id: <% executions(id => $.b_ex) %>
        b_by_root: <% executions(rootExecutionId => $.b_ex) %>
        b_tasks: <% tasks($.b_ex) %>
        b_tasks_deep: <% tasks($.b_ex, true) %>
        b_tasks_flat: <% tasks($.b_ex, true, null, true) %>
        every_task: <% tasks().select($.workflow_execution_id).distinct() %>
        b_task_named: <% task(t1) %>
        own: <% execution().id %>
        own_task: <% task().name %>
        env_seen: <% env() %>
        global_seen: <% global(copy) %>
        jinja_projects: "{{ executions()|map(attribute='project_id')|list }}"
        jinja_by_id: "{{ executions(id=_.b_ex) }}"
        jinja_by_root: "{{ executions(root_execution_id=_.b_ex) }}"
        jinja_b_tasks: "{{ tasks(_.b_ex) }}"
        jinja_b_tasks_deep: "{{ tasks(_.b_ex, true) }}"
        jinja_every_task: "{{ tasks() }}"
        jinja_b_task_named: "{{ task('t1') }}"
        jinja_own: "{{ execution().id }}"
        jinja_env: "{{ env() }}"
        jinja_global: "{{ global('copy') }}"
"""


def test_expression_functions_see_only_the_callers_project(world):
    """A's workflow asks for B's executions and tasks by every function,
    in YAQL and Jinja, and gets none of them (issue 13's second leak);
    env() and global() are its own execution's."""
    a = world["callers"]["a-member"]
    created(a.post_definition("/workflows", A_SPY))
    run = created(a.post("/executions", json={
        "workflow_name": "a_spy",
        "input": {"b_ex": world["ex"], "b_task": world["task"]},
        "params": {"env": {"mine": 1}}}))
    done = a.finished_execution(run["id"])
    assert done["state"] == "SUCCESS", done["state_info"]
    task = a.get("/executions/%s/tasks" % run["id"]).json()["tasks"][0]
    published = json.loads(task["published"])
    assert SECRET not in task["published"]
    assert not [i for i in _b_ids(world) if i in task["published"]]
    project_a = world["keystone"].project_ids["a"]
    assert published["own"] == published["jinja_own"] == run["id"]
    assert run["id"] in published["every_execution"]
    assert published["projects"] == [project_a]
    assert run["id"] in published["every_task"]
    for key in ("b_by_id", "b_by_root", "b_tasks", "b_tasks_deep",
                "b_tasks_flat", "jinja_by_id", "jinja_by_root",
                "jinja_b_tasks", "jinja_b_tasks_deep"):
        assert published[key] in ([], "[]"), key
    assert published["b_task_named"] is None
    assert published["jinja_b_task_named"] in (None, "None")
    assert published["own_task"] == "look"
    assert published["env_seen"] == {"mine": 1}
    assert published["global_seen"] is None
    assert set(published["jinja_projects"]) == {project_a}


def test_reader_reads_its_project_and_writes_nothing(world):
    """A's reader sees what A's member made and may change none of it,
    nor make anything (Mistral 23's defaults let a reader write)."""
    member = world["callers"]["a-member"]
    reader = world["callers"]["a-reader"]
    created(member.post_definition("/workflows", PUBLIC_WF.replace(
        "shared_public_wf", "a_read_wf")))
    created(member.post("/environments", json={
        "name": "a_env", "variables": {"v": 1}}))
    created(member.post_definition("/actions", B_ACTION.replace(
        "b_private_action", "a_action")))
    created(member.post_definition("/workbooks", B_WORKBOOK.replace(
        "b_private_book", "a_book")))
    created(member.post("/cron_triggers", json={
        "name": "a_read_cron", "workflow_name": "a_read_wf",
        "pattern": "0 0 1 1 *"}))
    wf_id = member.get("/workflows/a_read_wf").json()["id"]
    evt = created(member.post("/event_triggers", json={
        "name": "a_evt", "workflow_id": wf_id, "exchange": "a_ex",
        "topic": "a_topic", "event": "a.event"}))["id"]
    ex = created(member.post("/executions", json={
        "workflow_name": "a_read_wf"}))
    member.finished_execution(ex["id"])
    task = member.get("/executions/%s/tasks" % ex["id"]).json()["tasks"][0]
    aex = member.get("/tasks/%s/action_executions" % task["id"]).json()[
        "action_executions"][0]["id"]
    for path in ("/workflows/a_read_wf", "/environments/a_env",
                 "/actions/a_action", "/workbooks/a_book",
                 "/cron_triggers/a_read_cron", "/event_triggers/" + evt,
                 "/executions/" + ex["id"], "/executions/%s/tasks" % ex["id"],
                 "/executions/%s/report" % ex["id"], "/tasks/" + task["id"],
                 "/action_executions/" + aex,
                 "/workflows", "/executions", "/tasks", "/environments",
                 "/action_executions", "/workbooks", "/actions",
                 "/cron_triggers", "/event_triggers"):
        assert reader.get(path).status_code == 200, path
    wf_text = PUBLIC_WF.replace("shared_public_wf", "a_read_wf")
    writes = [
        ("POST", "/workflows", dict(TEXT, data=wf_text.replace(
            "a_read_wf", "r_wf"))),
        ("PUT", "/workflows", dict(TEXT, data=wf_text)),
        ("DELETE", "/workflows/a_read_wf", {}),
        ("POST", "/workbooks", dict(TEXT, data=B_WORKBOOK.replace(
            "b_private_book", "r_book"))),
        ("PUT", "/workbooks", dict(TEXT, data=B_WORKBOOK.replace(
            "b_private_book", "a_book"))),
        ("DELETE", "/workbooks/a_book", {}),
        ("POST", "/actions", dict(TEXT, data=B_ACTION.replace(
            "b_private_action", "r_action"))),
        ("PUT", "/actions", dict(TEXT, data=B_ACTION.replace(
            "b_private_action", "a_action"))),
        ("DELETE", "/actions/a_action", {}),
        ("POST", "/environments", {"json": {"name": "r_env",
                                            "variables": {}}}),
        ("PUT", "/environments", {"json": {"name": "a_env",
                                           "variables": {"v": 2}}}),
        ("DELETE", "/environments/a_env", {}),
        ("POST", "/executions", {"json": {"workflow_name": "a_read_wf"}}),
        ("PUT", "/executions/" + ex["id"], {"json": {"description": "r"}}),
        ("PUT", "/executions/" + ex["id"], {"json": {"state": "ERROR"}}),
        ("DELETE", "/executions/" + ex["id"], {}),
        ("PUT", "/tasks/" + task["id"], {"json": {"state": "RUNNING",
                                                  "reset": True}}),
        ("POST", "/action_executions", {"json": {"name": "std.noop"}}),
        ("PUT", "/action_executions/" + aex, {"json": {"state": "ERROR"}}),
        ("DELETE", "/action_executions/" + aex, {}),
        ("POST", "/cron_triggers", {"json": {
            "name": "r_cron", "workflow_name": "a_read_wf",
            "pattern": "0 0 1 1 *"}}),
        ("DELETE", "/cron_triggers/a_read_cron", {}),
        ("POST", "/event_triggers", {"json": {
            "name": "r_evt", "workflow_id": wf_id, "exchange": "r",
            "topic": "r", "event": "r"}}),
        ("PUT", "/event_triggers/" + evt, {"json": {"name": "r"}}),
        ("DELETE", "/event_triggers/" + evt, {}),
        ("POST", "/code_sources?name=r_mod", dict(TEXT, data="x = 1\n")),
        ("POST", "/dynamic_actions", {"json": {
            "name": "r_dyn", "class_name": "Tell",
            "code_source_name": "r_mod"}}),
    ]
    outcomes = [(method, path, reader.request(method, path, **kw).status_code)
                for method, path, kw in writes]
    assert outcomes == [(method, path, 403) for method, path, _kw in writes]
    assert member.get("/environments/a_env").json()["variables"] == \
        json.dumps({"v": 1})
    assert member.get("/executions/" + ex["id"]).json()["state"] == \
        "SUCCESS"


def test_public_definitions_of_every_kind(world):
    """A's admin publishes an action, a workbook and an environment: B's
    member sees and uses each and may change or delete none (403 for a
    PUT and a DELETE alike, as Mistral answers for a public workflow)."""
    admin = world["callers"]["a-admin"]
    b = world["callers"]["b-member"]
    created(admin.post_definition("/actions", B_ACTION.replace(
        "b_private_action", "pub_action"), scope="public"))
    created(admin.post_definition("/workbooks", B_WORKBOOK.replace(
        "b_private_book", "pub_book"), scope="public"))
    created(admin.post("/environments", json={
        "name": "pub_env", "variables": {"v": "shared"}, "scope": "public"}))
    for path in ("/actions/pub_action", "/workbooks/pub_book",
                 "/environments/pub_env"):
        assert b.get(path).status_code == 200, path
    run = created(b.post("/action_executions", json={
        "name": "pub_action", "input": "{}"}))
    assert json.loads(run["output"]) == {"result": SECRET}
    ex = created(b.post("/executions", json={
        "workflow_name": "pub_book.wb_wf", "params": {"env": "pub_env"}}))
    assert b.finished_execution(ex["id"])["state"] == "SUCCESS"
    attempts = [
        ("PUT", "/actions", dict(TEXT, data=B_ACTION.replace(
            "b_private_action", "pub_action"))),
        ("DELETE", "/actions/pub_action", {}),
        ("PUT", "/workbooks", dict(TEXT, data=B_WORKBOOK.replace(
            "b_private_book", "pub_book"))),
        ("DELETE", "/workbooks/pub_book", {}),
        ("PUT", "/environments", {"json": {"name": "pub_env",
                                           "variables": {"v": "b"}}}),
        ("DELETE", "/environments/pub_env", {}),
    ]
    outcomes = [(m, p, b.request(m, p, **kw).status_code)
                for m, p, kw in attempts]
    assert outcomes == [(m, p, 403) for m, p, _kw in attempts]
    assert b.get("/environments/pub_env").json()["variables"] == \
        json.dumps({"v": "shared"})
    assert SECRET in b.get("/actions/pub_action").text
    assert b.get("/workbooks/pub_book").status_code == 200
