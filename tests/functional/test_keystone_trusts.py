"""Trusts against the real Keystone (``tests.keystone``), without the
service: what a trigger's trust is in Keystone, the token a firing gets
from it (the creator's, after the creator's token was revoked), the token
cache, deletion, and the errors the API answers with."""

import os
import subprocess
import sys

import pytest
from oslo_config import cfg

from mistral_clone import _keystone_client
from mistral_clone import context
from mistral_clone import keystone_trusts
from tests.functional import server
from tests.functional.keystone_api import Caller
from tests.functional.keystone_view import KeystoneView


def make_conf(tmp_path, keystone, extra="", name="trusts.conf"):
    path = tmp_path / name
    path.write_text(keystone.authtoken_conf() + extra)
    conf = cfg.ConfigOpts()
    conf.register_opts([cfg.BoolOpt("auth_enable", default=False)],
                       group="pecan")
    conf(["--config-file", str(path)])
    return conf


def caller_context(keystone, admin, user):
    """The context the API makes of a fresh token of ``user``."""
    token = keystone.token(user)
    info = admin.token_info(token)
    return context.RequestContext(
        project_id=info["project"]["id"], user_id=info["user"]["id"],
        roles=[r["name"] for r in info["roles"]], auth_token=token)


@pytest.fixture
def trusts(tmp_path, keystone):
    return _keystone_client.Trusts(make_conf(tmp_path, keystone))


def test_trust_acts_as_its_creator_after_its_token_is_revoked(trusts,
                                                              keystone):
    admin = KeystoneView(keystone)
    creator = caller_context(keystone, admin, "a-member")
    trust_id = trusts.create(creator)

    trust = admin.trust(trust_id)
    assert trust["trustor_user_id"] == keystone.user_ids["a-member"]
    assert trust["trustee_user_id"] == keystone.user_ids["mistral"]
    assert trust["project_id"] == keystone.project_ids["a"]
    assert trust["impersonation"] is True
    assert sorted(r["name"] for r in trust["roles"]) == \
        sorted(creator.roles) == ["member", "reader"]

    keystone.revoke(creator.auth_token)
    assert admin.token_info(creator.auth_token) is None

    fired = trusts.context(trust_id, creator.project_id)
    assert (fired.project_id, fired.user_id) == (
        keystone.project_ids["a"], keystone.user_ids["a-member"])
    assert sorted(fired.roles) == ["member", "reader"]
    assert not fired.is_admin
    assert (fired.user_name, fired.project_name) == ("a-member",
                                                     "project-a")
    assert fired.service_catalog and fired.expires_at
    token = admin.token_info(fired.auth_token)
    assert token["user"]["id"] == keystone.user_ids["a-member"]
    assert token["project"]["id"] == keystone.project_ids["a"]
    assert token["OS-TRUST:trust"]["id"] == trust_id


def test_token_cache_is_per_trust(trusts, keystone):
    admin = KeystoneView(keystone)
    trust_a = trusts.create(caller_context(keystone, admin, "a-member"))
    trust_b = trusts.create(caller_context(keystone, admin, "b-member"))
    first = trusts.context(trust_a, keystone.project_ids["a"])
    # The same trust reuses its token while it is valid...
    assert trusts.context(trust_a, keystone.project_ids["a"]).auth_token \
        == first.auth_token
    # ... and another trust never gets it.
    other = trusts.context(trust_b, keystone.project_ids["b"])
    assert other.auth_token != first.auth_token
    assert admin.token_info(other.auth_token)["project"]["id"] == \
        keystone.project_ids["b"]
    for trust_id in (trust_a, trust_b):
        trusts.delete(trust_id)


def test_deleted_trust_is_gone_and_refused(trusts, keystone):
    admin = KeystoneView(keystone)
    creator = caller_context(keystone, admin, "a-member")
    trust_id = trusts.create(creator)
    token = trusts.context(trust_id, creator.project_id).auth_token

    assert trusts.delete(trust_id) is True
    assert admin.trust(trust_id) is None
    # Deleting a trust revokes the tokens made from it.
    assert admin.token_info(token) is None
    with pytest.raises(keystone_trusts.TrustRefusedError) as refused:
        trusts.context(trust_id, creator.project_id)
    assert refused.value.http_code == 401
    # Deleting it again is not an error: it is gone.
    assert trusts.delete(trust_id) is True


def test_revoked_token_cannot_create_a_trust(trusts, keystone):
    admin = KeystoneView(keystone)
    creator = caller_context(keystone, admin, keystone.new_user("b"))
    before = admin.trusts_of(creator.user_id)
    keystone.revoke(creator.auth_token)
    with pytest.raises(keystone_trusts.TrustRefusedError) as refused:
        trusts.create(creator)
    assert refused.value.http_code == 401
    assert "Could not create a Keystone trust" in str(refused.value)
    assert admin.trusts_of(creator.user_id) == before


