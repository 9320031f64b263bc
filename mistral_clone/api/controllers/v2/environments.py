"""``/v2/environments``: named variable sets, addressed by name."""

import json

import pecan
from pecan import rest
from wsme import types as wtypes
import wsmeext.pecan as wsme_pecan

from mistral_clone import exceptions as exc
from mistral_clone.api import hooks
from mistral_clone.api import listing
from mistral_clone.api import policy
from mistral_clone.api import types
from mistral_clone.api.controllers.v2 import runtime_resources as res
from mistral_clone.db import models
from mistral_clone.services import environments as env_service


def _check_keys(legal_keys) -> None:
    """Mistral refuses keys of the resource a client may not set (``id``,
    ``project_id``, ...) with its own message."""
    try:
        body = json.loads(pecan.request.body.decode() or "null")
    except ValueError:
        return
    if not isinstance(body, dict):
        return
    if "name" not in legal_keys:
        body.pop("name", None)
    if set(body) - set(legal_keys):
        raise exc.InputError(
            "Please, check your environment definition. Only: %s are "
            "allowed as definition keys." % legal_keys)


class EnvironmentsController(rest.RestController):
    @wsme_pecan.wsexpose(res.Environments, types.uuid_type, int,
                         types.uniquelist, types.list_type, types.uniquelist,
                         wtypes.text, wtypes.text, res.jsondict,
                         res.SCOPE_TYPES, wtypes.text, wtypes.text)
    def get_all(self, marker=None, limit=None, sort_keys=None,
                sort_dirs=None, fields=None, name=None, description=None,
                variables=None, scope=None, created_at=None,
                updated_at=None):
        ctx = hooks.request_context()
        policy.enforce("environments:list", ctx)
        spec, fields = listing.make_spec(
            models.Environment, res.Environment, limit, marker, sort_keys,
            sort_dirs, fields, created_at=created_at, name=name,
            updated_at=updated_at, description=description,
            variables=variables, scope=scope)
        items = listing.fetch_page(
            models.Environment, spec, ctx, env_service.values,
            "Environment not found [name=%s]",
            base_stmt=env_service.list_statement())
        link = listing.next_link("environments", spec, fields, items)
        return res.Environments.build(
            [res.Environment.from_values(v, fields or None) for v in items],
            link)

    @wsme_pecan.wsexpose(res.Environment, wtypes.text, types.uniquelist)
    def get(self, name, fields=None):
        ctx = hooks.request_context()
        policy.enforce("environments:get", ctx)
        fields = listing.check_fields(res.Environment, fields)
        return res.Environment.from_values(
            env_service.get_environment(ctx, name), fields or None)

    @wsme_pecan.wsexpose(res.Environment, body=res.Environment,
                         status_code=201)
    def post(self, env):
        ctx = hooks.request_context()
        policy.enforce("environments:create", ctx)
        _check_keys(["name", "description", "variables", "scope"])
        scope = env.scope or "private"
        if scope == "public":
            policy.enforce("environments:publicize", ctx)
        values = env_service.create_environment(
            ctx, env.name, description=env.description or None,
            variables=None if env.variables is wtypes.Unset else env.variables,
            scope=scope)
        # Mistral's answer to a create leaves out the empty fields.
        return res.Environment.from_values(
            {k: v for k, v in values.items() if v is not None})

    @wsme_pecan.wsexpose(res.Environment, body=res.Environment)
    def put(self, env):
        ctx = hooks.request_context()
        policy.enforce("environments:update", ctx)
        if not env.name:
            raise exc.InputError("Name of the environment is not provided.")
        _check_keys(["description", "variables", "scope"])
        if env.scope == "public":
            policy.enforce("environments:publicize", ctx)
        changes = {k: v for k, v in env.to_dict().items()
                   if k in env_service.UPDATABLE}
        return res.Environment.from_values(
            env_service.update_environment(ctx, env.name, changes))

    @wsme_pecan.wsexpose(None, wtypes.text, status_code=204)
    def delete(self, name):
        ctx = hooks.request_context()
        policy.enforce("environments:delete", ctx)
        env_service.delete_environment(ctx, name)
