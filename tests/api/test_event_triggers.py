"""``/v2/event_triggers`` through the WSGI app; statuses, messages and
field shapes are Mistral 23's (compared with the real one)."""

import json

import pytest

from mistral_clone import context as mc_context
from mistral_clone import exceptions as exc
from mistral_clone.rpc import clients
from mistral_clone.services import event_triggers as triggers_service
from tests.api.helpers import fault
from tests.api.helpers import post_text

WF = """---
version: '2.0'
et_wf:
  input:
    - a
    - b: 2
  tasks:
    t1:
      action: std.noop
"""

UNKNOWN_ID = "123e4567-e89b-12d3-a456-426655441414"
FIELDS = ["id", "created_at", "updated_at", "project_id", "name",
          "workflow_id", "workflow_input", "workflow_params", "exchange",
          "topic", "event", "scope"]


class NoticeRecorder:
    def __init__(self):
        self.notices = 0

    def triggers_changed(self, ctx):
        self.notices += 1


@pytest.fixture
def notices(monkeypatch):
    """The API's notices to the event engines, recorded."""
    recorder = NoticeRecorder()
    monkeypatch.setattr(clients, "get_event_engine_client",
                        lambda: recorder)
    return recorder


@pytest.fixture
def wf(app, notices):
    resp = post_text(app, "/v2/workflows", WF, status=201)
    return resp.json["workflows"][0]


def body(wf, **extra):
    values = dict(name="t1", workflow_id=wf["id"], exchange="nova",
                  topic="notifications", event="compute.instance.create.end",
                  workflow_input={"a": 1})
    values.update(extra)
    return values


def create(app, status=201, **values):
    return app.post_json("/v2/event_triggers", values, status=status)


def test_create_answers_every_field(app, wf, notices):
    resp = create(app, **body(wf, workflow_params={"env": {"k": 1}}))
    trigger = resp.json
    assert list(trigger) == FIELDS
    assert trigger["updated_at"] is None
    assert trigger["project_id"] == "<default-project>"
    assert trigger["workflow_input"] == '{"a": 1}'
    assert trigger["workflow_params"] == '{"env": {"k": 1}}'
    assert trigger["scope"] == "private"
    assert (trigger["exchange"], trigger["topic"], trigger["event"]) == (
        "nova", "notifications", "compute.instance.create.end")
    assert notices.notices == 1
    assert app.get("/v2/event_triggers/%s" % trigger["id"]).json == trigger


def test_name_defaults_to_empty_and_json_text_is_taken(app, wf):
    values = body(wf, workflow_input='{"a": 1}',
                  workflow_params='{"env": {}}')
    del values["name"]
    trigger = create(app, **values).json
    assert trigger["name"] == ""
    assert trigger["workflow_params"] == '{"env": {}}'


@pytest.mark.parametrize("missing", ["workflow_id", "exchange", "topic",
                                     "event"])
def test_create_needs_workflow_exchange_topic_event(app, wf, missing):
    # An empty workflow_id is no uuid (Mistral's answer too).
    for value in (None, "") if missing != "workflow_id" else (None,):
        values = body(wf)
        if value is None:
            del values[missing]
        else:
            values[missing] = value
        resp = create(app, status=400, **values)
        assert fault(resp) == (
            "Params {'workflow_id', 'exchange', 'topic', 'event'} must be "
            "provided for creating event trigger.")


def test_create_errors(app, wf):
    create(app, **body(wf))
    resp = create(app, status=409, **body(wf))
    assert fault(resp) == (
        "Duplicate entry for EventTrigger ['exchange', 'topic', 'event', "
        "'workflow_id', 'project_id']: nova, notifications, "
        "compute.instance.create.end, %s, None" % wf["id"])
    resp = create(app, status=400, **body(wf, event="e2",
                                          workflow_input={"zz": 1}))
    assert fault(resp) == ("Invalid input [name=et_wf, "
                           "class=DirectWorkflowSpec, missing=['a'], "
                           "unexpected=['zz']]")
    resp = create(app, status=404, **body(wf, workflow_id=UNKNOWN_ID))
    assert fault(resp) == "Workflow not found [workflow_id=%s]" % UNKNOWN_ID
    resp = create(app, status=400, **body(wf, workflow_id="et_wf"))
    assert fault(resp) == "Expected a uuid but received et_wf."
    resp = create(app, status=403, **body(wf, event="e3", scope="public"))
    assert fault(resp) == "Operation forbidden (insufficient permissions)"
    resp = create(app, status=400, **body(wf, id=UNKNOWN_ID))
    assert fault(resp).endswith("Cannot set read only field.")
    resp = create(app, status=400, **body(wf, workflow_params=[1]))
    assert fault(resp).endswith(
        "the JSON object must be str, bytes or bytearray, not list")
    resp = create(app, status=400, **body(wf, bogus=1))
    assert fault(resp) == \
        "Unknown attribute for argument event_trigger: bogus"


