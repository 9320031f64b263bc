"""Event triggers end to end over RabbitMQ: the API, an engine and an
executor in one process, two event engine processes, and notifications
published with oslo.messaging's Notifier on the trigger's exchange and
topic. Each notification starts exactly one execution, with the trigger's
input and params, the converted event and Mistral's description; trigger
changes take effect without a restart; an idle event engine uses no CPU.

Skipped unless MISTRAL_CLONE_TEST_RABBIT_URL is set (``tests/run.sh`` sets
it); on PostgreSQL when MISTRAL_CLONE_TEST_PG_URL is set.
"""

import json
import threading
import urllib.parse
import uuid

import oslo_messaging as messaging
import pytest
from oslo_config import cfg

from mistral_clone import context as mc_context
from tests.functional import processes
from tests.functional.server import cpu_seconds, free_port
from tests.waiting import wait_for

pytestmark = pytest.mark.skipif(not processes.RABBIT_URL,
                                reason="MISTRAL_CLONE_TEST_RABBIT_URL unset")

WF = """---
version: '2.0'
evt_wf:
  input:
    - a
    - b: 2
  tasks:
    t1:
      action: std.echo output=<% $.a + $.b %>
"""

DEFINITIONS = """
- event_types: thing.*
  properties:
    n: <% $.payload.n %>
    service: <% $.publisher %>
    project: <% $.context.project_id %>
"""

# Generous: the machine is shared with other test runs.
WAIT_S = 90


class ServiceContext(mc_context.RequestContext):
    """A context as OpenStack services send it (with ``user_id``)."""

    def to_dict(self):
        return dict(super().to_dict(), user_id=self.user_id)


class Publisher:
    """oslo.messaging's Notifier on ``exchange``/``topic`` of RabbitMQ."""

    def __init__(self, exchange, topic):
        conf = cfg.ConfigOpts()
        conf([])
        # The exchange is the transport's [DEFAULT] control_exchange, read
        # when it is made; the first transport registers that option.
        messaging.get_notification_transport(
            conf, url=processes.RABBIT_URL).cleanup()
        conf.set_override("control_exchange", exchange)
        self.transport = messaging.get_notification_transport(
            conf, url=processes.RABBIT_URL)
        self.notifier = messaging.Notifier(
            self.transport, publisher_id="compute.host1", driver="messaging",
            topics=[topic])

    def publish(self, event_type, payload):
        self.notifier.info(ServiceContext(project_id="p-1", user_id="u-1"),
                           event_type, payload)

    def close(self):
        self.transport.cleanup()


def log_count(path, text):
    return path.read_text().count(text) if path.exists() else 0


class Deployment:
    """The API (with, unless told otherwise, an engine and an executor) in
    one process and two event engine processes over RabbitMQ, a workflow,
    and a publisher on an exchange and topic of the test's own."""

    def __init__(self, tmp_path, db_url, api_services="api,engine,executor",
                 extra_conf=""):
        suffix = uuid.uuid4().hex[:8]
        self.exchange = "mc_ex_" + suffix
        self.topic = "mc_notifications_" + suffix
        definitions = tmp_path / "event_definitions.yaml"
        definitions.write_text(DEFINITIONS)
        port = free_port()
        conf_text, _engine_topic = processes.isolated_conf(
            db_url, "[api]\nport = %d\n[event_engine]\ntopic = mc_evt_%s\n"
            "event_definitions_cfg_file = %s\n%s"
            % (port, suffix, definitions, extra_conf))
        self.conf_file = tmp_path / "mc.conf"
        self.conf_file.write_text(conf_text)
        self.tmp_path = tmp_path
        self.api = "http://127.0.0.1:%d/v2" % port
        self.event_logs = [tmp_path / ("event-engine-%s.log" % tag)
                           for tag in ("1", "2")]
        self.procs = [processes.start(api_services, conf_file=self.conf_file,
                                      tmp_path=tmp_path)]
        self.event_engines = [
            processes.start("event-engine", self.conf_file, tmp_path, tag)
            for tag in ("1", "2")]
        self.procs += self.event_engines
        self.publisher = Publisher(self.exchange, self.topic)
        self._changes = [0, 0]
        processes.wait_api(self.api, timeout=WAIT_S)
        self.wf = self.http("POST", "/workflows", WF)["workflows"][0]

    def http(self, method, path, body=None):
        if isinstance(body, dict):
            return processes.http(method, self.api + path, json.dumps(body))
        return processes.http(method, self.api + path, body, "text/plain")

    def change_triggers(self, method, path, body=None):
        """A trigger change through the API, once both event engines have
        read it."""
        result = self.http(method, path, body)
        wanted = [c + 1 for c in self._changes]
        wait_for(lambda: [log_count(log, "Event triggers changed")
                          for log in self.event_logs] == wanted, WAIT_S, 0.1)
        self._changes = wanted
        return result

    def create_trigger(self, event, **values):
        values = dict(workflow_id=self.wf["id"], exchange=self.exchange,
                      topic=self.topic, event=event, **values)
        trigger = self.change_triggers("POST", "/event_triggers", values)
        wait_for(lambda: all(
            log_count(log, "Listening for notifications on exchange %s, "
                           "topic %s" % (self.exchange, self.topic))
            for log in self.event_logs), WAIT_S, 0.1)
        return trigger

    def executions(self):
        query = urllib.parse.urlencode({"workflow_id": self.wf["id"]})
        return self.http("GET", "/executions?" + query)["executions"]

    def wait_done(self, count):
        """At least ``count`` executions, all SUCCESS."""
        def done():
            found = self.executions()
            if len(found) >= count and all(e["state"] == "SUCCESS"
                                           for e in found):
                return found
            return None
        return wait_for(done, WAIT_S, 0.2)

    def close(self):
        self.publisher.close()
        processes.stop(self.procs)


