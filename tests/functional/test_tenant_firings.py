"""Work that starts without a request of its owner carries the owner's
project: cron firings, event-trigger firings, timers, sub-workflows and
action executions, and the steps an admin of another project causes.

One server (every service in one process) over RabbitMQ, on PostgreSQL
when ``MISTRAL_CLONE_TEST_PG_URL`` is set, with auth on against the real
Keystone. Project A and project B both define ``iso_child`` (private), and
both listen to the same event: each firing runs its owner's definitions,
in its owner's project, seen by its owner only. Skipped unless
MISTRAL_CLONE_TEST_RABBIT_URL is set (``tests/run.sh`` sets it).
"""

import contextlib
import datetime
import json
import os
import subprocess
import sys
import uuid

import pytest
import sqlalchemy as sa

from mistral_clone.db import models
from tests import conftest
from tests.functional import keystone_api
from tests.functional import processes
from tests.functional import server
from tests.functional.test_event_engine_rabbit import DEFINITIONS
from tests.functional.test_event_engine_rabbit import Publisher
from tests.functional.test_event_engine_rabbit import ServiceContext
from tests.functional.test_event_engine_rabbit import log_count
from tests.functional.tenancy_world import created
from tests.waiting import wait_for

pytestmark = pytest.mark.skipif(not processes.RABBIT_URL,
                                reason="MISTRAL_CLONE_TEST_RABBIT_URL unset")

WAIT_S = 120

# ``fired`` waits for a timer, reads executions() in the step the timer
# runs, and starts the project's own ``iso_child``.
FIRED = """---
version: '2.0'
fired:
  tasks:
    after_timer:
      action: std.echo
      input:
        output: <%% executions().select($.project_id).distinct() %%>
      wait-before: 1
      publish:
        seen: <%% task().result %%>
      on-success: [child]
    child:
      workflow: iso_child
      publish:
        who: <%% task().result.who %%>
iso_child:
  output:
    who: %s
  tasks:
    t:
      action: std.noop
held:
  tasks:
    hold:
      workflow: iso_child
      pause-before: true
      publish:
        who: <%% task().result.who %%>
"""

EVENT = "thing.iso"


@contextlib.contextmanager
def _database():
    if conftest.PG_URL:
        with conftest.throwaway_pg_database(conftest.PG_URL) as url:
            yield url
    else:
        yield None


def _migrate(conf_file):
    db_manage = os.path.join(os.path.dirname(sys.executable),
                             "mistral-clone-db-manage")
    subprocess.run([db_manage, "--config-file", str(conf_file), "upgrade"],
                   check=True, timeout=600)


@pytest.fixture(scope="module")
def deployment(keystone, tmp_path_factory):
    """Every service in one process over RabbitMQ with auth on; a caller
    per user, and each project's workflows."""
    tmp = tmp_path_factory.mktemp("firings")
    suffix = uuid.uuid4().hex[:8]
    exchange, topic = "mc_iso_ex_" + suffix, "mc_iso_topic_" + suffix
    definitions = tmp / "event_definitions.yaml"
    definitions.write_text(DEFINITIONS)
    port = server.free_port()
    with _database() as pg_url:
        db_url = pg_url or "sqlite:///%s" % (tmp / "firings.sqlite")
        conf_text, _topic = processes.isolated_conf(
            db_url, "[api]\nport = %d\n[event_engine]\ntopic = mc_evt_%s\n"
            "event_definitions_cfg_file = %s\n[cron_trigger]\n"
            "execution_interval = 1\n[expressions]\n"
            "max_time_in_transaction = 0\n%s"
            % (port, suffix, definitions,
               keystone.authtoken_conf(cache=True)))
        conf_file = tmp / "mc.conf"
        conf_file.write_text(conf_text)
        _migrate(conf_file)
        proc = processes.start("all", conf_file, tmp)
        publisher = Publisher(exchange, topic)
        try:
            server.wait_for_port(port, proc, timeout=WAIT_S)
            url = "http://127.0.0.1:%d/v2" % port
            callers = {user: keystone_api.Caller(url, keystone.token(user))
                       for user in ("a-member", "a-admin", "b-member")}
            yield dict(callers=callers, keystone=keystone, db_url=db_url,
                       exchange=exchange, topic=topic, publisher=publisher,
                       log=tmp / "all-1.log",
                       wfs={key: _definitions(callers[key + "-member"], key)
                            for key in ("a", "b")})
        finally:
            publisher.close()
            processes.stop([proc])


def _definitions(caller, key):
    """Each project's own ``fired``, ``iso_child`` and ``held``: their
    ids by name."""
    rows = created(caller.post_definition("/workflows", FIRED % key))
    return {w["name"]: w["id"] for w in rows["workflows"]}


def _fired_execution(caller, wf_id, trigger_type):
    """The execution of the workflow ``wf_id`` that a trigger of
    ``trigger_type`` started, once it has finished (bounded wait): there
    must be one only."""
    def finished():
        found = [e for e in caller.get("/executions", params={
            "workflow_id": wf_id}).json()["executions"]
            if '"type": "%s"' % trigger_type in (e["description"] or "")]
        assert len(found) <= 1, found
        return found if found and found[0]["state"] in \
            keystone_api.FINISHED else None
    return wait_for(finished, timeout=WAIT_S, interval=0.2)[0]


