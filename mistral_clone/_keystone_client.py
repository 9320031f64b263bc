"""The Keystone side of ``keystone_trusts``: create, use and delete trusts
through keystoneauth, with ``[keystone_authtoken]``'s service user.

One keystoneauth session per trust, kept in a bounded cache: its token is
reused until it is about to expire, when keystoneauth fetches a new one; a
session belongs to one trust, so a token never serves another project.
"""

import collections
import logging
import threading
from typing import Optional

import requests
from keystoneauth1 import exceptions as ka_exc
from keystoneauth1 import loading as ka_loading
from keystoneauth1 import session as ka_session
from keystonemiddleware import auth_token

from mistral_clone import config
from mistral_clone import context
from mistral_clone import exceptions as exc
from mistral_clone.keystone_trusts import KeystoneUnavailableError
from mistral_clone.keystone_trusts import ServiceUserError
from mistral_clone.keystone_trusts import TrustRefusedError

LOG = logging.getLogger(__name__)

GROUP = "keystone_authtoken"
# Sessions of this many trusts are kept; the least recently used goes.
CACHE_SIZE = 1000
# What makes a trust-scoped authentication: the plugin's own scope goes.
_TRUST_SCOPE = dict(project_id=None, project_name=None,
                    project_domain_id=None, project_domain_name=None,
                    domain_id=None, domain_name=None)


def _error(doing: str, error: Exception) -> exc.MistralError:
    """The MistralError for a keystoneauth ``error`` while ``doing``."""
    if isinstance(error, ka_exc.HttpError) and error.http_status < 500:
        refused = TrustRefusedError("%s: %s" % (doing, error))
        if error.http_status == 401:
            refused.http_code = 401
        return refused
    return KeystoneUnavailableError("%s: Keystone did not answer (%s)"
                                    % (doing, error))


def _service_user_error(error: Exception) -> exc.MistralError:
    """The service user itself could not authenticate: the set-up's
    fault, not the caller's (503 while Keystone does not answer)."""
    if isinstance(error, ka_exc.HttpError) and error.http_status < 500:
        return ServiceUserError(
            "The service user of [%s] cannot authenticate with Keystone: %s"
            % (GROUP, error))
    return KeystoneUnavailableError("Keystone did not answer (%s)" % error)


def register_opts(conf) -> None:
    """``[keystone_authtoken]`` as keystonemiddleware and keystoneauth
    define it (the API registers it too; the scheduler and the event engine
    need it here). Registering an option twice the same way is allowed."""
    for group, opts in auth_token.list_opts():
        conf.register_opts(opts, group=group)
    ka_loading.register_auth_conf_options(conf, GROUP)


