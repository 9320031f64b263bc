"""Migrated databases for the tests without running the migrations per test.

About half the suite asks for a migrated database (the ``db`` fixture), and
running the whole alembic chain costs a test a good part of a second on a
loaded 2-core machine. So each test process migrates one template per kind
of database, the first time a test needs it, and each test gets a copy of
its own: a file copy for SQLite, ``CREATE DATABASE ... TEMPLATE`` for
PostgreSQL. A copy holds all that the migrations made, alembic's version
row included; the migrations themselves are tested on empty databases
(``tests/unit/test_migrations.py``).
"""

import contextlib
import os
import shutil
import sqlite3
import uuid

import sqlalchemy as sa
from alembic import command

from mistral_clone import config
from mistral_clone.db import migration
from mistral_clone.db import session


def _migrate(url):
    """The migrations to head on ``url``, through the product's own engine
    set-up (SQLite pragmas, foreign keys) but not its global engine."""
    config.parse_args([])
    engine = session.create_engine(url)
    try:
        with engine.connect() as conn:  # alembic begins and commits
            cfg = migration.alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    finally:
        engine.dispose()


class Templates:
    """This process's templates, made on first use; ``copies`` holds the
    URLs of the databases made from one (already migrated)."""

    def __init__(self, directory):
        self._directory = directory
        self._sqlite_file = None
        self._pg_templates = {}       # server URL -> template database
        self.copies = set()

    def sqlite_copy(self, path) -> str:
        """A migrated SQLite database at ``path`` (which must not exist
        yet); its URL."""
        if self._sqlite_file is None:
            template = os.path.join(self._directory, "template.sqlite")
            _migrate("sqlite:///%s" % template)
            # Everything in the main file, nothing left in a WAL beside it.
            conn = sqlite3.connect(template)
            try:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                conn.close()
            self._sqlite_file = template
        shutil.copyfile(self._sqlite_file, path)
        url = "sqlite:///%s" % path
        self.copies.add(url)
        return url

    def pg_template(self, base_url) -> str:
        """The name of the migrated template database on the server of
        ``base_url``; nobody stays connected to it (a condition of
        ``CREATE DATABASE ... TEMPLATE``)."""
        if base_url not in self._pg_templates:
            name = "mc_template_%s" % uuid.uuid4().hex[:12]
            with _admin(base_url) as admin:
                admin.exec_driver_sql('CREATE DATABASE "%s"' % name)
            self._pg_templates[base_url] = name
            _migrate(sa.engine.make_url(base_url).set(database=name)
                     .render_as_string(hide_password=False))
        return self._pg_templates[base_url]

    def close(self):
        for base_url, name in self._pg_templates.items():
            with _admin(base_url) as admin:
                admin.exec_driver_sql(
                    'DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)
        self._pg_templates.clear()
        if self._sqlite_file:
            shutil.rmtree(self._directory, ignore_errors=True)


@contextlib.contextmanager
def _admin(base_url):
    """An autocommit connection to the server's ``postgres`` database."""
    engine = sa.create_engine(
        sa.engine.make_url(base_url).set(database="postgres"),
        isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()
