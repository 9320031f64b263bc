"""Fixtures shared by every test: a fresh database per test module.

Each test gets the embedded configuration on a private SQLite file, migrated
to head, so tests never share state. ``MISTRAL_CLONE_TEST_DB`` set to a
PostgreSQL URL runs the same tests there.
"""

import os

import pytest

from mistral_clone import config


@pytest.fixture
def db_url(tmp_path):
    return os.environ.get("MISTRAL_CLONE_TEST_DB") or \
        "sqlite:///%s" % (tmp_path / "test.sqlite")


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
    """A migrated, empty database (tables dropped afterwards on PostgreSQL)."""
    from mistral_clone.db import migration
    migration.upgrade()
    yield
    if conf.database.connection.startswith("postgresql"):
        migration.downgrade("base")
