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
import os
import threading
import urllib.parse
import uuid

import oslo_messaging as messaging
import pytest
from oslo_config import cfg

from mistral_clone import context as mc_context
from tests.functional import processes
from tests.functional.server import free_port
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


def cpu_seconds(pid):
    """User + system CPU time of a process so far."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.postgresql
def test_notifications_start_exactly_one_execution_each(tmp_path, db_url,
                                                        db):
    suffix = uuid.uuid4().hex[:8]
    exchange, topic = "mc_ex_" + suffix, "mc_notifications_" + suffix
    definitions = tmp_path / "event_definitions.yaml"
    definitions.write_text(DEFINITIONS)
    port = free_port()
    conf_text, _engine_topic = processes.isolated_conf(
        db_url, "[api]\nport = %d\n[event_engine]\ntopic = mc_evt_%s\n"
        "event_definitions_cfg_file = %s\n" % (port, suffix, definitions))
    conf_file = tmp_path / "mc.conf"
    conf_file.write_text(conf_text)
    api = "http://127.0.0.1:%d/v2" % port
    event_logs = [tmp_path / ("event-engine-%s.log" % tag)
                  for tag in ("1", "2")]
    procs = [processes.start("api,engine,executor", conf_file, tmp_path)]
    procs += [processes.start("event-engine", conf_file, tmp_path, tag)
              for tag in ("1", "2")]
    publisher = Publisher(exchange, topic)
    try:
        processes.wait_api(api, timeout=WAIT_S)
        wf = processes.http("POST", api + "/workflows", WF,
                            "text/plain")["workflows"][0]
        changes = [0, 0]

        def changed_everywhere(action):
            """Run ``action`` (a trigger change through the API), then wait
            until both event engines have read the change."""
            nonlocal changes
            result = action()
            wanted = [c + 1 for c in changes]
            wait_for(lambda: [log_count(log, "Event triggers changed")
                              for log in event_logs] == wanted, WAIT_S, 0.1)
            changes = wanted
            return result

        trigger = changed_everywhere(lambda: processes.http(
            "POST", api + "/event_triggers", json.dumps({
                "name": "on-thing", "workflow_id": wf["id"],
                "exchange": exchange, "topic": topic,
                "event": "thing.created", "workflow_input": {"a": 1},
                "workflow_params": {"env": {"k": "v"}}})))
        wait_for(lambda: all(
            log_count(log, "Listening for notifications on exchange %s, "
                           "topic %s" % (exchange, topic))
            for log in event_logs), WAIT_S, 0.1)

        def executions():
            query = urllib.parse.urlencode({"workflow_id": wf["id"]})
            return processes.http(
                "GET", api + "/executions?" + query)["executions"]

        def done(count):
            found = executions()
            if len(found) >= count and all(e["state"] == "SUCCESS"
                                           for e in found):
                return found
            return None

        for n in range(6):
            publisher.publish("thing.created", {"n": n})
        publisher.publish("thing.deleted", {"n": 100})  # no trigger
        found = wait_for(lambda: done(6), WAIT_S, 0.2)
        assert sorted(json.loads(e["params"])["event_params"]["n"]
                      for e in found) == list(range(6))
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
                if k != "n"} == {"service": "compute.host1",
                                 "project": "p-1"}

        # A change of the trigger is used from the next notification on.
        changed_everywhere(lambda: processes.http(
            "PUT", api + "/event_triggers/" + trigger["id"],
            json.dumps({"workflow_input": {"a": 10}})))
        publisher.publish("thing.created", {"n": 6})
        found = wait_for(lambda: done(7), WAIT_S, 0.2)
        [latest] = [e for e in found
                    if json.loads(e["params"])["event_params"]["n"] == 6]
        assert json.loads(latest["input"]) == {"a": 10, "b": 2}

        # A trigger added while the event engines run fires at once; once
        # deleted, its event starts nothing.
        second = changed_everywhere(lambda: processes.http(
            "POST", api + "/event_triggers", json.dumps({
                "workflow_id": wf["id"], "exchange": exchange,
                "topic": topic, "event": "thing.deleted",
                "workflow_input": {"a": 100}})))
        publisher.publish("thing.deleted", {"n": 7})
        wait_for(lambda: done(8), WAIT_S, 0.2)
        changed_everywhere(lambda: processes.http(
            "DELETE", api + "/event_triggers/" + second["id"]))
        publisher.publish("thing.deleted", {"n": 200})
        publisher.publish("thing.created", {"n": 8})
        found = wait_for(lambda: done(9), WAIT_S, 0.2)
        numbers = sorted(json.loads(e["params"])["event_params"]["n"]
                         for e in found)
        assert numbers == list(range(9))

        # Idle: the event engines wait without spinning.
        before = [cpu_seconds(p.pid) for p in procs[1:]]
        threading.Event().wait(5)  # the measured idle window
        used = [cpu_seconds(p.pid) - b for p, b in zip(procs[1:], before)]
        assert all(u < 0.5 for u in used), used
        assert len(executions()) == 9
    finally:
        publisher.close()
        processes.stop(procs)
