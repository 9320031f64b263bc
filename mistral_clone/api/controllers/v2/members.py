"""``/v2/workflows/{workflow_id}/members[/{member_id}]``: share a private
workflow with another project (``services.members`` says who may do
what)."""

import functools
import json

from oslo_config import cfg
import pecan
from pecan import rest
from wsme import types as wtypes
import wsmeext.pecan as wsme_pecan

from mistral_clone import exceptions as exc
from mistral_clone.api import hooks
from mistral_clone.api import policy
from mistral_clone.api import resources
from mistral_clone.db import lookup
from mistral_clone.services import members as member_service

AUTH_REQUIRED = ("Resource sharing feature can only be supported with "
                 "authentication enabled.")
UUID_REQUIRED = ("Only support UUID as resource identifier in resource "
                 "sharing feature.")


class Member(resources.Resource):
    id = wtypes.text
    resource_id = wtypes.text
    resource_type = wtypes.text
    project_id = wtypes.text
    member_id = wtypes.text
    status = wtypes.Enum(str, *member_service.STATUSES)
    created_at = wtypes.text
    updated_at = wtypes.text

    @classmethod
    def from_row(cls, row):
        return cls.from_values(
            {name: getattr(row, name) for name in cls.field_names()})


class Members(resources.Collection):
    members = [Member]
    _items_name = "members"


def sharing_request(method):
    """Refuse, before the body is read, what Mistral 23 refuses before
    its WSME layer: a workflow id that is not a UUID (Mistral: 500) and
    any members request while auth is off (Mistral: 400). The body is
    ``{"faultstring": ...}`` alone, as Mistral answers there."""

    @functools.wraps(method)
    def checked(self, workflow_id, *args, **kwargs):
        if not lookup.is_uuid(workflow_id):
            return _refusal(UUID_REQUIRED)
        if not cfg.CONF.pecan.auth_enable:
            return _refusal(AUTH_REQUIRED)
        return method(self, workflow_id, *args, **kwargs)

    return checked


def _refusal(message):
    response = pecan.response
    response.status = 400
    response.content_type = "application/json"
    response.text = json.dumps({"faultstring": message})
    return response


class MembersController(rest.RestController):

    @sharing_request
    @wsme_pecan.wsexpose(Members, wtypes.text)
    def get_all(self, workflow_id):
        ctx = hooks.request_context()
        policy.enforce("members:list", ctx)
        rows = member_service.list_members(ctx, workflow_id)
        return Members.build([Member.from_row(r) for r in rows], None)

    @sharing_request
    @wsme_pecan.wsexpose(Member, wtypes.text, wtypes.text)
    def get(self, workflow_id, member_id):
        ctx = hooks.request_context()
        policy.enforce("members:get", ctx)
        return Member.from_row(
            member_service.get_member(ctx, workflow_id, member_id))

    @sharing_request
    @wsme_pecan.wsexpose(Member, wtypes.text, body=Member, status_code=201)
    def post(self, workflow_id, member):
        ctx = hooks.request_context()
        policy.enforce("members:create", ctx)
        return Member.from_row(member_service.create_member(
            ctx, workflow_id, member.member_id or None))

    @sharing_request
    @wsme_pecan.wsexpose(Member, wtypes.text, wtypes.text, body=Member)
    def put(self, workflow_id, member_id, member):
        ctx = hooks.request_context()
        policy.enforce("members:update", ctx)
        return Member.from_row(member_service.update_member(
            ctx, workflow_id, member_id, member.status or None))

    @sharing_request
    @wsme_pecan.wsexpose(None, wtypes.text, wtypes.text, status_code=204)
    def delete(self, workflow_id, member_id):
        ctx = hooks.request_context()
        policy.enforce("members:delete", ctx)
        member_service.delete_member(ctx, workflow_id, member_id)
