"""``/v2/actions``: ad-hoc actions and the std.* catalogue.

The catalogue is stored as ``is_system`` rows but shown as Mistral 23 shows
its Python actions: the name as id, ``is_system`` false, no scope, project,
definition or dates. Changing or deleting one answers 404, as there.
"""

import dataclasses

import pecan
from pecan import rest
from wsme import types as wtypes
import wsmeext.pecan as wsme_pecan

from mistral_clone.api import errors
from mistral_clone.api import hooks
from mistral_clone.api import listing
from mistral_clone.api import merged_listing
from mistral_clone.api import policy
from mistral_clone.api import resources
from mistral_clone.api import types
from mistral_clone.api.controllers.v2 import validation
from mistral_clone.api.controllers.v2.definition_requests import \
    definition_request
from mistral_clone.api.controllers.v2.definition_requests import \
    json_response
from mistral_clone.db import lookup
from mistral_clone.db import models
from mistral_clone.db import session as db_session
from mistral_clone import exceptions as exc
from mistral_clone.services import actions as action_service
from mistral_clone.services import dynamic_actions as dynamic_service


class Action(resources.Resource):
    id = wtypes.text
    name = wtypes.text
    is_system = bool
    input = wtypes.text
    description = wtypes.text
    tags = [wtypes.text]
    definition = wtypes.text
    scope = wtypes.text
    project_id = wtypes.text
    created_at = wtypes.text
    updated_at = wtypes.text
    namespace = wtypes.text


class Actions(resources.Collection):
    actions = [Action]
    _items_name = "actions"


def row_values(row, created=False):
    """What the API shows of an action row; ``created`` for the body of a
    POST/PUT, which Mistral builds from the row itself."""
    if row.is_system:
        return {"id": row.name, "name": row.name, "is_system": False,
                "input": row.input or "", "description": row.description,
                "tags": None, "definition": "", "scope": None,
                "project_id": None, "created_at": "", "updated_at": "",
                "namespace": ""}
    values = {name: getattr(row, name) for name in Action.field_names()}
    values["is_system"] = False
    if created and not values["input"]:
        values["input"] = None  # Mistral's POST/PUT body: null, not ""
    return values


def _stored_values(rows, with_updated_at=True):
    items = []
    for row in rows:
        item = Action.from_values(row_values(row, created=True)).to_dict()
        if not with_updated_at:
            item.pop("updated_at", None)
        items.append(item)
    return {"actions": items}


def _resolve_marker(ctx, marker):
    """Markers are ids, or names for the catalogue (whose id is its name)."""
    if not marker or lookup.is_uuid(marker):
        return marker
    with db_session.read_only() as session:
        row = action_service.find(session, ctx, marker)
    if row is None:
        raise action_service.not_found(marker, "")
    return row.id


class ActionsController(rest.RestController):
    validate = validation.SpecValidationController("actions")

    @wsme_pecan.wsexpose(Action, wtypes.text, wtypes.text)
    def get(self, identifier, namespace=""):
        ctx = hooks.request_context()
        policy.enforce("actions:get", ctx)
        try:
            row = action_service.get_action(ctx, identifier, namespace)
        except exc.NotFoundError:
            row = None
        if row is None or row.is_system:
            # Mistral looks for ad-hoc actions, then dynamic ones, then
            # Python ones.
            dynamic = dynamic_service.find_action_values(ctx, identifier,
                                                         namespace)
            if dynamic is not None:
                return Action.from_values(dynamic)
        if row is None:
            raise action_service.not_found_by_name(identifier, namespace)
        return Action.from_values(row_values(row))

    @pecan.expose()
    @errors.renders_errors
    def post(self, namespace=""):
        ctx = hooks.request_context()
        policy.enforce("actions:create", ctx)
        # Mistral validates ad-hoc actions whatever skip_validation says.
        text, scope, _validate = definition_request(ctx, "actions")
        rows = action_service.create_actions(ctx, text, scope=scope,
                                             namespace=namespace)
        return json_response(_stored_values(rows, False), 201)

    @pecan.expose()
    @errors.renders_errors
    def put(self, identifier=None, namespace=""):
        ctx = hooks.request_context()
        policy.enforce("actions:update", ctx)
        text, scope, _validate = definition_request(ctx, "actions")
        rows = action_service.update_actions(
            ctx, text, scope=scope, identifier=identifier,
            namespace=namespace)
        return json_response(_stored_values(rows))

    @wsme_pecan.wsexpose(None, wtypes.text, wtypes.text, status_code=204)
    def delete(self, identifier, namespace=""):
        ctx = hooks.request_context()
        policy.enforce("actions:delete", ctx)
        action_service.delete_action(ctx, identifier, namespace)

    @wsme_pecan.wsexpose(Actions, wtypes.text, int, types.uniquelist,
                         types.list_type, types.uniquelist, wtypes.text,
                         wtypes.text, wtypes.text, wtypes.text, wtypes.text,
                         wtypes.text, wtypes.text, wtypes.text, wtypes.text,
                         wtypes.text)
    def get_all(self, marker=None, limit=None, sort_keys=None,
                sort_dirs=None, fields=None, created_at=None, name=None,
                scope=None, tags=None, updated_at=None, description=None,
                definition=None, is_system=None, input=None,
                namespace=""):
        ctx = hooks.request_context()
        policy.enforce("actions:list", ctx)
        dynamic = dynamic_service.action_values(ctx, namespace)
        spec, fields = listing.make_spec(
            models.ActionDefinition, Action, limit,
            None if dynamic else _resolve_marker(ctx, marker),
            sort_keys or ["name"], sort_dirs,
            fields, False, created_at=created_at, name=name, scope=scope,
            tags=tags, updated_at=updated_at, description=description,
            definition=definition, is_system=is_system, input=input,
            namespace=namespace)
        not_found = "Action definition not found [action_name=%s, namespace=]"
        if dynamic:
            # Dynamic actions are no rows: merged into the page here.
            whole = dataclasses.replace(spec, limit=None)
            rows = listing.fetch_page(models.ActionDefinition, whole, ctx,
                                      row_values, not_found)
            spec.sort_keys, spec.sort_dirs = whole.sort_keys, whole.sort_dirs
            items = merged_listing.page(rows, dynamic, spec, marker,
                                        not_found)
        else:
            items = listing.fetch_page(models.ActionDefinition, spec, ctx,
                                       row_values, not_found)
        link = listing.next_link("actions", spec, fields, items)
        return Actions.build(
            [Action.from_values(v, fields or None) for v in items], link)