def test_public_trigger_by_admin(app, wf, admin_headers):
    resp = app.post_json("/v2/event_triggers", body(wf, scope="public"),
                         headers=admin_headers, status=201)
    assert resp.json["scope"] == "public"


def test_get_by_uuid_only_and_fields(app, wf):
    trigger = create(app, **body(wf)).json
    resp = app.get("/v2/event_triggers/%s?fields=name,event,bogus"
                   % trigger["id"])
    assert resp.json == {"id": trigger["id"], "name": "t1",
                         "event": "compute.instance.create.end"}
    resp = app.get("/v2/event_triggers/t1", status=400)
    assert fault(resp) == (
        "Invalid input for field/attribute id. Value: 't1'. unable to "
        "convert to uuid. Error: Expected a uuid but received t1.")
    resp = app.get("/v2/event_triggers/%s" % UNKNOWN_ID, status=404)
    assert fault(resp) == "Event trigger not found [id=%s]." % UNKNOWN_ID


def test_update(app, wf, notices):
    trigger = create(app, **body(wf)).json
    resp = app.put_json("/v2/event_triggers/%s" % trigger["id"],
                        {"name": "t1b", "workflow_input": {"a": 5},
                         "workflow_params": {"env": {"x": 1}}})
    updated = resp.json
    assert updated["name"] == "t1b"
    assert updated["workflow_input"] == '{"a": 5}'
    assert updated["workflow_params"] == '{"env": {"x": 1}}'
    assert updated["updated_at"] is not None
    assert updated["created_at"] == trigger["created_at"]
    assert notices.notices == 2
    # As Mistral: the input is not checked again.
    app.put_json("/v2/event_triggers/%s" % trigger["id"],
                 {"workflow_input": {"zz": 5}})
    assert app.get("/v2/event_triggers/%s" % trigger["id"]).json[
        "workflow_input"] == '{"zz": 5}'


@pytest.mark.parametrize("field", ["exchange", "topic", "event"])
def test_exchange_topic_event_cannot_change(app, wf, field):
    trigger = create(app, **body(wf)).json
    resp = app.put_json("/v2/event_triggers/%s" % trigger["id"],
                        {field: "x"}, status=400)
    assert fault(resp) == ("Can not update fields ['exchange', 'topic', "
                           "'event'] of event trigger.")
    # Empty: not a change (Mistral stores the empty value).
    app.put_json("/v2/event_triggers/%s" % trigger["id"], {field: ""})
    assert app.get("/v2/event_triggers/%s" % trigger["id"]).json[field] \
        == trigger[field]


def test_update_errors(app, wf):
    trigger = create(app, **body(wf)).json
    url = "/v2/event_triggers/%s" % trigger["id"]
    resp = app.put_json(url, {"scope": "public"}, status=403)
    assert fault(resp) == "Operation forbidden (insufficient permissions)"
    resp = app.put_json(url, {"workflow_id": UNKNOWN_ID}, status=404)
    assert fault(resp) == "Workflow not found [workflow_id=%s]" % UNKNOWN_ID
    resp = app.put_json("/v2/event_triggers/%s" % UNKNOWN_ID, {"name": "x"},
                        status=404)
    assert fault(resp) == "Event trigger not found [id=%s]." % UNKNOWN_ID


