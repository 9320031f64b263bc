"""Triggers fire with their creator's trust, end to end: auth on against
the real Keystone, the API (with an engine and an executor), a scheduler
and an event engine in processes of their own over RabbitMQ and
PostgreSQL. A member creates a trigger, the member's token is revoked, and
the firings still run as the member, in the member's project; deleting the
trigger deletes the trust in Keystone.

Skipped unless MISTRAL_CLONE_TEST_RABBIT_URL is set (``tests/run.sh`` sets
it)."""

import json
import uuid

import oslo_messaging as messaging
import pytest
from oslo_config import cfg

from mistral_clone import context as mc_context
from tests.functional import processes
from tests.functional import server
from tests.functional.keystone_api import Caller
from tests.functional.keystone_view import KeystoneView
from tests.waiting import wait_for

pytestmark = pytest.mark.skipif(not processes.RABBIT_URL,
                                reason="MISTRAL_CLONE_TEST_RABBIT_URL unset")

# Generous: the machine is shared with other test runs.
WAIT_S = 120
# Every five seconds (croniter's sixth field is the second).
EVERY_5_S = "* * * * * */5"

WF = """---
version: '2.0'
as_creator:
  tasks:
    t:
      action: std.noop
      publish:
        who: <% dict(project => $.openstack.project_id,
                     user => $.openstack.user, roles => $.openstack.roles,
                     user_name => $.openstack.user_name,
                     scoped => $.openstack.is_trust_scoped,
                     trust => $.openstack.trust_id) %>
held:
  tasks:
    wait:
      action: std.async_noop
"""

DEFINITIONS = """
- event_types: thing.*
  properties:
    n: <% $.payload.n %>
"""


class Deployment:
    """The API with an engine and an executor, a scheduler and an event
    engine, each a process, with auth on."""

    def __init__(self, tmp_path, db_url, keystone):
        suffix = uuid.uuid4().hex[:8]
        self.exchange = "mc_ex_" + suffix
        self.topic = "mc_notifications_" + suffix
        definitions = tmp_path / "event_definitions.yaml"
        definitions.write_text(DEFINITIONS)
        port = server.free_port()
        conf_file, _topic = processes.write_isolated_conf(
            tmp_path, db_url,
            "[api]\nport = %d\n[event_engine]\ntopic = mc_evt_%s\n"
            "event_definitions_cfg_file = %s\n%s"
            % (port, suffix, definitions, keystone.authtoken_conf()))
        self.event_log = tmp_path / "event-engine-1.log"
        self.procs = [processes.start(s, conf_file, tmp_path)
                      for s in ("api,engine,executor", "scheduler",
                                "event-engine")]
        server.wait_for_port(port, self.procs[0])
        self.url = "http://127.0.0.1:%d/v2" % port
        self.keystone = keystone
        # Its own member of project a: the trusts of its user are counted.
        self.member_name = keystone.new_user("a", "member")
        self.view = KeystoneView(keystone)

    def member(self, key="a"):
        """A caller with a fresh token of the project's member."""
        name = self.member_name if key == "a" else key + "-member"
        return Caller(self.url, self.keystone.token(name))

    def create(self, caller, path, body):
        """Create a trigger; (it, the id of the trust it got)."""
        user_id = self.keystone.user_ids[self.member_name]
        before = self.view.trust_ids_of(user_id)
        resp = caller.post(path, json=body)
        assert resp.status_code == 201, resp.text
        [trust_id] = self.view.trust_ids_of(user_id) - before
        return resp.json(), trust_id

    def executions(self, caller, workflow_name):
        return caller.get("/executions", params={
            "workflow_name": workflow_name}).json()["executions"]

    def close(self):
        processes.stop(self.procs)


@pytest.fixture
def deployment(tmp_path, db_url, db, keystone):
    dep = Deployment(tmp_path, db_url, keystone)
    try:
        yield dep
    finally:
        dep.close()


def check_trust(dep, trust_id):
    trust = dep.view.trust(trust_id)
    assert trust["trustor_user_id"] == dep.keystone.user_ids[dep.member_name]
    assert trust["trustee_user_id"] == dep.keystone.user_ids["mistral"]
    assert trust["project_id"] == dep.keystone.project_ids["a"]
    assert trust["impersonation"] is True


def revoke(dep, caller):
    dep.keystone.revoke(caller.token)
    assert caller.get("/workflows").status_code == 401


def check_ran_as_member(dep, caller, execution):
    assert execution["state"] == "SUCCESS", execution["state_info"]
    assert execution["project_id"] == dep.keystone.project_ids["a"]
    [task] = caller.get("/executions/%s/tasks" % execution["id"]).json()[
        "tasks"]
    published = json.loads(task["published"])["who"]
    assert published["project"] == dep.keystone.project_ids["a"]
    assert published["user"] == dep.keystone.user_ids[dep.member_name]
    assert sorted(published["roles"]) == ["member", "reader"]
    # As Mistral 23 shows a firing's context: its trust's.
    assert (published["user_name"], published["scoped"]) == (
        dep.member_name, True)
    assert len(published["trust"]) == 32