def _check_owned_by(world, key, ex):
    """``ex`` ran as project ``key``'s: its definitions, its timers'
    steps, its sub-workflow and actions all in that project, and the
    other project sees none of it."""
    owner = world["callers"][key + "-member"]
    other = world["callers"][("b" if key == "a" else "a") + "-member"]
    project = world["keystone"].project_ids[key]
    assert ex["state"] == "SUCCESS", ex["state_info"]
    assert ex["project_id"] == project
    tasks = owner.get("/executions/%s/tasks" % ex["id"]).json()["tasks"]
    published = {t["name"]: json.loads(t["published"]) for t in tasks}
    assert published["after_timer"]["seen"] == [project]
    assert published["child"]["who"] == key
    subs = [e for e in owner.get("/executions/%s/executions" % ex[
        "id"]).json()["executions"] if e["id"] != ex["id"]]
    assert [(s["workflow_id"], s["project_id"]) for s in subs] == [
        (world["wfs"][key]["iso_child"], project)]
    actions = owner.get("/action_executions", params={
        "task_execution_id": [t["id"] for t in tasks
                              if t["name"] == "after_timer"][0]}).json()[
        "action_executions"]
    assert [a["project_id"] for a in actions] == [project]
    assert {t["project_id"] for t in tasks} == {project}
    for path in ("/executions/" + ex["id"], "/executions/" + subs[0]["id"],
                 "/tasks/" + tasks[0]["id"],
                 "/action_executions/" + actions[0]["id"]):
        assert other.get(path).status_code == 404, path
    listed = other.get("/executions").json()["executions"]
    assert ex["id"] not in [e["id"] for e in listed]


def test_a_cron_firing_runs_in_its_owners_project(deployment):
    b = deployment["callers"]["b-member"]
    first = (models.utcnow() + datetime.timedelta(minutes=2)).strftime(
        "%Y-%m-%d %H:%M")
    trigger = created(b.post("/cron_triggers", json={
        "name": "b_cron", "workflow_name": "fired", "pattern": "0 0 1 1 *",
        "first_execution_time": first, "remaining_executions": 1}))
    # Its time comes now (the scheduler polls every second).
    engine = sa.create_engine(deployment["db_url"])
    try:
        with engine.begin() as conn:
            conn.execute(sa.update(models.CronTrigger.__table__).where(
                models.CronTrigger.__table__.c.id == trigger["id"]).values(
                next_execution_time=models.utcnow() -
                datetime.timedelta(seconds=1)))
    finally:
        engine.dispose()
    ex = _fired_execution(b, deployment["wfs"]["b"]["fired"],
                          "cron_trigger")
    assert json.loads(ex["description"])["triggered_by"]["id"] == \
        trigger["id"]
    _check_owned_by(deployment, "b", ex)


def test_an_event_fires_the_triggers_of_its_project_only(deployment):
    """A and B listen to the same event; a notification of A's project
    fires A's trigger only, one of B's B's only (as in Mistral, with auth
    on), each in its owner's project."""
    for key in ("a", "b"):
        caller = deployment["callers"][key + "-member"]
        created(caller.post("/event_triggers", json={
            "name": key + "_evt", "workflow_id": deployment["wfs"][key][
                "fired"], "exchange": deployment["exchange"],
            "topic": deployment["topic"], "event": EVENT}))
    wait_for(lambda: log_count(deployment["log"], "Event triggers changed: "
                               "2 trigger(s)"), WAIT_S, 0.1)
    wait_for(lambda: log_count(
        deployment["log"], "Listening for notifications on exchange %s, "
        "topic %s" % (deployment["exchange"], deployment["topic"])),
        WAIT_S, 0.1)
    for key in ("a", "b"):
        deployment["publisher"].notifier.info(
            ServiceContext(project_id=deployment["keystone"].project_ids[key],
                           user_id="u-1"), EVENT, {"n": key})
        caller = deployment["callers"][key + "-member"]
        ex = _fired_execution(caller, deployment["wfs"][key]["fired"],
                              "event_trigger")
        assert json.loads(ex["params"])["event_params"]["project"] == \
            deployment["keystone"].project_ids[key]
        _check_owned_by(deployment, key, ex)
    # A's event fired none of B's triggers (nor the other way round).
    for key in ("a", "b"):
        _fired_execution(deployment["callers"][key + "-member"],
                         deployment["wfs"][key]["fired"], "event_trigger")


def test_an_admin_resuming_b_execution_runs_b_definitions(deployment):
    """A's admin resumes B's paused execution: the step runs with the
    admin's context, and still starts B's ``iso_child``, not A's."""
    b = deployment["callers"]["b-member"]
    admin = deployment["callers"]["a-admin"]
    ex = created(b.post("/executions", json={"workflow_name": "held"}))
    wait_for(lambda: b.get("/executions/" + ex["id"]).json()["state"] ==
             "PAUSED", WAIT_S, 0.2)
    resumed = admin.put("/executions/" + ex["id"],
                        json={"state": "RUNNING"})
    assert resumed.status_code == 200, resumed.text
    done = b.finished_execution(ex["id"], timeout=WAIT_S)
    assert done["state"] == "SUCCESS", done["state_info"]
    task = b.get("/executions/%s/tasks" % ex["id"]).json()["tasks"][0]
    assert json.loads(task["published"]) == {"who": "b"}
    subs = [e for e in b.get("/executions/%s/executions" % ex[
        "id"]).json()["executions"] if e["id"] != ex["id"]]
    assert [(s["workflow_id"], s["project_id"]) for s in subs] == [
        (deployment["wfs"]["b"]["iso_child"],
         deployment["keystone"].project_ids["b"])]
