"""The WSGI application: pecan app, context hook, body size limit and,
when ``[pecan] auth_enable`` is on, keystonemiddleware."""

import pecan
from oslo_middleware import sizelimit

from mistral_clone import config
from mistral_clone.api import hooks
from mistral_clone.api import pecan_speedups


def setup_app(conf=None):
    conf = conf or config.CONF
    pecan_speedups.install()
    app = pecan.make_app(
        "mistral_clone.api.controllers.root.RootController",
        hooks=[hooks.ContextHook(), hooks.JsonBodyHook()],
        debug=conf.pecan.debug,
        force_canonical=False,
        guess_content_type_from_ext=False,
    )
    app = sizelimit.RequestBodySizeLimiter(app, conf)
    # Definitions can be large; oslo.middleware's 112 KiB default is not.
    conf.set_default("max_request_body_size", 1024 * 1024,
                     group="oslo_middleware")
    if conf.pecan.auth_enable:
        from keystonemiddleware import auth_token
        app = auth_token.AuthProtocol(app, {"oslo_config_config": conf})
    return app


def wsgi_app():
    """Application object for uwsgi/gunicorn (``mistral_clone.api.wsgi``)."""
    config.parse_args([])
    return setup_app()
