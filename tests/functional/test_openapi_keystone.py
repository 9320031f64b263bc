"""``/v2/openapi.json`` on a server with auth on (a real Keystone): like
every other ``/v2`` path, 401 with Mistral's error body without a valid
token; with one, the document, which names the token header as its
security scheme."""

import pytest
import requests
from openapi_spec_validator import validate

from tests.functional import keystone_api


@pytest.fixture(scope="module")
def url(keystone, tmp_path_factory):
    state = tmp_path_factory.mktemp("openapi-keystone")
    with keystone_api.auth_server(keystone, state) as api_url:
        yield api_url


@pytest.mark.parametrize("token", [None, "not-a-token"])
def test_without_a_valid_token_the_document_is_refused(url, token):
    headers = {"X-Auth-Token": token} if token else {}
    response = requests.get(url + "/openapi.json", headers=headers,
                            timeout=60)
    assert response.status_code == 401
    assert response.json()["faultstring"].startswith(
        "Failed to validate access token")


def test_with_a_token_the_document_describes_the_token(url, keystone):
    response = keystone_api.Caller(url, keystone.token("a-member")).get(
        "/openapi.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    document = response.json()
    validate(document)
    assert document["components"]["securitySchemes"]["keystone"][
        "name"] == "X-Auth-Token"
    assert document["security"] == [{"keystone": []}]
    assert document["paths"]["/v2/"]["get"]["security"] == []
    assert "401" in document["paths"]["/v2/executions"]["get"]["responses"]
    assert document["servers"] == [{"url": url[:-len("/v2")]}]
