"""``POST /v2/{workflows,workbooks,actions}/validate``: the client's
``*-validate`` commands. Answers ``{"valid": true}`` or
``{"valid": false, "error": "..."}`` as Mistral does, plus, only when
there are some:

* ``errors``: every problem of the definition, located
  (``[{"path", "line", "column", "message"}]``, ``lang.inspection``);
  ``error`` stays the message of the first;
* ``warnings``: the same shape, for what Mistral accepts but will likely
  fail or surprise: actions and workflows the project cannot see
  (``services.reference_warnings``), keys written twice in a mapping.
"""

import pecan
from pecan import rest

from mistral_clone import exceptions as exc
from mistral_clone import lang
from mistral_clone.api import hooks
from mistral_clone.api.controllers.v2 import definition_requests
from mistral_clone.services import reference_warnings


class SpecValidationController(rest.RestController):
    def __init__(self, kind):
        super().__init__()
        self._kind = kind

    @pecan.expose()
    def post(self):
        text = pecan.request.text
        try:
            lang.parse_located(self._kind, text)
        except exc.DSLParsingError as e:
            body = {"valid": False, "error": str(e),
                    "errors": [p.to_dict() for p in e.located_errors]}
        else:
            body = {"valid": True}
        warnings = _warnings(text, self._kind)
        if warnings:
            body["warnings"] = [p.to_dict() for p in warnings]
        return definition_requests.json_response(body)


def _warnings(text: str, kind: str) -> list:
    inspection = lang.inspect(text, kind)
    unknown = reference_warnings.unknown_references(
        hooks.request_context(), inspection)
    return sorted(inspection.warnings + unknown,
                  key=lambda p: (p.line, p.column))
