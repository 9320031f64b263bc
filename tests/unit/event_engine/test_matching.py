"""Which triggers a notification fires, and what their starts carry."""

import json

from mistral_clone import context as mc_context
from mistral_clone.event_engine import listeners
from mistral_clone.event_engine import matching


def trigger(id_, project_id="p1", scope="private", event="ev.one",
            exchange="nova", topic="notifications", **extra):
    values = dict(id=id_, name="n-" + id_, project_id=project_id,
                  scope=scope, exchange=exchange, topic=topic, event=event,
                  workflow_id="wf", workflow_namespace="",
                  workflow_input={"a": 1}, workflow_params={})
    values.update(extra)
    return matching.Trigger(**values)


TABLE = matching.TriggerTable([
    trigger("own"), trigger("other", project_id="p2"),
    trigger("public", project_id="p3", scope="public"),
    trigger("two", event="ev.two"),
    trigger("elsewhere", topic="other"),
])


def ids(triggers):
    return sorted(t.id for t in triggers)


def test_table_groups_by_exchange_topic_and_event():
    assert TABLE.listened() == {("nova", "notifications"),
                                ("nova", "other")}
    assert len(TABLE) == 5
    assert ids(TABLE.for_event("nova", "notifications", "ev.one")) == [
        "other", "own", "public"]
    assert TABLE.for_event("nova", "notifications", "ev.three") == []
    assert TABLE.for_event("glance", "notifications", "ev.one") == []


def test_with_auth_the_notifications_project_and_public_triggers_fire():
    fired = matching.triggers_to_fire(TABLE, "nova", "notifications",
                                      "ev.one", {"project_id": "p1"}, True)
    assert ids(fired) == ["own", "public"]
    fired = matching.triggers_to_fire(TABLE, "nova", "notifications",
                                      "ev.one", {}, True)
    assert ids(fired) == ["public"]


def test_without_auth_every_trigger_of_the_event_fires():
    fired = matching.triggers_to_fire(TABLE, "nova", "notifications",
                                      "ev.one", {"project_id": "x"}, False)
    assert ids(fired) == ["other", "own", "public"]


def test_execution_id_is_stable_per_message_and_trigger():
    own, other = trigger("own"), trigger("other")
    assert matching.execution_id("m1", own) == \
        matching.execution_id("m1", own)
    assert matching.execution_id("m1", own) != \
        matching.execution_id("m1", other)
    assert matching.execution_id("m1", own) != \
        matching.execution_id("m2", own)
    assert matching.execution_id(None, own) != \
        matching.execution_id(None, own)


def test_description_and_params_are_mistrals():
    own = trigger("own", workflow_params={"env": {"k": 1}})
    assert json.loads(matching.description(own)) == {
        "description": "Workflow execution created by event trigger "
                       "'(own)'.",
        "triggered_by": {"type": "event_trigger", "id": "own",
                         "name": "n-own"}}
    params = matching.workflow_params(own, {"service": "s"})
    assert params == {"env": {"k": 1}, "event_params": {"service": "s"}}
    assert own.workflow_params == {"env": {"k": 1}}


def test_event_of_takes_the_timestamp_from_the_metadata():
    event = matching.event_of({"project_id": "p"}, "pub", "ev", {"x": 1},
                              {"timestamp": "t", "message_id": "m"})
    assert event == {"event_type": "ev", "payload": {"x": 1},
                     "publisher": "pub", "timestamp": "t",
                     "context": {"project_id": "p"}}


def test_tables_of_the_same_triggers_are_equal():
    assert matching.TriggerTable([trigger("a"), trigger("b")]) == \
        matching.TriggerTable([trigger("b"), trigger("a")])
    assert matching.TriggerTable([trigger("a")]) != matching.TriggerTable(
        [trigger("a", workflow_input={"a": 2})])


def test_listener_queue_and_context_of_a_notification():
    assert listeners.pool_name("nova", "notifications", "events") == \
        "mistral-nova-notifications-events"
    assert listeners.context_dict(None) == {}
    assert listeners.context_dict({"project_id": "p"}) == {"project_id": "p"}
    as_object = listeners.context_dict(
        mc_context.RequestContext(project_id="p"))
    assert as_object["project_id"] == "p"
