"""``GET /v2/openapi.json``: the OpenAPI 3 description of this API (not a
Mistral endpoint). Built once per process and authentication setting,
from the controllers the app serves; behind the same authentication as
the rest of ``/v2``."""

import functools
import json

import pecan
from pecan import core as pecan_core
from pecan import rest

from mistral_clone import config
from mistral_clone.api import app as api_app
from mistral_clone.api import openapi


@functools.lru_cache(maxsize=8)
def _document_text(root_controller, server_url, auth_enabled) -> str:
    return json.dumps(openapi.build(root_controller, server_url,
                                    auth_enabled, api_app.PATHS_WITHOUT_AUTH))


class OpenAPIController(rest.RestController):
    @pecan.expose()
    def get(self):
        """The OpenAPI 3 document of the API."""
        # The app being served: its root controller is what is described.
        root_controller = pecan_core.state.app.root
        response = pecan.response
        response.content_type = "application/json"
        response.charset = "UTF-8"
        response.text = _document_text(
            root_controller, pecan.request.application_url,
            bool(config.CONF.pecan.auth_enable))
        return response
