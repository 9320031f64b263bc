"""The WSGI application: pecan app, context hook, body size limit and,
when ``[pecan] auth_enable`` is on, keystonemiddleware."""

import pecan
from mistral_clone import config
from mistral_clone.api import canonical
from mistral_clone.api import errors
from mistral_clone.api import guard
from mistral_clone.api import hooks
from mistral_clone.api import pecan_speedups


def setup_app(conf=None):
    conf = conf or config.CONF
    pecan_speedups.install()
    errors.install()
    app = pecan.make_app(
        "mistral_clone.api.controllers.root.RootController",
        hooks=[hooks.ContextHook()],
        debug=conf.pecan.debug,
        force_canonical=False,
        guess_content_type_from_ext=False,
    )
    app = guard.RequestGuard(canonical.CanonicalRedirect(app), conf)
    if conf.pecan.auth_enable:
        from mistral_clone.api import auth
        app = auth.protect(app, conf)
    return app


def wsgi_app():
    """Application object for uwsgi/gunicorn (``mistral_clone.api.wsgi``)."""
    config.parse_args([])
    return setup_app()
