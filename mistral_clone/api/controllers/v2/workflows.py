"""``/v2/workflows``."""

import pecan
from pecan import rest
from wsme import types as wtypes
import wsmeext.pecan as wsme_pecan

from mistral_clone.api import errors
from mistral_clone.api import hooks
from mistral_clone.api import listing
from mistral_clone.api import policy
from mistral_clone.api import resources
from mistral_clone.api import types
from mistral_clone.api.controllers.v2 import members
from mistral_clone.api.controllers.v2 import validation
from mistral_clone.api.controllers.v2.definition_requests import \
    definition_request
from mistral_clone.api.controllers.v2.definition_requests import \
    json_response
from mistral_clone.db import models
from mistral_clone.services import workflows as wf_service


class Workflow(resources.Resource):
    id = wtypes.text
    name = wtypes.text
    namespace = wtypes.text
    input = wtypes.text
    # A JSON string in GET answers, an object in POST/PUT ones (as in
    # Mistral 23, whose POST/PUT bodies skip WSME).
    interface = types.jsontext
    definition = wtypes.text
    checksum = wtypes.text
    tags = [wtypes.text]
    scope = wtypes.text
    project_id = wtypes.text
    created_at = wtypes.text
    updated_at = wtypes.text

    @classmethod
    def from_row(cls, row, fields=None):
        return cls.from_values(row_values(row), fields)


def row_values(row):
    return {name: getattr(row, name) for name in Workflow.field_names()}


class Workflows(resources.Collection):
    workflows = [Workflow]
    _items_name = "workflows"


class WorkflowsController(rest.RestController):
    validate = validation.SpecValidationController("workflows")
    members = members.MembersController()

    @wsme_pecan.wsexpose(Workflow, wtypes.text, wtypes.text,
                         types.uniquelist)
    def get(self, identifier, namespace="", fields=None):
        ctx = hooks.request_context()
        policy.enforce("workflows:get", ctx)
        row = wf_service.get_workflow(ctx, identifier, namespace)
        return Workflow.from_row(row, listing.with_id(fields) or None)

    @pecan.expose()
    @errors.renders_errors
    def post(self, namespace=""):
        ctx = hooks.request_context()
        policy.enforce("workflows:create", ctx)
        text, scope, validate = definition_request(ctx, "workflows")
        rows = wf_service.create_workflows(
            ctx, text, scope=scope, namespace=namespace, validate=validate)
        items = [Workflow.from_row(r).to_dict() for r in rows]
        for item in items:  # Mistral's create answer has no updated_at
            item.pop("updated_at", None)
        return json_response({"workflows": items}, 201)

    @pecan.expose()
    @errors.renders_errors
    def put(self, identifier=None, namespace=""):
        ctx = hooks.request_context()
        policy.enforce("workflows:update", ctx)
        text, scope, validate = definition_request(ctx, "workflows")
        rows = wf_service.update_workflows(
            ctx, text, scope=scope, identifier=identifier,
            namespace=namespace, validate=validate)
        items = [Workflow.from_row(r).to_dict() for r in rows]
        return json_response(items[0] if identifier else
                             {"workflows": items})

    @wsme_pecan.wsexpose(None, wtypes.text, wtypes.text, status_code=204)
    def delete(self, identifier, namespace=""):
        ctx = hooks.request_context()
        policy.enforce("workflows:delete", ctx)
        wf_service.delete_workflow(ctx, identifier, namespace)

    @wsme_pecan.wsexpose(Workflows, types.uuid_type, int, types.uniquelist,
                         types.list_type, types.uniquelist, wtypes.text,
                         wtypes.text, wtypes.text, wtypes.text, wtypes.text,
                         types.uuid_type, wtypes.text, wtypes.text, bool,
                         wtypes.text)
    def get_all(self, marker=None, limit=None, sort_keys=None,
                sort_dirs=None, fields=None, name=None, input=None,
                definition=None, tags=None, scope=None, project_id=None,
                created_at=None, updated_at=None, all_projects=False,
                namespace=None):
        ctx = hooks.request_context()
        policy.enforce("workflows:list", ctx)
        if all_projects or project_id:
            policy.enforce("workflows:list:all_projects", ctx)
        spec, fields = listing.make_spec(
            models.WorkflowDefinition, Workflow, limit, marker, sort_keys,
            sort_dirs, fields, all_projects or bool(project_id),
            name=name, input=input, definition=definition, tags=tags,
            scope=scope, project_id=project_id, created_at=created_at,
            updated_at=updated_at, namespace=namespace)
        items = listing.fetch_page(
            models.WorkflowDefinition, spec, ctx, row_values,
            "Workflow not found [workflow_id=%s]")
        link = listing.next_link("workflows", spec, fields, items)
        return Workflows.build(
            [Workflow.from_values(v, fields or None) for v in items], link)
