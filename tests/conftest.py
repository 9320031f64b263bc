"""Fixtures shared by every test: a fresh database per test.

Each test gets the embedded configuration on a private SQLite file, migrated
to head, so tests never share state. ``MISTRAL_CLONE_TEST_DB`` set to a
PostgreSQL URL runs every test on PostgreSQL instead; tests marked
``postgresql`` use PostgreSQL whenever ``MISTRAL_CLONE_TEST_PG_URL`` is set.
Either way each test gets a database of its own, created from that URL and
dropped afterwards, so parallel workers never meet; a test that asks for
``db`` gets it migrated already, copied from a template
(``tests/database_templates.py``).
"""

import contextlib
import os
import uuid
import warnings

import pytest
import sqlalchemy as sa

from mistral_clone import config
from tests import database_templates as database_templates_module
from tests import shared_services

PG_URL = os.environ.get("MISTRAL_CLONE_TEST_PG_URL")

# The ``keystone`` fixture: a real Keystone for the tests with auth on, one
# per test run.
pytest_plugins = ["tests.keystone_share", "tests.keystone",
                  # The files that took longest run first (xdist).
                  "tests.longest_first"]


def pytest_terminal_summary(terminalreporter):
    """The line with the counts even at ``-qq``, where pytest leaves it
    out."""
    if terminalreporter.verbosity < -1:
        parts, _color = terminalreporter.build_summary_stats_line()
        terminalreporter.write_line(", ".join(text for text, _ in parts))


@contextlib.contextmanager
def throwaway_pg_database(base_url, template=None):
    """A new database on the server of ``base_url``, empty or a copy of
    the database ``template``; its URL."""
    base = sa.engine.make_url(base_url)
    name = "mc_test_%s" % uuid.uuid4().hex[:12]
    admin = sa.create_engine(base.set(database="postgres"),
                             isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql('CREATE DATABASE "%s"%s' % (
                name, ' TEMPLATE "%s"' % template if template else ""))
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        from mistral_clone.db import session
        session.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(
                'DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)
        admin.dispose()


@pytest.fixture(scope="session")
def database_templates(tmp_path_factory):
    """This process's migrated templates (see ``db``)."""
    templates = database_templates_module.Templates(
        tmp_path_factory.mktemp("database-templates"))
    yield templates
    templates.close()


@pytest.fixture
def db_url(request, tmp_path):
    base = os.environ.get("MISTRAL_CLONE_TEST_DB")
    if not base and PG_URL and request.node.get_closest_marker("postgresql"):
        base = PG_URL
    yield from _database_url(base, tmp_path, _templates_for(request))


def _templates_for(request):
    """The templates when the test asks for a migrated database (``db``):
    its database is then made from one rather than migrated."""
    if "db" in request.fixturenames:
        return request.getfixturevalue("database_templates")
    return None


def _database_url(base, tmp_path, templates=None):
    if base and base.startswith("postgresql"):
        template = templates.pg_template(base) if templates else None
        with throwaway_pg_database(base, template) as url:
            if templates:
                templates.copies.add(url)
            yield url
        return
    if base:
        yield base
    elif templates:
        yield templates.sqlite_copy(tmp_path / "test.sqlite")
    else:
        yield "sqlite:///%s" % (tmp_path / "test.sqlite")


def each_database_url(request, tmp_path):
    """``db_url`` for a module whose tests run on SQLite and, when
    ``MISTRAL_CLONE_TEST_PG_URL`` is set, on PostgreSQL too::

        db_url = pytest.fixture(params=DATABASES, name="db_url")(
            each_database_url)
    """
    if request.param == "postgresql" and not PG_URL:
        pytest.skip("MISTRAL_CLONE_TEST_PG_URL is not set")
    yield from _database_url(PG_URL if request.param == "postgresql"
                             else None, tmp_path, _templates_for(request))


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
def db(conf, db_url, request):
    """A migrated, empty database: a template's copy (``db_url`` makes
    it), or migrated here where the test's database came from elsewhere."""
    if db_url not in request.getfixturevalue("database_templates").copies:
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


@pytest.fixture
def policy_file(conf, tmp_path, monkeypatch):
    """``[oslo_policy] policy_file`` set to a file of this test's (the
    path; write the rules into it), read by a fresh enforcer with no
    answers kept from before."""
    from mistral_clone.api import policy
    path = tmp_path / "policy.yaml"
    path.write_text("{}\n")
    policy.get_enforcer()  # registers [oslo_policy]
    conf.set_override("policy_file", str(path), "oslo_policy")
    monkeypatch.setattr(policy, "_enforcer", None)
    monkeypatch.setattr(policy, "_decisions", policy._Decisions())
    yield path
    conf.clear_override("policy_file", "oslo_policy")


@pytest.fixture(autouse=True)
def no_services_left_behind(request):
    """A test runs with no engine or executor of another test around: the
    functional tests' shared ones stop before any test that does not ask
    for them (tests/shared_services.py), and a test that started its own
    and did not stop it is told so, and its heartbeat sender stopped (one
    left running beat into later tests' fake engines and databases)."""
    if "_running_services" not in request.fixturenames:
        shared_services.stop()
    yield
    if "_running_services" in request.fixturenames:
        return
    from mistral_clone.executor import heartbeats
    with heartbeats._lock:
        sender, heartbeats._sender = heartbeats._sender, None
        users, heartbeats._users = heartbeats._users, 0
        heartbeats._running.clear()
    if sender is not None:
        sender.stop()
        warnings.warn("%s left a heartbeat sender running (%d users)"
                      % (request.node.nodeid, users))