def event_numbers(executions):
    return sorted(json.loads(e["params"])["event_params"]["n"]
                  for e in executions)


@pytest.fixture
def deployment(tmp_path, db_url, db):
    made = []

    def make(**kwargs):
        made.append(Deployment(tmp_path, db_url, **kwargs))
        return made[-1]
    yield make
    for item in made:
        item.close()


@pytest.mark.postgresql
def test_notifications_start_exactly_one_execution_each(deployment):
    dep = deployment()
    trigger = dep.create_trigger(
        "thing.created", name="on-thing", workflow_input={"a": 1},
        workflow_params={"env": {"k": "v"}})
    for n in range(6):
        dep.publisher.publish("thing.created", {"n": n})
    dep.publisher.publish("thing.deleted", {"n": 100})  # no trigger
    found = dep.wait_done(6)
    assert event_numbers(found) == list(range(6))
    first = found[0]
    assert json.loads(first["input"]) == {"a": 1, "b": 2}
    assert json.loads(first["description"]) == {
        "description": "Workflow execution created by event trigger "
                       "'(%s)'." % trigger["id"],
        "triggered_by": {"type": "event_trigger", "id": trigger["id"],
                         "name": "on-thing"}}
    params = json.loads(first["params"])
    assert params["env"] == {"k": "v"}
    assert {k: v for k, v in params["event_params"].items()
            if k != "n"} == {"service": "compute.host1", "project": "p-1"}

    # A change of the trigger is used from the next notification on.
    dep.change_triggers("PUT", "/event_triggers/" + trigger["id"],
                        {"workflow_input": {"a": 10}})
    dep.publisher.publish("thing.created", {"n": 6})
    found = dep.wait_done(7)
    [latest] = [e for e in found
                if json.loads(e["params"])["event_params"]["n"] == 6]
    assert json.loads(latest["input"]) == {"a": 10, "b": 2}

    # A trigger added while the event engines run fires at once; once
    # deleted, its event starts nothing.
    second = dep.create_trigger("thing.deleted", workflow_input={"a": 100})
    dep.publisher.publish("thing.deleted", {"n": 7})
    dep.wait_done(8)
    dep.change_triggers("DELETE", "/event_triggers/" + second["id"])
    dep.publisher.publish("thing.deleted", {"n": 200})
    dep.publisher.publish("thing.created", {"n": 8})
    assert event_numbers(dep.wait_done(9)) == list(range(9))

    # Idle: the event engines wait without spinning.
    before = [cpu_seconds(p.pid) for p in dep.event_engines]
    threading.Event().wait(5)  # the measured idle window
    used = [cpu_seconds(p.pid) - b for p, b in zip(dep.event_engines, before)]
    assert all(u < 0.5 for u in used), used
    assert len(dep.executions()) == 9


@pytest.mark.postgresql
def test_notifications_wait_for_an_engine_that_does_not_answer(deployment):
    """No engine yet: the starts get no answer, the notifications go back
    to the broker and are handled again until an engine answers; each
    still starts one execution."""
    dep = deployment(api_services="api",
                     extra_conf="[DEFAULT]\nrpc_response_timeout = 2\n")
    dep.create_trigger("thing.created", workflow_input={"a": 1})
    for n in range(3):
        dep.publisher.publish("thing.created", {"n": n})
    wait_for(lambda: sum(log_count(log, "No answer from the engine")
                         for log in dep.event_logs) >= 3, WAIT_S, 0.2)
    assert dep.executions() == []
    dep.procs.append(processes.start("engine,executor", dep.conf_file,
                                     dep.tmp_path))
    assert event_numbers(dep.wait_done(3)) == [0, 1, 2]
    # Later answers to the calls that timed out find the same executions.
    wait_for(lambda: all(e["state"] == "SUCCESS"
                         for e in dep.executions()), WAIT_S, 0.2)
    assert event_numbers(dep.executions()) == [0, 1, 2]