def test_roles_the_creator_lacks_are_refused(trusts, keystone):
    admin = KeystoneView(keystone)
    creator = caller_context(keystone, admin, "a-reader")
    creator.roles = ["admin"]
    with pytest.raises(keystone_trusts.TrustRefusedError) as refused:
        trusts.create(creator)
    assert refused.value.http_code in (400, 401, 403)


def test_keystone_away_is_unavailable(tmp_path, keystone):
    admin = KeystoneView(keystone)
    creator = caller_context(keystone, admin, "a-member")
    away = "http://127.0.0.1:%d" % server.free_port()
    conf = make_conf(tmp_path, keystone, "auth_url = %s\n" % away)
    trusts = _keystone_client.Trusts(conf)
    with pytest.raises(keystone_trusts.KeystoneUnavailableError) as error:
        trusts.create(creator)
    assert error.value.http_code == 503
    with pytest.raises(keystone_trusts.KeystoneUnavailableError):
        trusts.context("0" * 32, creator.project_id)
    with pytest.raises(keystone_trusts.KeystoneUnavailableError):
        trusts.delete("0" * 32)


def test_refused_service_user_is_the_set_ups_fault(tmp_path, keystone):
    admin = KeystoneView(keystone)
    creator = caller_context(keystone, admin, "a-member")
    good = _keystone_client.Trusts(make_conf(tmp_path, keystone))
    trust_id = good.create(creator)
    bad = _keystone_client.Trusts(make_conf(
        tmp_path, keystone, "password = wrong\n", name="bad.conf"))
    with pytest.raises(keystone_trusts.ServiceUserError) as error:
        bad.create(creator)
    assert error.value.http_code == 500
    # Not taken for a trust already gone: the deletion is tried again.
    with pytest.raises(keystone_trusts.ServiceUserError):
        bad.delete(trust_id)
    assert admin.trust(trust_id) is not None
    good.delete(trust_id)
    assert admin.trust(trust_id) is None


def test_missing_service_user_is_named(tmp_path):
    conf = cfg.ConfigOpts()
    conf([])
    trusts = _keystone_client.Trusts(conf)
    with pytest.raises(Exception) as error:
        trusts.check()
    assert "[keystone_authtoken] auth_type is not set" in str(error.value)


WF = """---
version: '2.0'
wf:
  tasks:
    t:
      action: std.noop
"""


def test_api_writes_no_trigger_when_keystone_refuses_the_trust(tmp_path,
                                                               keystone):
    """The API trusts a token it validated for a while (the default
    ``token_cache_time``); Keystone does not, once it is revoked: the
    trust is refused and nothing is written. A trigger that is refused
    for another reason (a second one of the same name) leaves no trust."""
    view = KeystoneView(keystone)
    member = keystone.new_user("a")     # its trusts are counted
    member_id = keystone.user_ids[member]
    with server.running_server(tmp_path, "api",
                               keystone.authtoken_conf(cache=True)) as (
            url, _state):
        creator = Caller(url, keystone.token(member))
        resp = creator.post_definition("/workflows", WF)
        assert resp.status_code == 201, resp.text
        wf_id = resp.json()["workflows"][0]["id"]
        before = view.trust_ids_of(member_id)
        keystone.revoke(creator.token)
        for path, body in (
                ("/cron_triggers", {"name": "c", "workflow_name": "wf",
                                    "pattern": "0 0 * * *"}),
                ("/event_triggers", {"name": "e", "workflow_id": wf_id,
                                     "exchange": "x", "topic": "t",
                                     "event": "e"})):
            resp = creator.post(path, json=body)
            assert resp.status_code == 401, resp.text
            assert resp.json()["faultstring"].startswith(
                "Could not create a Keystone trust for the trigger: ")

        later = Caller(url, keystone.token(member))
        assert later.get("/cron_triggers").json()["cron_triggers"] == []
        assert later.get("/event_triggers").json()["event_triggers"] == []
        assert view.trust_ids_of(member_id) == before

        body = {"name": "twice", "workflow_name": "wf",
                "pattern": "0 0 * * *"}
        assert later.post("/cron_triggers", json=body).status_code == 201
        [kept] = view.trust_ids_of(member_id) - before
        assert later.post("/cron_triggers", json=body).status_code == 409
        assert view.trust_ids_of(member_id) - before == {kept}
        assert later.delete("/cron_triggers/twice").status_code == 204
        assert view.trust(kept) is None


@pytest.mark.parametrize("service, options, missing", [
    ("scheduler", "auth_type = password\n", "auth_url is not set"),
    ("event-engine", "", "auth_type is not set")])
def test_firing_service_needs_the_service_user(tmp_path, service, options,
                                               missing):
    conf = tmp_path / "mistral-clone.conf"
    conf.write_text("[pecan]\nauth_enable = True\n[keystone_authtoken]\n"
                    + options)
    done = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable),
                      "mistral-clone-server"), "--server", service,
         "--config-file", str(conf)],
        env=dict(os.environ, MISTRAL_CLONE_STATE_DIR=str(tmp_path)),
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith(
        "mistral-clone: cannot start: [pecan] auth_enable is True but "
        "[keystone_authtoken] " + missing), done.stderr
    assert "Traceback" not in done.stderr