def first_success(dep, caller, workflow_name):
    def found():
        done = [e for e in dep.executions(caller, workflow_name)
                if e["state"] in ("SUCCESS", "ERROR")]
        return done[0] if done else None
    return wait_for(found, WAIT_S, 0.5)


@pytest.mark.postgresql
def test_cron_trigger_fires_with_its_trust_after_the_token_is_revoked(
        deployment):
    dep = deployment
    creator = dep.member()
    assert creator.post_definition("/workflows", WF).status_code == 201
    trigger, trust_id = dep.create(creator, "/cron_triggers", {
        "name": "as-member", "workflow_name": "as_creator",
        "pattern": EVERY_5_S})
    assert "trust_id" not in trigger
    check_trust(dep, trust_id)
    revoke(dep, creator)

    later = dep.member()
    check_ran_as_member(dep, later, first_success(dep, later, "as_creator"))
    # Another project sees neither the trigger nor what it started.
    other = dep.member("b")
    assert other.get("/cron_triggers/as-member").status_code == 404
    assert dep.executions(other, "as_creator") == []

    assert later.delete("/cron_triggers/as-member").status_code == 204
    wait_for(lambda: dep.view.trust(trust_id) is None, WAIT_S, 0.5)


@pytest.mark.postgresql
def test_one_shot_trust_outlives_the_trigger_until_its_run_ends(deployment):
    dep = deployment
    creator = dep.member()
    assert creator.post_definition("/workflows", WF).status_code == 201
    _trigger, trust_id = dep.create(creator, "/cron_triggers", {
        "name": "once", "workflow_name": "held", "pattern": EVERY_5_S,
        "remaining_executions": 1})
    revoke(dep, creator)

    later = dep.member()
    execution = wait_for(lambda: dep.executions(later, "held"), WAIT_S,
                         0.5)[0]
    wait_for(lambda: later.get("/cron_triggers/once").status_code == 404,
             WAIT_S, 0.5)
    # The run holds its action: the trust must stay while it runs.
    action = wait_for(lambda: later.get("/action_executions").json()[
        "action_executions"], WAIT_S, 0.5)[0]
    assert later.get("/executions/" + execution["id"]).json()["state"] \
        == "RUNNING"
    assert dep.view.trust(trust_id) is not None
    resp = later.put("/action_executions/" + action["id"],
                     json={"state": "SUCCESS", "output": "{}"})
    assert resp.status_code == 200, resp.text
    done = later.finished_execution(execution["id"], timeout=WAIT_S)
    assert done["state"] == "SUCCESS", done["state_info"]
    assert done["project_id"] == dep.keystone.project_ids["a"]
    wait_for(lambda: dep.view.trust(trust_id) is None, WAIT_S, 0.5)


class ServiceContext(mc_context.RequestContext):
    """A context as OpenStack services send it (with ``user_id``)."""

    def to_dict(self):
        return dict(super().to_dict(), user_id=self.user_id)


def publish(dep, project_id, event_type, payload):
    """One notification on the deployment's exchange and topic, from
    ``project_id``."""
    conf = cfg.ConfigOpts()
    conf([])
    messaging.get_notification_transport(
        conf, url=processes.RABBIT_URL).cleanup()
    conf.set_override("control_exchange", dep.exchange)
    transport = messaging.get_notification_transport(
        conf, url=processes.RABBIT_URL)
    try:
        messaging.Notifier(transport, publisher_id="compute.host1",
                           driver="messaging", topics=[dep.topic]).info(
            ServiceContext(project_id=project_id, user_id="u-1"),
            event_type, payload)
    finally:
        transport.cleanup()


@pytest.mark.postgresql
def test_event_trigger_fires_with_its_trust_after_the_token_is_revoked(
        deployment):
    dep = deployment
    creator = dep.member()
    resp = creator.post_definition("/workflows", WF)
    assert resp.status_code == 201, resp.text
    wf_id = [w for w in resp.json()["workflows"]
             if w["name"] == "as_creator"][0]["id"]
    trigger, trust_id = dep.create(creator, "/event_triggers", {
        "name": "on-thing", "workflow_id": wf_id, "exchange": dep.exchange,
        "topic": dep.topic, "event": "thing.created"})
    check_trust(dep, trust_id)
    revoke(dep, creator)
    listening = "Listening for notifications on exchange %s, topic %s" % (
        dep.exchange, dep.topic)
    wait_for(lambda: dep.event_log.exists() and
             listening in dep.event_log.read_text(), WAIT_S, 0.2)

    publish(dep, dep.keystone.project_ids["a"], "thing.created", {"n": 1})
    later = dep.member()
    check_ran_as_member(dep, later, first_success(dep, later, "as_creator"))

    resp = later.delete("/event_triggers/" + trigger["id"])
    assert resp.status_code == 204, resp.text
    wait_for(lambda: dep.view.trust(trust_id) is None, WAIT_S, 0.5)
