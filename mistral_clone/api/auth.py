"""``[pecan] auth_enable``: keystonemiddleware in front of the API, set up
enough to authenticate, or the API does not start.

As in Mistral, keystonemiddleware only validates (``delay_auth_decision``)
and the decision is taken here (``IdentityGate``): the version documents
(``/``, ``/v2``, ``/info``) answer without a token, anything else without a
valid one gets 401 with Mistral's error body and message.

keystonemiddleware only reads its ``[keystone_authtoken]`` options on the
first request; without them every request would fail. The options are
checked here, when the app is built, so the server refuses to start and
names what is missing (``mistral-clone: cannot start: ...``).
"""

from keystoneauth1 import exceptions as ka_exc
from keystonemiddleware import auth_token

from mistral_clone import exceptions as exc
from mistral_clone.api import errors

GROUP = "keystone_authtoken"
# Mistral's paths that answer without a token.
ALLOWED_WITHOUT_AUTH = frozenset(["/", "/info", "/v2", "/v2/"])


class IdentityGate:
    """Refuses, with 401, a request whose token keystonemiddleware did not
    confirm (none, garbage, expired or revoked)."""

    def __init__(self, app, conf):
        self._app = app
        self._conf = conf  # keystonemiddleware registers its options on it

    def __call__(self, environ, start_response):
        # Only a user's token: a service token alone names no project
        # (Mistral lets it in; here the context would fall back to the
        # shared auth-off project).
        confirmed = environ.get("HTTP_X_IDENTITY_STATUS") == "Confirmed"
        if confirmed or environ.get("PATH_INFO") in ALLOWED_WITHOUT_AUTH:
            return self._app(environ, start_response)
        reason = "Auth token is invalid" if environ.get("HTTP_X_AUTH_TOKEN") \
            else "Authentication required"
        response = errors.fault_response(
            401, "Failed to validate access token: %s" % reason)
        response.headers["WWW-Authenticate"] = 'Keystone uri="%s"' % (
            self._conf[GROUP].www_authenticate_uri)
        return response(environ, start_response)


def protect(app, conf):
    """``app`` behind keystonemiddleware's auth_token, configured from
    ``conf`` (which it registers its options on)."""
    missing = []
    try:
        # It loads the auth plugin named by auth_type here, if any.
        protected = auth_token.AuthProtocol(
            IdentityGate(app, conf),
            {"oslo_config_config": conf, "delay_auth_decision": True})
    except ka_exc.MissingRequiredOptions as e:
        protected, missing = None, [opt.dest for opt in e.options]
    except ka_exc.NoMatchingPlugin as e:
        raise exc.MistralError("[%s] auth_type: %s" % (GROUP, e))
    group = conf[GROUP]
    if not group.www_authenticate_uri:
        missing.append("www_authenticate_uri")
    if not group.auth_type and not group.auth_section:
        missing.append("auth_type")
    if missing:
        raise exc.MistralError(
            "[pecan] auth_enable is True but [%s] %s %s not set (see "
            "keystonemiddleware's documentation)." % (
                GROUP, ", ".join(missing),
                "is" if len(missing) == 1 else "are"))
    return protected
