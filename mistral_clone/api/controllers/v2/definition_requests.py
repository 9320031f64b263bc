"""What the POST/PUT of a definition (workflows, workbooks, actions) reads
and answers: DSL text in, a JSON body out, both outside WSME as in
Mistral 23."""

import json

import pecan

from mistral_clone import config
from mistral_clone.api import errors
from mistral_clone.api import policy
from mistral_clone.services import definitions


def definition_request(ctx, resource: str) -> tuple:
    """(definition text, scope, validate) of a POST/PUT to ``resource``,
    once the caller may store a definition with that scope."""
    scope = pecan.request.GET.get("scope", "private")
    definitions.check_scope(scope)
    if scope == "public":
        policy.enforce("%s:publicize" % resource, ctx)
    skip = "skip_validation" in pecan.request.GET
    return pecan.request.text, scope, validation_allowed(skip)


def validation_allowed(skip: bool) -> bool:
    """``[api] validation_mode`` decides whether ``skip_validation`` in a
    request is honoured."""
    mode = config.CONF.api.validation_mode
    if mode == "disabled":
        return False
    if mode == "enabled":
        return not skip
    return True


def json_response(body, status: int = 200,
                  content_type: str = errors.DEFINITION_JSON):
    pecan.response.status = status
    pecan.response.content_type = content_type
    pecan.response.text = json.dumps(body)
    return pecan.response