def test_delete(app, wf, notices):
    trigger = create(app, **body(wf)).json
    resp = app.delete("/v2/workflows/et_wf", status=400)
    assert fault(resp) == (
        "Can't delete workflow that has event triggers associated. "
        "[workflow_identifier=et_wf], [event_trigger_id(s)=%s]"
        % trigger["id"])
    app.delete("/v2/event_triggers/%s" % trigger["id"], status=204)
    assert notices.notices == 2
    resp = app.delete("/v2/event_triggers/%s" % trigger["id"], status=404)
    assert fault(resp) == "Event trigger not found [id=%s]." % trigger["id"]
    resp = app.delete("/v2/event_triggers/abc", status=400)
    assert "Expected a uuid but received abc." in fault(resp)
    app.delete("/v2/workflows/et_wf", status=204)


def test_other_projects_public_trigger_is_seen_not_changed(app, wf,
                                                           admin_headers):
    trigger = app.post_json("/v2/event_triggers", body(wf, scope="public"),
                            headers=admin_headers).json
    other = mc_context.RequestContext(project_id="other")
    assert triggers_service.get_event_trigger(
        other, trigger["id"]).id == trigger["id"]
    with pytest.raises(exc.NotAllowedError):
        triggers_service.update_event_trigger(other, trigger["id"],
                                              {"name": "x"})
    with pytest.raises(exc.NotAllowedError):
        triggers_service.delete_event_trigger(other, trigger["id"])
    private = create(app, **body(wf, event="e2")).json
    with pytest.raises(exc.NotFoundError):
        triggers_service.get_event_trigger(other, private["id"])


def test_list_pages_sorts_and_fields(app, wf):
    ids = [create(app, **body(wf, event="e%d" % i, name="n%d" % i)).json[
        "id"] for i in range(3)]
    listed = app.get("/v2/event_triggers").json["event_triggers"]
    assert [t["id"] for t in listed] == ids
    assert list(listed[0]) == FIELDS
    page = app.get("/v2/event_triggers?limit=2").json
    assert [t["id"] for t in page["event_triggers"]] == ids[:2]
    assert page["next"].endswith(
        "/v2/event_triggers?sort_keys=created_at,id&sort_dirs=asc,asc"
        "&limit=2&marker=%s" % ids[1])
    rest = app.get("/v2/event_triggers?limit=2&marker=%s" % ids[1]).json
    assert [t["id"] for t in rest["event_triggers"]] == ids[2:]
    assert "next" not in rest
    resp = app.get("/v2/event_triggers?sort_keys=event&sort_dirs=desc"
                   "&fields=event").json
    assert resp["event_triggers"] == [
        {"id": ids[i], "event": "e%d" % i} for i in (2, 1, 0)]
    resp = app.get("/v2/event_triggers?fields=name,bogus", status=400)
    assert fault(resp).startswith("Some fields do not exist  [bogus]")
    resp = app.get("/v2/event_triggers?marker=%s" % UNKNOWN_ID, status=404)
    assert fault(resp) == "Event trigger not found [id=%s]." % UNKNOWN_ID
    resp = app.get("/v2/event_triggers?limit=0", status=400)
    assert fault(resp) == "Limit must be positive."
    resp = app.get("/v2/event_triggers?all_projects=true", status=403)
    assert fault(resp) == "Operation forbidden (insufficient permissions)"


def test_list_filters(app, wf, admin_headers):
    first = create(app, **body(wf, event="e1", name="n1")).json
    second = create(app, **body(wf, event="e2", topic="other",
                                workflow_input={"a": 2})).json

    def listed(query, **kwargs):
        return [t["id"] for t in app.get(
            "/v2/event_triggers?" + query, **kwargs).json["event_triggers"]]

    assert listed("event=e2") == [second["id"]]
    assert listed("event=in:e1,e2") == [first["id"], second["id"]]
    assert listed("topic=notifications&exchange=nova") == [first["id"]]
    assert listed("name=n1") == [first["id"]]
    assert listed("workflow_id=%s" % wf["id"]) == [first["id"],
                                                   second["id"]]
    assert listed("workflow_input=%s" % json.dumps({"a": 2})) == \
        [second["id"]]
    assert listed("scope=public") == []
    assert listed("project_id=<default-project>",
                  headers=admin_headers) == [first["id"], second["id"]]
    assert listed("all_projects=true", headers=admin_headers) == \
        [first["id"], second["id"]]
