"""``/v2/code_sources``: Python modules for dynamic actions (admin-only by
default).

As in Mistral 23, a POST or PUT carries the module's text as the raw
request body, whatever its content type says, with ``name`` (POST), or the
code source's name or id in the URL (PUT), ``scope`` and ``namespace`` in
the query string; the answer is JSON. A PUT without ``scope`` makes the
code source private again, as there.
"""

import pecan
from pecan import rest
import wsme
from wsme import types as wtypes
import wsmeext.pecan as wsme_pecan

from mistral_clone.api import errors
from mistral_clone.api import hooks
from mistral_clone.api import listing
from mistral_clone.api import policy
from mistral_clone.api import resources
from mistral_clone.api import types
from mistral_clone.api.controllers.v2 import definition_requests
from mistral_clone.api.controllers.v2 import runtime_resources as res
from mistral_clone.db import models
from mistral_clone.services import code_sources as code_source_service


class CodeSource(resources.Resource):
    id = wtypes.text
    name = wtypes.text
    namespace = wtypes.text
    content = wtypes.text
    version = wtypes.IntegerType(minimum=1)
    project_id = wsme.wsattr(wtypes.text, readonly=True)
    scope = res.SCOPE_TYPES
    # In Mistral's resource, never filled there either.
    actions = [wtypes.text]
    created_at = wtypes.text
    updated_at = wtypes.text


class CodeSources(resources.Collection):
    code_sources = [CodeSource]
    _items_name = "code_sources"


# The types of the query parameters of a list of code sources or dynamic
# actions (Mistral's): marker, limit, sort_keys, sort_dirs, fields, name,
# tags, scope, project_id, created_at, updated_at, all_projects, namespace.
LIST_QUERY_TYPES = (types.uuid_type, int, types.uniquelist, types.list_type,
                    types.uniquelist, wtypes.text, wtypes.text,
                    res.SCOPE_TYPES, types.uuid_type, wtypes.text,
                    wtypes.text, res.boolean, wtypes.text)


def _stored(values, status):
    """Mistral's answer to a POST/PUT: the empty fields left out."""
    body = CodeSource.from_values(
        {k: v for k, v in values.items() if v is not None}).to_dict()
    return definition_requests.json_response(body, status,
                                             errors.CODE_SOURCE_JSON)


def _scope_allowed(ctx, resource):
    scope = pecan.request.GET.get("scope", "private")
    if scope == "public":
        policy.enforce("%s:publicize" % resource, ctx)
    return scope


class CodeSourcesController(rest.RestController):
    @pecan.expose()
    @errors.renders_errors(content_type=errors.CODE_SOURCE_JSON)
    def post(self, name=None, scope="private", namespace=""):
        ctx = hooks.request_context()
        policy.enforce("code_sources:create", ctx)
        scope = _scope_allowed(ctx, "code_sources")
        values = code_source_service.create_code_source(
            ctx, name, pecan.request.text, scope=scope, namespace=namespace)
        return _stored(values, 201)

    @pecan.expose()
    @errors.renders_errors(content_type=errors.CODE_SOURCE_JSON)
    def put(self, identifier, scope="private", namespace=""):
        ctx = hooks.request_context()
        policy.enforce("code_sources:update", ctx)
        scope = _scope_allowed(ctx, "code_sources")
        values = code_source_service.update_code_source(
            ctx, identifier, pecan.request.text, scope=scope,
            namespace=namespace)
        return _stored(values, 200)

    @wsme_pecan.wsexpose(CodeSources, *LIST_QUERY_TYPES)
    def get_all(self, marker=None, limit=None, sort_keys=None,
                sort_dirs=None, fields=None, name=None, tags=None,
                scope=None, project_id=None, created_at=None,
                updated_at=None, all_projects=False, namespace=None):
        ctx = hooks.request_context()
        policy.enforce("code_sources:list", ctx)
        spec, fields = listing.make_spec(
            models.CodeSource, CodeSource, limit, marker, sort_keys,
            sort_dirs, fields, bool(all_projects), created_at=created_at,
            name=name, scope=scope, tags=tags, updated_at=updated_at,
            project_id=project_id, namespace=namespace)
        items = listing.fetch_page(
            models.CodeSource, spec, ctx, code_source_service.values,
            "Code Source not found [name=%s,namespace=]",
            base_stmt=code_source_service.list_statement())
        link = listing.next_link("code_sources", spec, fields, items)
        return CodeSources.build(
            [CodeSource.from_values(v, fields or None) for v in items], link)

    @wsme_pecan.wsexpose(CodeSource, wtypes.text, wtypes.text,
                         types.uniquelist)
    def get(self, identifier, namespace="", fields=None):
        ctx = hooks.request_context()
        policy.enforce("code_sources:get", ctx)
        values = code_source_service.get_code_source(ctx, identifier,
                                                     namespace)
        # Mistral ignores unknown fields here.
        return CodeSource.from_values(values,
                                      listing.with_id(fields) or None)

    @wsme_pecan.wsexpose(None, wtypes.text, wtypes.text, status_code=204)
    def delete(self, identifier, namespace=""):
        ctx = hooks.request_context()
        policy.enforce("code_sources:delete", ctx)
        code_source_service.delete_code_source(ctx, identifier, namespace)
