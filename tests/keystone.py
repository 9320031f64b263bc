"""A real OpenStack Identity (Keystone) for the tests that run with auth on.

Keystone is installed by ``tests/run.sh`` in a venv of its own
(``.venv-keystone``, or ``MISTRAL_CLONE_KEYSTONE_VENV``); it is a test tool,
never a dependency of the product. ``start_keystone`` sets one up in a
directory (SQLite database, fernet and credential keys, ``bootstrap``), serves
it on loopback with gunicorn, and creates the people the tenancy tests need:

- projects ``project-a`` and ``project-b``, and in each a user per role:
  ``a-admin``/``a-member``/``a-reader`` and ``b-admin``/``b-member``/
  ``b-reader`` (Keystone's implied roles give an admin also member and
  reader, and a member also reader, as in any Keystone since Rocky);
- the service user ``mistral`` (project ``service``, role ``service``) that
  keystonemiddleware validates tokens with.

Every user's password is ``PASSWORD`` (hashed with bcrypt's fewest
rounds: what the tests prove does not depend on the cost of a guess, and
each token costs Keystone one hash check). The ``keystone`` session fixture
(``tests/conftest.py`` loads this module as a plugin) gives every process
of a test run the same Keystone (``tests/keystone_share.py``) and skips,
with one line saying why, only where Keystone is not installed.
"""

import contextlib
import dataclasses
import os
import subprocess
import time
import uuid

import pytest
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from tests import keystone_share
from tests.functional import server

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.environ.get("MISTRAL_CLONE_KEYSTONE_VENV") or \
    os.path.join(ROOT, ".venv-keystone")
PASSWORD = "secret-Pa55"
ROLES = ("admin", "member", "reader")
PROJECTS = {"a": "project-a", "b": "project-b"}
SERVICE_USER = "mistral"


def _http():
    """requests, asking again when Keystone answers 500/503: on SQLite it
    refuses a write that meets another ("database is locked"), which
    happens when test workers set up their projects at the same moment
    (its transaction was rolled back: asking again is safe)."""
    retry = Retry(total=8, backoff_factor=0.2, status_forcelist=(500, 503),
                  allowed_methods=None, raise_on_status=False)
    session = requests.Session()
    session.mount("http://", HTTPAdapter(max_retries=retry))
    return session


HTTP = _http()
SERVICE_PROJECT = "service"

CONF = """[database]
connection = sqlite:///{state}/keystone.db?timeout=30
[fernet_tokens]
key_repository = {state}/fernet-keys
[credential]
key_repository = {state}/credential-keys
[token]
provider = fernet
expiration = 7200
[identity]
# bcrypt's cheapest cost: test passwords need no strength, and every user
# made and token issued hashes one (seconds each on a busy machine).
password_hash_rounds = 4
[oslo_policy]
enforce_scope = false
enforce_new_defaults = false
[identity]
password_hash_rounds = 4
"""

# Keystone's WSGI module parses sys.argv with oslo.config, which would take
# gunicorn's own arguments for its own. A Keystone whose test run ended
# without stopping it (the run killed) stops itself.
APP = """import os, signal, sys, threading, time
sys.argv = sys.argv[:1]
from keystone.wsgi.api import application  # noqa

def _stop_with_the_test_run(owner=int(os.environ["%s"])):
    while True:
        time.sleep(1)
        try:
            os.kill(owner, 0)
        except ProcessLookupError:
            os.kill(os.getppid(), signal.SIGTERM)
            return

threading.Thread(target=_stop_with_the_test_run, daemon=True).start()
""" % keystone_share.OWNER_ENV


def installed() -> bool:
    return os.path.exists(os.path.join(VENV, "bin", "keystone-manage"))


