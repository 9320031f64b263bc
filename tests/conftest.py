"""Fixtures shared by every test: a fresh database per test.

Each test gets the embedded configuration on a private SQLite file, migrated
to head, so tests never share state. ``MISTRAL_CLONE_TEST_DB`` set to a
PostgreSQL URL runs every test on PostgreSQL instead; tests marked
``postgresql`` use PostgreSQL whenever ``MISTRAL_CLONE_TEST_PG_URL`` is set.
Either way each test gets a database of its own, created from that URL and
dropped afterwards, so parallel workers never meet.
"""

import contextlib
import os
import uuid

import pytest
import sqlalchemy as sa

from mistral_clone import config

PG_URL = os.environ.get("MISTRAL_CLONE_TEST_PG_URL")

# The ``keystone`` fixture: a real Keystone for the tests with auth on.
pytest_plugins = ["tests.keystone"]


@contextlib.contextmanager
def throwaway_pg_database(base_url):
    """A new, empty database on the server of ``base_url``; its URL."""
    base = sa.engine.make_url(base_url)
    name = "mc_test_%s" % uuid.uuid4().hex[:12]
    admin = sa.create_engine(base.set(database="postgres"),
                             isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql('CREATE DATABASE "%s"' % name)
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        from mistral_clone.db import session
        session.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(
                'DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)
        admin.dispose()


@pytest.fixture
def db_url(request, tmp_path):
    base = os.environ.get("MISTRAL_CLONE_TEST_DB")
    if not base and PG_URL and request.node.get_closest_marker("postgresql"):
        base = PG_URL
    yield from _database_url(base, tmp_path)


def _database_url(base, tmp_path):
    if base and base.startswith("postgresql"):
        with throwaway_pg_database(base) as url:
            yield url
        return
    yield base or "sqlite:///%s" % (tmp_path / "test.sqlite")


def each_database_url(request, tmp_path):
    """``db_url`` for a module whose tests run on SQLite and, when
    ``MISTRAL_CLONE_TEST_PG_URL`` is set, on PostgreSQL too::

        db_url = pytest.fixture(params=DATABASES, name="db_url")(
            each_database_url)
    """
    if request.param == "postgresql" and not PG_URL:
        pytest.skip("MISTRAL_CLONE_TEST_PG_URL is not set")
    yield from _database_url(PG_URL if request.param == "postgresql"
                             else None, tmp_path)


DATABASES = ("sqlite", "postgresql")


@pytest.fixture
def conf(db_url, tmp_path):
    config.parse_args([])
    config.CONF.set_override("connection", db_url, "database")
    config.CONF.set_override("state_path", str(tmp_path))
    from mistral_clone.db import session
    session.dispose()
    yield config.CONF
    session.dispose()
    config.CONF.reset()
    config.CONF.clear_override("connection", "database")
    config.CONF.clear_override("state_path")


@pytest.fixture
def db(conf):
    """A migrated, empty database."""
    from mistral_clone.db import migration
    migration.upgrade()
    yield


@pytest.fixture
def db_proxy(db_url, conf, db):
    """This process reaches the test database through a TcpProxy, which
    outage tests cut and restore (the shared server is never stopped)."""
    from mistral_clone.db import session
    from tests.functional.tcp_proxy import proxy_for
    with proxy_for(db_url) as proxy:
        conf.set_override("connection", proxy.url_for(db_url), "database")
        session.dispose()
        yield proxy
        session.dispose()
