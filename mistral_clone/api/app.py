"""The WSGI application: pecan app, context hook, body size limit,
``/metrics`` and, when ``[pecan] auth_enable`` is on, keystonemiddleware."""

import pecan
from mistral_clone import config
from mistral_clone.api import canonical
from mistral_clone.api import errors
from mistral_clone.api import guard
from mistral_clone.api import hooks
from mistral_clone.api import maintenance_hook
from mistral_clone.api import metrics
from mistral_clone.api import pecan_speedups
from mistral_clone.api import ui


def setup_app(conf=None):
    conf = conf or config.CONF
    pecan_speedups.install()
    errors.install()
    app = pecan.make_app(
        "mistral_clone.api.controllers.root.RootController",
        hooks=[maintenance_hook.MaintenanceHook(), hooks.ContextHook()],
        debug=conf.pecan.debug,
        force_canonical=False,
        guess_content_type_from_ext=False,
    )
    app = guard.RequestGuard(canonical.CanonicalRedirect(app), conf)
    if conf.metrics.enabled:
        app = metrics.mount(app, conf)
    protect = None
    if conf.pecan.auth_enable:
        from mistral_clone.api import auth
        app = _open_paths(app, auth.protect(app, conf))

        def protect(inner):
            return auth.protect(inner, conf)
    if conf.api.ui_enabled:
        app = ui.mount(app, conf, protect)
    if conf.healthcheck.enabled:
        from mistral_clone.api import health
        app = health.mount(app, conf)
    if conf.metrics.enabled:
        app = metrics.measure(app)
    return app


# What Mistral 23 serves without a token when authentication is on.
PATHS_WITHOUT_AUTH = ("/", "/info", "/v2/")


def _open_paths(app, protected_app):
    def dispatch(environ, start_response):
        if environ.get("PATH_INFO", "") in PATHS_WITHOUT_AUTH:
            return app(environ, start_response)
        return protected_app(environ, start_response)
    return dispatch


def wsgi_app():
    """Application object for uwsgi/gunicorn (``mistral_clone.api.wsgi``)."""
    config.parse_args([])
    return setup_app()