@dataclasses.dataclass
class Keystone:
    """A running Keystone: where it is and who is in it."""

    url: str                      # the v3 endpoint, http://127.0.0.1:P/v3
    project_ids: dict             # "a"/"b"/"service" -> project id
    user_ids: dict                # user name -> user id
    # The region of the last ``register_mistral`` of this process.
    mistral_region: str = None

    def token(self, user, project=None) -> str:
        """A project-scoped token of ``user`` (``"a-member"``...); its
        project is the user's own unless named."""
        project = project or PROJECTS[user.split("-")[0]]
        body = {"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": user, "domain": {"id": "default"},
                "password": PASSWORD}}},
            "scope": {"project": {"name": project,
                                  "domain": {"id": "default"}}}}}
        resp = HTTP.post(self.url + "/auth/tokens", json=body,
                             timeout=60)
        resp.raise_for_status()
        return resp.headers["X-Subject-Token"]

    def new_user(self, key="a", role="member") -> str:
        """A user of its own in project ``key`` with ``role``, for a test
        that counts what Keystone holds for its user (trusts): the shared
        ``a-member`` may get trusts from other test workers meanwhile. Its
        name (``a-member-1f2e...``) works with ``token``."""
        name = "%s-%s-%s" % (key, role, uuid.uuid4().hex[:8])
        admin = _Admin(self.url)
        self.user_ids[name] = admin.create(
            "user", name=name, password=PASSWORD, domain_id="default")
        admin.grant(self.project_ids[key], self.user_ids[name],
                    admin.role_id(role))
        return name

    def revoke(self, token) -> None:
        """Revoke ``token`` (its own holder may)."""
        resp = HTTP.delete(self.url + "/auth/tokens", timeout=60,
                               headers={"X-Auth-Token": token,
                                        "X-Subject-Token": token})
        assert resp.status_code == 204, resp.text
        # Once seen: a trust asked with the token just after this 204 was
        # made (three test workers on the shared Keystone). A caller goes
        # on only when Keystone itself refuses the token.
        deadline = time.monotonic() + 30
        while True:
            check = HTTP.get(self.url + "/auth/tokens", timeout=60,
                             headers={"X-Auth-Token": token,
                                      "X-Subject-Token": token})
            if check.status_code in (401, 404):
                return
            assert time.monotonic() < deadline, (
                "Keystone still accepts a revoked token: %s %s"
                % (check.status_code, check.text))
            time.sleep(0.2)

    def authtoken_conf(self, cache=False) -> str:
        """``[pecan]`` and ``[keystone_authtoken]`` as a Mistral deployer
        writes them, for this Keystone. Without ``cache`` a token is
        checked with Keystone on each request, so a revoked one is refused
        at once (by default keystonemiddleware trusts what it validated for
        ``token_cache_time`` seconds)."""
        base = self.url[:-len("/v3")]
        text = ("[pecan]\nauth_enable = True\n"
                "[keystone_authtoken]\n"
                "www_authenticate_uri = %s\n"
                "auth_url = %s\n"
                "auth_type = password\n"
                "username = %s\n"
                "password = %s\n"
                "project_name = %s\n"
                "user_domain_name = Default\n"
                "project_domain_name = Default\n"
                % (base, base, SERVICE_USER, PASSWORD, SERVICE_PROJECT))
        if not cache:
            text += "token_cache_time = -1\n"
        return text

    def register_mistral(self, api_url) -> None:
        """Put ``api_url`` (``.../v2``) in the catalog as the workflow
        service (type ``workflowv2``, as Mistral is registered), so that
        clients find it there. Its endpoints are in a region of their own,
        which ``cli_env`` names from then on: the tests of other processes
        register their servers in the same Keystone."""
        admin = _Admin(self.url)
        region = "mistral-%s" % uuid.uuid4().hex[:8]
        admin.create("region", id=region)
        service_id = admin.create("service", name="mistral",
                                  type="workflowv2")
        for interface in ("public", "internal", "admin"):
            admin.create("endpoint", service_id=service_id, url=api_url,
                         interface=interface, region_id=region)
        self.mistral_region = region

    def cli_env(self, user) -> dict:
        """``OS_*`` variables for python-mistralclient as ``user``."""
        env = {"OS_AUTH_URL": self.url, "OS_USERNAME": user,
               "OS_PASSWORD": PASSWORD,
               "OS_PROJECT_NAME": PROJECTS[user.split("-")[0]],
               "OS_USER_DOMAIN_NAME": "Default",
               "OS_PROJECT_DOMAIN_NAME": "Default"}
        if self.mistral_region:
            env["OS_REGION_NAME"] = self.mistral_region
        return env


def _manage(conf, *args):
    subprocess.run([os.path.join(VENV, "bin", "keystone-manage"),
                    "--config-file", conf] + list(args), check=True,
                   capture_output=True, text=True, timeout=600)


def _wait_until_up(url, proc, timeout=180.0):
    """gunicorn listens before its worker has loaded Keystone: a request
    waits for it."""
    server.wait_for_port(int(url.split(":")[2].split("/")[0]), proc,
                         timeout)
    HTTP.get(url, timeout=timeout).raise_for_status()


