"""``/v2/event_triggers``: list, get, create, update and delete, as
Mistral 23 answers them (``workflow_input``/``workflow_params`` travel as
JSON text; ``exchange``, ``topic`` and ``event`` are fixed at creation)."""

import wsme
from pecan import rest
from wsme import types as wtypes
import wsmeext.pecan as wsme_pecan

from mistral_clone import exceptions as exc
from mistral_clone.api import hooks
from mistral_clone.api import listing
from mistral_clone.api import policy
from mistral_clone.api import resources
from mistral_clone.api import types
from mistral_clone.api.controllers.v2 import cron_triggers as cron_api
from mistral_clone.db import models
from mistral_clone.services import event_triggers as triggers_service

# Mistral names them in this order (a set, printed as it happened to be).
CREATE_MANDATORY = ("workflow_id", "exchange", "topic", "event")


class EventTrigger(resources.Resource):
    id = wsme.wsattr(wtypes.text, readonly=True)
    created_at = wsme.wsattr(wtypes.text, readonly=True)
    updated_at = wsme.wsattr(wtypes.text, readonly=True)
    project_id = wsme.wsattr(wtypes.text, readonly=True)
    name = wtypes.text
    workflow_id = types.uuid_type
    workflow_input = types.jsondict
    workflow_params = types.jsondict
    exchange = wtypes.text
    topic = wtypes.text
    event = wtypes.text
    scope = cron_api.SCOPE_TYPES


class EventTriggers(resources.Collection):
    event_triggers = [EventTrigger]
    _items_name = "event_triggers"


def row_values(row):
    return {name: getattr(row, name) for name in EventTrigger.field_names()}


class EventTriggersController(rest.RestController):

    @wsme_pecan.wsexpose(EventTrigger, types.uuid_type, types.uniquelist)
    def get(self, id, fields=None):
        ctx = hooks.request_context()
        policy.enforce("event_triggers:get", ctx)
        row = triggers_service.get_event_trigger(ctx, id)
        return EventTrigger.from_values(row_values(row),
                                        listing.with_id(fields) or None)

    @wsme_pecan.wsexpose(EventTrigger, body=EventTrigger, status_code=201)
    def post(self, event_trigger):
        ctx = hooks.request_context()
        policy.enforce("event_triggers:create", ctx)
        values = event_trigger.to_dict()  # the fields sent
        if [f for f in CREATE_MANDATORY if not values.get(f)]:
            raise exc.InputError(
                "Params {%s} must be provided for creating event trigger."
                % ", ".join("'%s'" % f for f in CREATE_MANDATORY))
        if values.get("scope") == "public":
            policy.enforce("event_triggers:publicize", ctx)
        row = triggers_service.create_event_trigger(
            ctx, values.get("name"), exchange=values["exchange"],
            topic=values["topic"], event=values["event"],
            workflow_id=values["workflow_id"],
            scope=values.get("scope") or "private",
            workflow_input=values.get("workflow_input"),
            workflow_params=values.get("workflow_params"))
        return EventTrigger.from_values(row_values(row))

    @wsme_pecan.wsexpose(EventTrigger, types.uuid_type, body=EventTrigger)
    def put(self, id, event_trigger):
        ctx = hooks.request_context()
        policy.enforce("event_triggers:update", ctx)
        values = event_trigger.to_dict()  # the fields sent
        if values.get("scope") == "public":
            policy.enforce("event_triggers:publicize", ctx)
        if any(values.get(f) for f in triggers_service.UPDATE_NOT_ALLOWED):
            raise exc.InputError(
                "Can not update fields %s of event trigger."
                % list(triggers_service.UPDATE_NOT_ALLOWED))
        row = triggers_service.update_event_trigger(ctx, id, values)
        return EventTrigger.from_values(row_values(row))

    @wsme_pecan.wsexpose(None, types.uuid_type, status_code=204)
    def delete(self, id):
        ctx = hooks.request_context()
        policy.enforce("event_triggers:delete", ctx)
        triggers_service.delete_event_trigger(ctx, id)

    @wsme_pecan.wsexpose(EventTriggers, types.uuid_type, int,
                         types.uniquelist, types.list_type, types.uniquelist,
                         bool, wtypes.text, types.uuid_type,
                         types.jsondict, types.jsondict, wtypes.text,
                         wtypes.text, wtypes.text, cron_api.SCOPE_TYPES,
                         wtypes.text, wtypes.text, wtypes.text)
    def get_all(self, marker=None, limit=None, sort_keys=None,
                sort_dirs=None, fields=None, all_projects=False, name=None,
                workflow_id=None, workflow_input=None, workflow_params=None,
                exchange=None, topic=None, event=None, scope=None,
                created_at=None, updated_at=None, project_id=None):
        ctx = hooks.request_context()
        policy.enforce("event_triggers:list", ctx)
        if all_projects or project_id:
            policy.enforce("event_triggers:list:all_projects", ctx)
        filters = dict(
            name=name, workflow_id=workflow_id, exchange=exchange,
            topic=topic, event=event, scope=scope, created_at=created_at,
            updated_at=updated_at, project_id=project_id)
        listing.add_json_filters(filters, workflow_input=workflow_input,
                                 workflow_params=workflow_params)
        spec, fields = listing.make_spec(
            models.EventTrigger, EventTrigger, limit, marker, sort_keys,
            sort_dirs, fields, all_projects or bool(project_id), **filters)
        items = listing.fetch_page(
            models.EventTrigger, spec, ctx, row_values,
            "Event trigger not found [id=%s].")
        link = listing.next_link("event_triggers", spec, fields, items)
        return EventTriggers.build(
            [EventTrigger.from_values(v, fields or None) for v in items],
            link)
