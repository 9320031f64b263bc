"""``[pecan] auth_enable``: keystonemiddleware in front of the API, set up
enough to authenticate, or the API does not start.

keystonemiddleware only reads its ``[keystone_authtoken]`` options on the
first request; without them every request would fail. The options are
checked here, when the app is built, so the server refuses to start and
names what is missing (``mistral-clone: cannot start: ...``).
"""

from keystoneauth1 import exceptions as ka_exc
from keystonemiddleware import auth_token

from mistral_clone import exceptions as exc

GROUP = "keystone_authtoken"


def protect(app, conf):
    """``app`` behind keystonemiddleware's auth_token, configured from
    ``conf`` (which it registers its options on)."""
    missing = []
    try:
        # It loads the auth plugin named by auth_type here, if any.
        protected = auth_token.AuthProtocol(app, {"oslo_config_config": conf})
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