class _Admin:
    """Keystone's admin API as the bootstrap admin (system scope)."""

    def __init__(self, url):
        self.url = url
        body = {"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": "admin", "domain": {"id": "default"},
                "password": PASSWORD}}},
            "scope": {"system": {"all": True}}}}
        resp = HTTP.post(url + "/auth/tokens", json=body, timeout=60)
        resp.raise_for_status()
        self.headers = {"X-Auth-Token": resp.headers["X-Subject-Token"]}

    def create(self, kind, **fields):
        resp = HTTP.post("%s/%ss" % (self.url, kind), timeout=60,
                             json={kind: fields}, headers=self.headers)
        if resp.status_code == 409 and "name" in fields:
            # Asked again after a 500 that had stored it after all.
            found = HTTP.get("%s/%ss" % (self.url, kind), timeout=60,
                             params={"name": fields["name"]},
                             headers=self.headers).json()["%ss" % kind]
            if len(found) == 1:
                return found[0]["id"]
        assert resp.status_code == 201, resp.text
        return resp.json()[kind]["id"]

    def role_id(self, name):
        resp = HTTP.get(self.url + "/roles", params={"name": name},
                            headers=self.headers, timeout=60)
        found = resp.json()["roles"]
        return found[0]["id"] if found else self.create("role", name=name)

    def grant(self, project_id, user_id, role_id):
        resp = HTTP.put("%s/projects/%s/users/%s/roles/%s" % (
            self.url, project_id, user_id, role_id), headers=self.headers,
            timeout=60)
        assert resp.status_code == 204, resp.text


def _populate(url) -> Keystone:
    admin = _Admin(url)
    roles = {name: admin.role_id(name) for name in ROLES + ("service",)}
    project_ids, user_ids = {}, {}
    for key, name in list(PROJECTS.items()) + [("service", SERVICE_PROJECT)]:
        project_ids[key] = admin.create("project", name=name,
                                        domain_id="default")
    for key in PROJECTS:
        for role in ROLES:
            user = "%s-%s" % (key, role)
            user_ids[user] = admin.create(
                "user", name=user, password=PASSWORD, domain_id="default")
            admin.grant(project_ids[key], user_ids[user], roles[role])
    user_ids[SERVICE_USER] = admin.create(
        "user", name=SERVICE_USER, password=PASSWORD, domain_id="default")
    for role in ("service", "admin"):
        admin.grant(project_ids["service"], user_ids[SERVICE_USER],
                    roles[role])
    return Keystone(url, project_ids, user_ids)


def _set_up(state_dir, url):
    """Keystone's configuration, database and keys in ``state_dir``, with
    the bootstrap admin and ``url`` as the identity endpoint. The keys do
    not need the database: made at the same time."""
    conf = os.path.join(state_dir, "keystone.conf")
    with open(conf, "w") as f:
        f.write(CONF.format(state=state_dir))
    user = ["--keystone-user", str(os.getuid()),
            "--keystone-group", str(os.getgid())]
    keys = [subprocess.Popen(
        [os.path.join(VENV, "bin", "keystone-manage"), "--config-file",
         conf, command] + user, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True)
        for command in ("fernet_setup", "credential_setup")]
    _manage(conf, "db_sync")
    for proc in keys:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
    _manage(conf, "bootstrap", "--bootstrap-password", PASSWORD,
            "--bootstrap-admin-url", url, "--bootstrap-public-url", url,
            "--bootstrap-internal-url", url,
            "--bootstrap-region-id", "RegionOne")
    return conf


def launch(state_dir):
    """A Keystone set up in ``state_dir`` and served on a free port:
    (its gunicorn process, the ``Keystone``). It outlives the process
    that launched it until ``server.stop``: other processes of the test
    run may use it."""
    state_dir = str(state_dir)
    port = server.free_port()
    url = "http://127.0.0.1:%d/v3" % port
    conf = _set_up(state_dir, url)
    with open(os.path.join(state_dir, "keystone_app.py"), "w") as f:
        f.write(APP)
    env = dict(os.environ, OS_KEYSTONE_CONFIG_FILES=conf)
    env.setdefault(keystone_share.OWNER_ENV, str(os.getpid()))
    with open(os.path.join(state_dir, "keystone.log"), "w") as log:
        proc = subprocess.Popen(
            [os.path.join(VENV, "bin", "gunicorn"), "--bind",
             "127.0.0.1:%d" % port, "--workers", "1", "--threads", "4",
             "--timeout", "300", "--no-control-socket",
             "--pythonpath", state_dir, "keystone_app:application"],
            env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(url, proc)
        return proc, _populate(url)
    except BaseException:
        server.stop(proc)
        raise


@contextlib.contextmanager
def start_keystone(state_dir):
    """A Keystone of this process only, stopped at the end."""
    proc, running = launch(state_dir)
    try:
        yield running
    finally:
        server.stop(proc)


@pytest.fixture(scope="session")
def keystone():
    """The test run's Keystone (see the module's docstring)."""
    if not installed():
        pytest.skip("Keystone is not installed in %s (tests/run.sh installs "
                    "it)" % VENV)
    with keystone_share.shared(launch, Keystone) as running:
        yield running
