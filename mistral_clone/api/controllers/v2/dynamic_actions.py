"""``/v2/dynamic_actions``: classes of code sources exposed as actions
(admin-only by default). The body of a POST or PUT is the JSON resource;
a PUT names the action by ``name`` or ``id`` in it."""

from pecan import rest
import wsme
from wsme import types as wtypes
import wsmeext.pecan as wsme_pecan

from mistral_clone.api import hooks
from mistral_clone.api import listing
from mistral_clone.api import policy
from mistral_clone.api import resources
from mistral_clone.api import types
from mistral_clone.api.controllers.v2 import code_sources
from mistral_clone.api.controllers.v2 import runtime_resources as res
from mistral_clone.db import models
from mistral_clone.services import dynamic_actions as dyn_service


class DynamicAction(resources.Resource):
    id = wtypes.text
    name = wtypes.text
    namespace = wsme.wsattr(wtypes.text, default="")
    code_source_id = wtypes.text
    code_source_name = wtypes.text
    class_name = wtypes.text
    project_id = wsme.wsattr(wtypes.text, readonly=True)
    scope = res.SCOPE_TYPES
    created_at = wtypes.text
    updated_at = wtypes.text


class DynamicActions(resources.Collection):
    dynamic_actions = [DynamicAction]
    _items_name = "dynamic_actions"


def _shown(values, fields=None):
    """Mistral always shows ``namespace``, a field with a default, even
    when ``fields`` leaves it out."""
    if fields and "namespace" not in fields:
        fields = fields[:1] + ["namespace"] + fields[1:]
    return DynamicAction.from_values(values, fields or None)


def _text(value):
    return None if value is wtypes.Unset else value


class DynamicActionsController(rest.RestController):
    @wsme_pecan.wsexpose(DynamicAction, body=DynamicAction, status_code=201)
    def post(self, dyn_action):
        ctx = hooks.request_context()
        policy.enforce("dynamic_actions:create", ctx)
        scope = _text(dyn_action.scope) or "private"
        if scope == "public":
            policy.enforce("dynamic_actions:publicize", ctx)
        values = dyn_service.create_dynamic_action(
            ctx, _text(dyn_action.name), _text(dyn_action.class_name),
            code_source_id=_text(dyn_action.code_source_id),
            code_source_name=_text(dyn_action.code_source_name),
            scope=scope, namespace=_text(dyn_action.namespace) or "")
        # Mistral's answer to a create leaves out the empty fields.
        return DynamicAction.from_values(
            {k: v for k, v in values.items() if v is not None})

    @wsme_pecan.wsexpose(DynamicAction, body=DynamicAction)
    def put(self, dyn_action):
        ctx = hooks.request_context()
        policy.enforce("dynamic_actions:update", ctx)
        scope = _text(dyn_action.scope)
        if scope == "public":
            policy.enforce("dynamic_actions:publicize", ctx)
        values = dyn_service.update_dynamic_action(
            ctx, _text(dyn_action.id) or _text(dyn_action.name),
            class_name=_text(dyn_action.class_name), scope=scope,
            code_source_id=_text(dyn_action.code_source_id),
            code_source_name=_text(dyn_action.code_source_name),
            namespace=_text(dyn_action.namespace) or "")
        return DynamicAction.from_values(values)

    @wsme_pecan.wsexpose(DynamicActions, *code_sources.LIST_QUERY_TYPES)
    def get_all(self, marker=None, limit=None, sort_keys=None,
                sort_dirs=None, fields=None, name=None, tags=None,
                scope=None, project_id=None, created_at=None,
                updated_at=None, all_projects=False, namespace=None):
        ctx = hooks.request_context()
        policy.enforce("dynamic_actions:list", ctx)
        # ``tags`` is taken, as by Mistral, but these rows have none.
        spec, fields = listing.make_spec(
            models.DynamicActionDefinition, DynamicAction, limit, marker,
            sort_keys, sort_dirs, fields, bool(all_projects),
            created_at=created_at, name=name, scope=scope,
            updated_at=updated_at, project_id=project_id,
            namespace=namespace)
        items = listing.fetch_page(
            models.DynamicActionDefinition, spec, ctx, dyn_service.values,
            "Dynamic Action not found [name=%s,namespace=]")
        link = listing.next_link("dynamic_actions", spec, fields, items)
        return DynamicActions.build([_shown(v, fields) for v in items],
                                    link)

    @wsme_pecan.wsexpose(DynamicAction, wtypes.text, wtypes.text,
                         types.uniquelist)
    def get(self, identifier, namespace="", fields=None):
        ctx = hooks.request_context()
        policy.enforce("dynamic_actions:get", ctx)
        values = dyn_service.get_dynamic_action(ctx, identifier, namespace)
        return _shown(values, listing.with_id(fields))

    @wsme_pecan.wsexpose(None, wtypes.text, wtypes.text, status_code=204)
    def delete(self, identifier, namespace=""):
        ctx = hooks.request_context()
        policy.enforce("dynamic_actions:delete", ctx)
        dyn_service.delete_dynamic_action(ctx, identifier, namespace)
