"""The decision keystonemiddleware leaves to us (``delay_auth_decision``):
who gets past ``auth.IdentityGate``."""

import json

import pytest
import webob

from mistral_clone.api import auth


def app(environ, start_response):
    return webob.Response("passed")(environ, start_response)


@pytest.fixture
def gate():
    conf = {auth.GROUP: type("Group", (), {
        "www_authenticate_uri": "http://keystone:5000"})()}
    return auth.IdentityGate(app, conf)


def answer(gate, path, **headers):
    request = webob.Request.blank(path, headers=headers)
    return request.get_response(gate)


def test_a_confirmed_user_token_passes(gate):
    assert answer(gate, "/v2/workflows",
                  **{"X-Identity-Status": "Confirmed"}).text == "passed"


@pytest.mark.parametrize("headers,reason", [
    ({}, "Authentication required"),
    ({"X-Auth-Token": "junk", "X-Identity-Status": "Invalid"},
     "Auth token is invalid"),
    # A service token alone names no project of a user.
    ({"X-Identity-Status": "Invalid",
      "X-Service-Identity-Status": "Confirmed"}, "Authentication required"),
])
def test_anything_else_is_401(gate, headers, reason):
    resp = answer(gate, "/v2/executions", **headers)
    assert resp.status_int == 401
    assert json.loads(resp.text)["faultstring"] == \
        "Failed to validate access token: " + reason
    assert resp.headers["WWW-Authenticate"] == \
        'Keystone uri="http://keystone:5000"'


@pytest.mark.parametrize("path", ["/", "/v2", "/v2/", "/info"])
def test_version_documents_need_no_token(gate, path):
    assert answer(gate, path).text == "passed"
