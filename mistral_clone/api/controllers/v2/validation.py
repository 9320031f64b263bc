"""``POST /v2/{workflows,workbooks,actions}/validate``: the client's
``*-validate`` commands. Answers ``{"valid": true}`` or
``{"valid": false, "error": "..."}``."""

import pecan
from pecan import rest

from mistral_clone import exceptions as exc
from mistral_clone import lang
from mistral_clone.api.controllers.v2 import definition_requests

_PARSERS = {
    "workflows": lambda text: lang.parse_workflows(text, validate=True),
    "workbooks": lambda text: lang.parse_workbook(text, validate=True),
    "actions": lambda text: lang.parse_actions(text, validate=True),
}


class SpecValidationController(rest.RestController):
    def __init__(self, kind):
        super().__init__()
        self._parse = _PARSERS[kind]

    @pecan.expose()
    def post(self):
        try:
            self._parse(pecan.request.text)
        except exc.DSLParsingError as e:
            return definition_requests.json_response(
                {"valid": False, "error": str(e)})
        return definition_requests.json_response({"valid": True})
