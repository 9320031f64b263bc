"""Trusts against the real Keystone (``tests.keystone``), without the
service: what a trigger's trust is in Keystone, the token a firing gets
from it (the creator's, after the creator's token was revoked), the token
cache, deletion, and the errors the API answers with."""

import pytest
import requests
from oslo_config import cfg

from mistral_clone import _keystone_client
from mistral_clone import context
from mistral_clone import keystone_trusts
from tests.functional import server


def make_conf(tmp_path, keystone, extra=""):
    path = tmp_path / "trusts.conf"
    path.write_text(keystone.authtoken_conf() + extra)
    conf = cfg.ConfigOpts()
    conf.register_opts([cfg.BoolOpt("auth_enable", default=False)],
                       group="pecan")
    conf(["--config-file", str(path)])
    return conf


class Admin:
    """Keystone's API as the service user (admin in its project)."""

    def __init__(self, keystone):
        self.url = keystone.url
        self.headers = {"X-Auth-Token": keystone.token("mistral",
                                                       "service")}

    def trust(self, trust_id):
        """The trust, or None when Keystone does not know it."""
        resp = requests.get("%s/OS-TRUST/trusts/%s" % (self.url, trust_id),
                            headers=self.headers, timeout=60)
        if resp.status_code == 404:
            return None
        assert resp.status_code == 200, resp.text
        return resp.json()["trust"]

    def trusts_of(self, trustor_id):
        resp = requests.get(self.url + "/OS-TRUST/trusts",
                            params={"trustor_user_id": trustor_id},
                            headers=self.headers, timeout=60)
        assert resp.status_code == 200, resp.text
        return resp.json()["trusts"]

    def token_info(self, token):
        """What Keystone says of ``token``, or None when it refuses it."""
        resp = requests.get(self.url + "/auth/tokens", timeout=60,
                            headers=dict(self.headers,
                                         **{"X-Subject-Token": token}))
        return resp.json()["token"] if resp.status_code == 200 else None


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
    admin = Admin(keystone)
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
    admin = Admin(keystone)
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
    admin = Admin(keystone)
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
    admin = Admin(keystone)
    creator = caller_context(keystone, admin, "b-member")
    before = admin.trusts_of(creator.user_id)
    keystone.revoke(creator.auth_token)
    with pytest.raises(keystone_trusts.TrustRefusedError) as refused:
        trusts.create(creator)
    assert refused.value.http_code == 401
    assert "Could not create a Keystone trust" in str(refused.value)
    assert admin.trusts_of(creator.user_id) == before


def test_roles_the_creator_lacks_are_refused(trusts, keystone):
    admin = Admin(keystone)
    creator = caller_context(keystone, admin, "a-reader")
    creator.roles = ["admin"]
    with pytest.raises(keystone_trusts.TrustRefusedError) as refused:
        trusts.create(creator)
    assert refused.value.http_code in (400, 401, 403)


def test_keystone_away_is_unavailable(tmp_path, keystone):
    admin = Admin(keystone)
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


def test_missing_service_user_is_named(tmp_path):
    conf = cfg.ConfigOpts()
    conf([])
    trusts = _keystone_client.Trusts(conf)
    with pytest.raises(Exception) as error:
        trusts.check()
    assert "[keystone_authtoken] auth_type is not set" in str(error.value)
