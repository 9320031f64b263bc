"""Pecan hooks: the request context, built from the headers."""

from pecan import hooks

from mistral_clone import config
from mistral_clone import context


class ContextHook(hooks.PecanHook):
    def before(self, state):
        auth_enable = config.CONF.pecan.auth_enable
        # keystonemiddleware registered [keystone_authtoken] (auth.protect).
        auth_uri = auth_cacert = None
        if auth_enable:
            group = config.CONF.keystone_authtoken
            auth_uri, auth_cacert = group.www_authenticate_uri, group.cafile
        state.request.context["mistral"] = context.RequestContext.from_headers(
            state.request.environ, auth_enable, auth_uri, auth_cacert)


def request_context():
    import pecan
    return pecan.request.context["mistral"]
