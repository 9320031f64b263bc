"""Auth on with the API, the engine and the executor in processes of their
own over RabbitMQ and PostgreSQL: the caller's project, taken from its
Keystone token by the API, goes with the work to the engine, which keeps
each project's expressions to that project's rows. Skipped unless
MISTRAL_CLONE_TEST_RABBIT_URL is set (``tests/run.sh`` sets it)."""

import json

import pytest

from tests.functional import keystone_api
from tests.functional import processes
from tests.functional import server

pytestmark = pytest.mark.skipif(not processes.RABBIT_URL,
                                reason="MISTRAL_CLONE_TEST_RABBIT_URL unset")

WF = """---
version: '2.0'
whose:
  tasks:
    t:
      action: std.echo output=<% $.secret %>
      publish:
        project: <% $.openstack.project_id %>
        seen: <% executions().select($.id) %>
  input: [secret]
"""


@pytest.mark.postgresql
def test_projects_stay_apart_across_processes(tmp_path, db_url, db,
                                              keystone):
    port = server.free_port()
    conf_file, _topic = processes.write_isolated_conf(
        tmp_path, db_url,
        "[api]\nport = %d\n%s" % (port, keystone.authtoken_conf()))
    procs = [processes.start(s, conf_file, tmp_path)
             for s in ("api", "engine", "executor")]
    try:
        server.wait_for_port(port, procs[0])
        url = "http://127.0.0.1:%d/v2" % port
        runs = {}
        for key in ("a", "b"):
            caller = keystone_api.Caller(url, keystone.token(key + "-member"))
            resp = caller.post_definition("/workflows", WF)
            assert resp.status_code == 201, resp.text
            resp = caller.post("/executions", json={
                "workflow_name": "whose", "input": {"secret": key * 8}})
            assert resp.status_code == 201, resp.text
            runs[key] = (caller, resp.json()["id"])
        for key, (caller, ex_id) in runs.items():
            done = caller.finished_execution(ex_id)
            assert done["state"] == "SUCCESS", done["state_info"]
            task = caller.get("/executions/%s/tasks" % ex_id).json()[
                "tasks"][0]
            published = json.loads(task["published"])
            assert published["project"] == keystone.project_ids[key]
            other = runs["b" if key == "a" else "a"][1]
            assert ex_id in published["seen"]
            assert other not in published["seen"]
            assert caller.get("/executions/" + other).status_code == 404
    finally:
        processes.stop(procs)
