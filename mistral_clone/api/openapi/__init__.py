"""The OpenAPI 3 description of the API (``GET /v2/openapi.json``),
generated from the pecan controllers and their WSME types, so that a
resource added later is described without editing any list."""

from mistral_clone.api.openapi.document import build  # noqa: F401
