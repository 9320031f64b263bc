"""What Keystone itself says of trusts and tokens, asked as the service
user (admin in its project): the tests of trusts check Keystone, not only
what the service reports."""

import requests


class KeystoneView:
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

    def trust_ids_of(self, trustor_id) -> set:
        return {t["id"] for t in self.trusts_of(trustor_id)}

    def token_info(self, token):
        """What Keystone says of ``token``, or None when it refuses it."""
        resp = requests.get(self.url + "/auth/tokens", timeout=60,
                            headers=dict(self.headers,
                                         **{"X-Subject-Token": token}))
        return resp.json()["token"] if resp.status_code == 200 else None
