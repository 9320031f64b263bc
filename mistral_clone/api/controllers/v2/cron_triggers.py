"""``/v2/cron_triggers``: list, get, create and delete, as Mistral 23 answers
them (``workflow_input``/``workflow_params`` travel as JSON text)."""

import wsme
from pecan import rest
from wsme import types as wtypes
import wsmeext.pecan as wsme_pecan

from mistral_clone.api import hooks
from mistral_clone.api import listing
from mistral_clone.api import policy
from mistral_clone.api import resources
from mistral_clone.api import types
from mistral_clone.db import models
from mistral_clone.services import cron_triggers as triggers_service

SCOPE_TYPES = wtypes.Enum(str, "private", "public")


json_dict = types.jsondict


class CronTrigger(resources.Resource):
    _time_fields = ("created_at", "updated_at", "first_execution_time",
                    "next_execution_time")

    id = wtypes.text
    name = wtypes.text
    workflow_name = wtypes.text
    workflow_id = wtypes.text
    workflow_input = json_dict
    workflow_params = json_dict
    project_id = wsme.wsattr(wtypes.text, readonly=True)
    scope = SCOPE_TYPES
    pattern = wtypes.text
    remaining_executions = types.count
    first_execution_time = wtypes.text
    next_execution_time = wtypes.text
    created_at = wtypes.text
    updated_at = wtypes.text


class CronTriggerBody(CronTrigger):
    """What POST takes: a trigger, plus ``workflow_namespace`` (an
    extension: Mistral 23 finds a workflow by name only in the default
    namespace)."""

    workflow_namespace = wtypes.text


def row_values(row):
    return {name: getattr(row, name) for name in CronTrigger.field_names()}


class CronTriggers(resources.Collection):
    cron_triggers = [CronTrigger]
    _items_name = "cron_triggers"


def _given(value):
    return None if value is wtypes.Unset else value


class CronTriggersController(rest.RestController):

    @wsme_pecan.wsexpose(CronTrigger, wtypes.text, types.uniquelist)
    def get(self, identifier, fields=None):
        ctx = hooks.request_context()
        policy.enforce("cron_triggers:get", ctx)
        row = triggers_service.get_cron_trigger(ctx, identifier)
        return CronTrigger.from_values(row_values(row),
                                       listing.with_id(fields) or None)

    @wsme_pecan.wsexpose(CronTrigger, body=CronTriggerBody, status_code=201)
    def post(self, cron_trigger):
        ctx = hooks.request_context()
        policy.enforce("cron_triggers:create", ctx)
        scope = _given(cron_trigger.scope) or "private"
        if scope == "public":
            policy.enforce("cron_triggers:publicize", ctx)
        row = triggers_service.create_cron_trigger(
            ctx, _given(cron_trigger.name),
            workflow_name=_given(cron_trigger.workflow_name),
            workflow_id=_given(cron_trigger.workflow_id),
            workflow_namespace=_given(cron_trigger.workflow_namespace),
            workflow_input=_given(cron_trigger.workflow_input),
            workflow_params=_given(cron_trigger.workflow_params),
            pattern=_given(cron_trigger.pattern),
            first_time=_given(cron_trigger.first_execution_time),
            count=_given(cron_trigger.remaining_executions),
            scope=scope)
        values = row_values(row)
        if values["updated_at"] is None:
            del values["updated_at"]  # a new row: Mistral leaves it out
        return CronTrigger.from_values(values)

    @wsme_pecan.wsexpose(None, wtypes.text, status_code=204)
    def delete(self, identifier):
        ctx = hooks.request_context()
        policy.enforce("cron_triggers:delete", ctx)
        triggers_service.delete_cron_trigger(ctx, identifier)

    @wsme_pecan.wsexpose(CronTriggers, types.uuid_type, int,
                         types.uniquelist, types.list_type, types.uniquelist,
                         wtypes.text, wtypes.text, types.uuid_type,
                         json_dict, json_dict, SCOPE_TYPES, wtypes.text,
                         wtypes.IntegerType(), wtypes.text, wtypes.text,
                         wtypes.text, wtypes.text, types.uuid_type, bool)
    def get_all(self, marker=None, limit=None, sort_keys=None,
                sort_dirs=None, fields=None, name=None, workflow_name=None,
                workflow_id=None, workflow_input=None, workflow_params=None,
                scope=None, pattern=None, remaining_executions=None,
                first_execution_time=None, next_execution_time=None,
                created_at=None, updated_at=None, project_id=None,
                all_projects=False):
        ctx = hooks.request_context()
        policy.enforce("cron_triggers:list", ctx)
        if all_projects or project_id:
            policy.enforce("cron_triggers:list:all_projects", ctx)
        filters = dict(
            name=name, workflow_name=workflow_name, workflow_id=workflow_id,
            scope=scope, pattern=pattern,
            first_execution_time=first_execution_time,
            next_execution_time=next_execution_time, created_at=created_at,
            updated_at=updated_at, project_id=project_id)
        if remaining_executions is not None:
            filters["remaining_executions"] = str(remaining_executions)
        listing.add_json_filters(filters, workflow_input=workflow_input,
                                 workflow_params=workflow_params)
        spec, fields = listing.make_spec(
            models.CronTrigger, CronTrigger, limit, marker, sort_keys,
            sort_dirs, fields, all_projects or bool(project_id), **filters)
        items = listing.fetch_page(
            models.CronTrigger, spec, ctx, row_values,
            "Cron trigger not found [identifier=%s]")
        link = listing.next_link("cron_triggers", spec, fields, items)
        return CronTriggers.build(
            [CronTrigger.from_values(v, fields or None) for v in items],
            link)
