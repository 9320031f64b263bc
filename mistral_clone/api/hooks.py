"""Pecan hooks: the request context, built from the headers."""

from pecan import hooks

from mistral_clone import config
from mistral_clone import context


class ContextHook(hooks.PecanHook):
    def before(self, state):
        state.request.context["mistral"] = context.RequestContext.from_headers(
            state.request.environ, config.CONF.pecan.auth_enable)


def request_context():
    import pecan
    return pecan.request.context["mistral"]
