"""``[pecan] auth_enable = True`` against a real Keystone: what a token
lets in and what it does not, and the request context made from it."""

import json

import pytest

from tests.functional import keystone_api

WF = """---
version: '2.0'
whoami:
  tasks:
    t:
      action: std.noop
      publish:
        project: <% $.openstack.project_id %>
        user: <% $.openstack.user %>
        roles: <% $.openstack.roles %>
        token: <% $.openstack.auth_token %>
        catalog: <% $.openstack.service_catalog %>
        auth_uri: <% $.openstack.auth_uri %>
        names: <% [$.openstack.user_name, $.openstack.project_name,
                   $.openstack.user_domain_name,
                   $.openstack.project_domain_name] %>
        # Mistral 23's other fields, as it sets them for a user's token.
        flags: <% [$.openstack.is_trust_scoped, $.openstack.trust_id,
                   $.openstack.insecure, $.openstack.is_target,
                   $.openstack.redelivered, $.openstack.user_domain] %>
"""


@pytest.fixture(scope="module")
def api(keystone, tmp_path_factory):
    """The URL of a server with auth on against ``keystone``, whose policy
    file lets only admins create environments."""
    state = tmp_path_factory.mktemp("auth-api")
    policy_file = state / "policy.yaml"
    policy_file.write_text('"environments:create": "rule:admin_only"\n')
    with keystone_api.auth_server(
            keystone, state,
            extra_conf="[oslo_policy]\npolicy_file = %s\n" % policy_file
    ) as url:
        yield url


def test_no_token(api):
    resp = keystone_api.Caller(api).get("/workflows")
    assert resp.status_code == 401
    assert resp.json()["faultstring"] == \
        "Failed to validate access token: Authentication required"
    assert resp.headers["WWW-Authenticate"].startswith("Keystone uri=")


def test_garbage_token(api):
    resp = keystone_api.Caller(api, "not-a-token").get("/workflows")
    assert resp.status_code == 401
    assert resp.json()["faultstring"] == \
        "Failed to validate access token: Auth token is invalid"


def test_version_documents_answer_without_a_token(api):
    assert keystone_api.Caller(api).get("").status_code == 200
    assert keystone_api.Caller(api[:-len("/v2")]).get("/").status_code == 200


def test_revoked_token(api, keystone):
    caller = keystone_api.Caller(api, keystone.token("a-member"))
    assert caller.get("/workflows").status_code == 200
    keystone.revoke(caller.token)
    assert caller.get("/workflows").status_code == 401
    assert caller.post_definition("/workflows", WF).status_code == 401


def test_identity_headers_sent_by_a_client_are_ignored(api, keystone):
    """The identity comes from the token, whatever headers say."""
    spoofed = {"X-Project-Id": keystone.project_ids["b"], "X-Roles": "admin",
               "X-User-Id": keystone.user_ids["b-admin"],
               "X-Identity-Status": "Confirmed"}
    caller = keystone_api.Caller(api, keystone.token("a-member"))
    resp = caller.get("/workflows", headers=spoofed,
                      params={"all_projects": "true"})
    assert resp.status_code == 403
    resp = keystone_api.Caller(api).get("/workflows", headers=spoofed)
    assert resp.status_code == 401


def test_context_comes_from_the_token(api, keystone):
    caller = keystone_api.Caller(api, keystone.token("a-member"))
    resp = caller.post_definition("/workflows", WF, namespace="ctx-test")
    assert resp.status_code == 201, resp.text
    assert resp.json()["workflows"][0]["project_id"] == \
        keystone.project_ids["a"]
    resp = caller.post("/executions", json={
        "workflow_name": "whoami", "workflow_namespace": "ctx-test"})
    assert resp.status_code == 201, resp.text
    assert resp.json()["project_id"] == keystone.project_ids["a"]
    execution = caller.finished_execution(resp.json()["id"])
    assert execution["state"] == "SUCCESS", execution["state_info"]
    tasks = caller.get("/executions/%s/tasks" % execution["id"]).json()
    published = json.loads(tasks["tasks"][0]["published"])
    # Keystone lists the roles in no set order.
    published["roles"] = sorted(published["roles"])
    assert published == {
        "project": keystone.project_ids["a"],
        "user": keystone.user_ids["a-member"],
        "roles": ["member", "reader"],
        "token": "***", "catalog": "***",
        "auth_uri": keystone.url[:-len("/v3")],
        "names": ["a-member", "project-a",
                  "Default", "Default"],
        "flags": [False, None, False, False, False, "default"]}


def test_policy_file_overrides_a_default(api, keystone):
    env = {"name": "policy-env", "variables": {"a": 1}}
    member = keystone_api.Caller(api, keystone.token("a-member"))
    refused = member.post("/environments", json=env)
    assert refused.status_code == 403, refused.text
    admin = keystone_api.Caller(api, keystone.token("a-admin"))
    assert admin.post("/environments", json=env).status_code == 201
    # The other defaults hold: a member changes what the admin made.
    assert member.put("/environments", json=dict(
        env, variables={"a": 2})).status_code == 200
