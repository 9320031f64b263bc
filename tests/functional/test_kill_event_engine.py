"""An event engine SIGKILLed while it handles notifications: each
notification still starts exactly one execution, none lost and none
twice, whether the other event engine takes the dead one's notifications
over or the dead one comes back. Services are processes of their own
over RabbitMQ and PostgreSQL (``kill_cluster.Cluster``); notifications
are published with oslo.messaging's Notifier.

The engine is stopped while the notifications arrive, so that both event
engines hold theirs, unacknowledged, in a start call that waits for an
answer: the killed one's calls stay in the engine's queue and are answered
later, while the broker hands its notifications to the other event engine,
which starts the same executions again (and again, each time its call
times out). Execution ids derived from the message ids make all of these
one start.
"""

import json
import uuid

import pytest

from tests.functional import kill_cluster
from tests.functional.test_event_engine_rabbit import (DEFINITIONS,
                                                       Publisher,
                                                       event_numbers)
from tests.waiting import wait_for

pytestmark = kill_cluster.NEEDS_SERVERS

WF = """---
version: '2.0'
evt_kill_wf:
  input:
    - a
  tasks:
    t1:
      action: std.echo output=<% $.a %>
"""

# Generous: the machine is shared with other test runs.
WAIT_S = 120
EVENT_ENGINES = ("event-engine1", "event-engine2")


def _fired(cluster, name):
    """How many notifications the event engine ``name`` took so far."""
    path = cluster.log(name)
    if not path.exists():
        return 0
    return path.read_text(errors="replace").count(" fires 1 trigger(s)")


class _Events:
    """A workflow and a trigger on an exchange and topic of the test's
    own, and the executions the trigger started."""

    def __init__(self, cluster):
        self.cluster = cluster
        suffix = uuid.uuid4().hex[:8]
        self.exchange = "mc_kill_ex_" + suffix
        self.topic = "mc_kill_notifications_" + suffix
        status, answer, _ = cluster.request("POST", "/workflows", WF)
        assert status == 201, answer
        self.wf_id = answer["workflows"][0]["id"]
        status, answer, _ = cluster.request(
            "POST", "/event_triggers",
            {"name": "on-thing", "workflow_id": self.wf_id,
             "workflow_input": {"a": 1}, "exchange": self.exchange,
             "topic": self.topic, "event": "thing.created"})
        assert status == 201, answer
        for name in EVENT_ENGINES:
            self.wait_listening(name)
        self.publisher = Publisher(self.exchange, self.topic)

    def wait_listening(self, name):
        kill_cluster.wait_log(
            self.cluster.log(name),
            "Listening for notifications on exchange %s, topic %s"
            % (self.exchange, self.topic), WAIT_S)

    def executions(self):
        status, answer, _ = self.cluster.request(
            "GET", "/executions?limit=1000&workflow_id=" + self.wf_id)
        assert status == 200, answer
        return answer["executions"]

    def wait_done(self, numbers):
        """The executions once there is one for each of ``numbers``, all
        SUCCESS (more than one for a number fails at once)."""
        def done():
            found = self.executions()
            seen = event_numbers(found)
            assert len(seen) == len(set(seen)), seen
            if seen == sorted(numbers) and \
                    all(e["state"] == "SUCCESS" for e in found):
                return found
            return None
        return wait_for(done, WAIT_S, 0.5)


@pytest.fixture
def cluster(tmp_path, db_url, db):
    definitions = tmp_path / "event_definitions.yaml"
    definitions.write_text(DEFINITIONS)
    made = kill_cluster.Cluster(
        tmp_path, db_url,
        "[event_engine]\ntopic = mc_kill_evt_%s\n"
        "event_definitions_cfg_file = %s\n"
        # Calls with no answer go back to the broker soon.
        "[DEFAULT]\nrpc_response_timeout = 5\n"
        % (uuid.uuid4().hex[:8], definitions))
    for name in ("api", "engine", "executor") + EVENT_ENGINES:
        made.start(name)
    yield made
    made.close()


@pytest.mark.postgresql
def test_an_event_engine_killed_while_it_handles_notifications(cluster):
    events = _Events(cluster)
    try:
        # Both event engines take notifications and wait for the engine.
        cluster.term("engine")
        count = 12
        for n in range(count):
            events.publisher.publish("thing.created", {"n": n})
        wait_for(lambda: _fired(cluster, "event-engine1") >= 1 and
                 _fired(cluster, "event-engine2") >= 1 and
                 sum(_fired(cluster, name) for name in EVENT_ENGINES)
                 >= count, WAIT_S, 0.1)
        cluster.kill("event-engine1")
        cluster.start("engine")
        # The other event engine takes the dead one's notifications over.
        events.wait_done(range(count))
        # ... handling some of them more than once.
        assert sum(_fired(cluster, name) for name in EVENT_ENGINES) > count

        # The dead one back (a new process, a log of its own), killed
        # again while it handles a stream of notifications with the engine
        # up; then back for good.
        cluster.start("event-engine3")
        events.wait_listening("event-engine3")
        for n in range(count, 3 * count):
            events.publisher.publish("thing.created", {"n": n})
        wait_for(lambda: _fired(cluster, "event-engine3") >= 1,
                 WAIT_S, 0.05)
        cluster.kill("event-engine3")
        cluster.start("event-engine4")
        events.wait_done(range(3 * count))

        # Nothing arrives late: a last notification's execution comes,
        # and still one for each.
        events.publisher.publish("thing.created", {"n": 3 * count})
        found = events.wait_done(range(3 * count + 1))
        assert all(json.loads(e["input"]) == {"a": 1} for e in found)
    finally:
        events.publisher.close()