class Trusts:
    """Trusts for one configuration (``[keystone_authtoken]``)."""

    def __init__(self, conf=None):
        self._conf = conf or config.CONF
        register_opts(self._conf)
        self._lock = threading.Lock()
        self._sessions = collections.OrderedDict()
        self._service: Optional[ka_session.Session] = None
        self._identity_url: Optional[str] = None
        # One connection pool for every trust's session (each keeps its
        # own token).
        self._http = requests.Session()

    # Sessions.

    def _session(self, auth=None) -> ka_session.Session:
        group = self._conf[GROUP]
        verify = False if group.insecure else (group.cafile or True)
        cert = (group.certfile, group.keyfile) if group.certfile else None
        return ka_session.Session(auth=auth, session=self._http,
                                  verify=verify, cert=cert,
                                  timeout=group.http_connect_timeout)

    def _plugin(self, **overrides):
        try:
            plugin = ka_loading.load_auth_from_conf_options(
                self._conf, GROUP, **overrides)
        except ka_exc.MissingRequiredOptions as e:
            missing = [opt.dest for opt in e.options]
            raise exc.MistralError(
                "[pecan] auth_enable is True but [%s] %s %s not set (the "
                "triggers' trusts need the service user)" % (
                    GROUP, ", ".join(missing),
                    "is" if len(missing) == 1 else "are"))
        except ka_exc.NoMatchingPlugin as e:
            raise exc.MistralError("[%s] auth_type: %s" % (GROUP, e))
        if plugin is None:
            raise exc.MistralError(
                "[pecan] auth_enable is True but [%s] auth_type is not set: "
                "the triggers' trusts need the service user" % GROUP)
        return plugin

    def check(self) -> None:
        """The service user is configured (at start, before any firing
        needs it): a MistralError naming what is missing."""
        self._plugin()

    def _service_session(self) -> ka_session.Session:
        with self._lock:
            if self._service is None:
                self._service = self._session(self._plugin())
            return self._service

    def _trust_session(self, trust_id: str) -> ka_session.Session:
        with self._lock:
            sess = self._sessions.get(trust_id)
            if sess is not None:
                self._sessions.move_to_end(trust_id)
                return sess
        sess = self._session(self._plugin(trust_id=trust_id, **_TRUST_SCOPE))
        with self._lock:
            self._sessions[trust_id] = sess
            while len(self._sessions) > CACHE_SIZE:
                self._sessions.popitem(last=False)
        return sess

    def forget(self, trust_id: str) -> None:
        with self._lock:
            self._sessions.pop(trust_id, None)

    def identity_url(self) -> str:
        """Keystone's v3 API (``auth_url``, with ``/v3`` added if it has
        no version, as Mistral does)."""
        if self._identity_url is None:
            self._plugin()  # registers the plugin's options (auth_url)
            url = self._conf[GROUP].auth_url.rstrip("/")
            self._identity_url = url if url.endswith("/v3") else url + "/v3"
        return self._identity_url

    def _trustee_id(self) -> str:
        """The service user's id."""
        try:
            return self._service_session().get_user_id()
        except ka_exc.ClientException as e:
            raise _service_user_error(e)

    # Trusts.

    def create(self, ctx) -> str:
        """A trust from ``ctx``'s user (with ``ctx``'s token) to the
        service user, on ``ctx``'s project and roles; its id."""
        doing = "Could not create a Keystone trust for the trigger"
        trustee_id = self._trustee_id()
        try:
            resp = self._session().post(
                self.identity_url() + "/OS-TRUST/trusts",
                headers={"X-Auth-Token": ctx.auth_token},
                json={"trust": {
                    "trustor_user_id": ctx.user_id,
                    "trustee_user_id": trustee_id,
                    "project_id": ctx.project_id,
                    "impersonation": True,
                    "roles": [{"name": role} for role in ctx.roles]}})
        except ka_exc.ClientException as e:
            raise _error(doing, e)
        return resp.json()["trust"]["id"]

    def delete(self, trust_id: str) -> bool:
        """Delete the trust as its trustor (through the trust itself, as
        Mistral does: the trustor's own token may be long gone). True when
        it is gone, also when it was already; KeystoneUnavailableError when
        Keystone did not answer, ServiceUserError when the service user
        cannot authenticate."""
        try:
            sess = self._trust_session(trust_id)
            sess.delete("%s/OS-TRUST/trusts/%s" % (self.identity_url(),
                                                   trust_id))
        except ka_exc.NotFound:
            pass
        except ka_exc.Unauthorized:
            # A deleted trust no longer authenticates; neither does a
            # service user with wrong credentials, and then the trust may
            # well be there still.
            self._trustee_id()
        except ka_exc.ClientException as e:
            raise _error("Could not delete Keystone trust %s" % trust_id, e)
        finally:
            self.forget(trust_id)
        return True

    def context(self, trust_id: str, project_id: str):
        """The request context of a firing: the trustor's user, project and
        roles, with a token scoped to the trust (reused until it is about
        to expire)."""
        sess = self._trust_session(trust_id)
        try:
            access = sess.auth.get_access(sess)
        except ka_exc.ClientException as e:
            self.forget(trust_id)
            raise _error("Could not get a token from Keystone trust %s"
                         % trust_id, e)
        catalog = access.service_catalog.catalog \
            if access.has_service_catalog() else None
        group = self._conf[GROUP]
        roles = list(access.role_names or [])
        return context.RequestContext(
            project_id=project_id, user_id=access.user_id,
            roles=roles, is_admin="admin" in [r.lower() for r in roles],
            auth_token=access.auth_token,
            auth_uri=group.www_authenticate_uri or self.identity_url(),
            service_catalog=catalog,
            expires_at=access.expires.isoformat() if access.expires
            else None,
            user_name=access.username, project_name=access.project_name,
            user_domain_id=access.user_domain_id,
            user_domain_name=access.user_domain_name,
            project_domain_id=access.project_domain_id,
            project_domain_name=access.project_domain_name,
            auth_cacert=group.cafile, trust_id=trust_id)
