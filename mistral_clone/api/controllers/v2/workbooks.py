"""``/v2/workbooks``."""

from pecan import rest
import pecan
from wsme import types as wtypes
import wsmeext.pecan as wsme_pecan

from mistral_clone.api import errors
from mistral_clone.api import hooks
from mistral_clone.api import listing
from mistral_clone.api import policy
from mistral_clone.api import resources
from mistral_clone.api import types
from mistral_clone.api.controllers.v2 import validation
from mistral_clone.api.controllers.v2.definition_requests import \
    definition_request
from mistral_clone.api.controllers.v2.definition_requests import \
    json_response
from mistral_clone.db import models
from mistral_clone.services import workbooks as wb_service


class Workbook(resources.Resource):
    id = wtypes.text
    name = wtypes.text
    namespace = wtypes.text
    definition = wtypes.text
    tags = [wtypes.text]
    scope = wtypes.text
    project_id = wtypes.text
    created_at = wtypes.text
    updated_at = wtypes.text


class Workbooks(resources.Collection):
    workbooks = [Workbook]
    _items_name = "workbooks"


def row_values(row):
    return {name: getattr(row, name) for name in Workbook.field_names()}


def _body(row, with_updated_at=True):
    body = Workbook.from_values(row_values(row)).to_dict()
    if not with_updated_at:
        body.pop("updated_at", None)
    return body


class WorkbooksController(rest.RestController):
    validate = validation.SpecValidationController("workbooks")

    @wsme_pecan.wsexpose(Workbook, wtypes.text, wtypes.text,
                         types.uniquelist)
    def get(self, name, namespace="", fields=None):
        ctx = hooks.request_context()
        policy.enforce("workbooks:get", ctx)
        row = wb_service.get_workbook(ctx, name, namespace)
        return Workbook.from_values(row_values(row),
                                    listing.with_id(fields) or None)

    @pecan.expose()
    @errors.renders_errors
    def post(self, namespace=""):
        ctx = hooks.request_context()
        policy.enforce("workbooks:create", ctx)
        text, scope, validate = definition_request(ctx, "workbooks")
        row = wb_service.create_workbook(
            ctx, text, scope=scope, namespace=namespace, validate=validate)
        return json_response(_body(row, False), 201)

    @pecan.expose()
    @errors.renders_errors
    def put(self, namespace=""):
        ctx = hooks.request_context()
        policy.enforce("workbooks:update", ctx)
        text, scope, validate = definition_request(ctx, "workbooks")
        row = wb_service.update_workbook(
            ctx, text, scope=scope, namespace=namespace, validate=validate)
        return json_response(_body(row))

    @wsme_pecan.wsexpose(None, wtypes.text, wtypes.text, status_code=204)
    def delete(self, name, namespace=""):
        ctx = hooks.request_context()
        policy.enforce("workbooks:delete", ctx)
        wb_service.delete_workbook(ctx, name, namespace)

    @wsme_pecan.wsexpose(Workbooks, types.uuid_type, int, types.uniquelist,
                         types.list_type, types.uniquelist, wtypes.text,
                         wtypes.text, wtypes.text, wtypes.text, wtypes.text,
                         wtypes.text, wtypes.text)
    def get_all(self, marker=None, limit=None, sort_keys=None,
                sort_dirs=None, fields=None, created_at=None,
                definition=None, name=None, scope=None, tags=None,
                updated_at=None, namespace=None):
        ctx = hooks.request_context()
        policy.enforce("workbooks:list", ctx)
        spec, fields = listing.make_spec(
            models.Workbook, Workbook, limit, marker, sort_keys, sort_dirs,
            fields, False, created_at=created_at, definition=definition,
            name=name, scope=scope, tags=tags, updated_at=updated_at,
            namespace=namespace)
        items = listing.fetch_page(
            models.Workbook, spec, ctx, row_values,
            "Workbook not found [id=%s]")
        link = listing.next_link("workbooks", spec, fields, items)
        return Workbooks.build(
            [Workbook.from_values(v, fields or None) for v in items], link)
