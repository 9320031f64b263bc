"""``/healthcheck`` (``[healthcheck] enabled``): oslo.middleware's
healthcheck application, mounted at its path only as Mistral 23 mounts it
(wrapped around the whole API, recent oslo.middleware versions would
answer every path), in front of authentication.

Its backends are ``[healthcheck] backends``; ours, ``database``
(``DatabaseCheck``, the default list), answers 503 when the database
does not run ``SELECT 1``. oslo.middleware's own backends
(``disable_by_file``, ...) can be listed beside it."""

import logging

import sqlalchemy as sa
from oslo_middleware import healthcheck
from oslo_middleware.healthcheck import opts as healthcheck_opts
from oslo_middleware.healthcheck import pluginbase

from mistral_clone.db import retry
from mistral_clone.db import session as db_session

LOG = logging.getLogger(__name__)

PATH = "/healthcheck"
DATABASE_BACKEND = "database"


def mount(app, conf):
    conf.register_opts(healthcheck_opts.HEALTHCHECK_OPTS, group="healthcheck")
    conf.set_default("backends", [DATABASE_BACKEND], group="healthcheck")
    check = healthcheck.Healthcheck(app, conf)

    def dispatch(environ, start_response):
        if environ.get("PATH_INFO", "") == PATH:
            return check(environ, start_response)
        return app(environ, start_response)

    return dispatch


class DatabaseCheck(pluginbase.HealthcheckBaseExtension):
    """The ``database`` backend: one ``SELECT 1`` through the pool."""

    def healthcheck(self, server_port):
        try:
            with db_session.read_only() as session:
                session.execute(sa.text("SELECT 1"))
        except Exception as e:  # noqa: BLE001 - any failure is unhealthy
            LOG.warning("Healthcheck: the database does not answer: %s",
                        retry.first_line(e))
            return pluginbase.HealthcheckResult(
                available=False, reason="DATABASE UNAVAILABLE",
                details=retry.first_line(e))
        return pluginbase.HealthcheckResult(available=True, reason="OK")
