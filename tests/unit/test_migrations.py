"""Alembic migrations: upgrade head, downgrade base and upgrade again, on
SQLite and (when MISTRAL_CLONE_TEST_PG_URL is set) on PostgreSQL; the
migrated schema matches the models; every filter and sort column of the
definition list endpoints has an index."""

import contextlib
import os

import pytest
import sqlalchemy as sa

from mistral_clone import config
from mistral_clone.db import migration
from mistral_clone.db import models
from mistral_clone.db import session as db_session
from tests.conftest import throwaway_pg_database

PG_URL = os.environ.get("MISTRAL_CLONE_TEST_PG_URL")

URLS = ["sqlite"] + ([PG_URL] if PG_URL else [])


@pytest.fixture(params=URLS, ids=lambda u: u.split(":")[0])
def database(request, tmp_path):
    with contextlib.ExitStack() as stack:
        url = request.param
        if url == "sqlite":
            url = "sqlite:///%s" % (tmp_path / "migrations.sqlite")
        else:
            url = stack.enter_context(throwaway_pg_database(url))
        config.parse_args([])
        config.CONF.set_override("connection", url, "database")
        db_session.dispose()
        yield url
        db_session.dispose()
        config.CONF.clear_override("connection", "database")


def _tables():
    return set(sa.inspect(db_session.get_engine()).get_table_names()) - \
        {"alembic_version"}


def test_upgrade_downgrade_upgrade(database):
    migration.upgrade()
    head = migration.current()
    assert head is not None
    assert set(models.Base.metadata.tables) <= _tables()
    migration.downgrade("base")
    assert migration.current() is None
    assert not (set(models.Base.metadata.tables) & _tables())
    migration.upgrade()
    assert migration.current() == head


def test_schema_matches_the_models(database):
    migration.upgrade()
    inspector = sa.inspect(db_session.get_engine())
    for name, table in models.Base.metadata.tables.items():
        columns = {c["name"] for c in inspector.get_columns(name)}
        assert columns == {c.name for c in table.columns}, name


# Columns the definition list endpoints filter or sort on.
LISTED = {
    "workflow_definitions": ["name", "namespace", "scope", "project_id",
                             "created_at", "updated_at"],
    "workbooks": ["name", "namespace", "scope", "project_id", "created_at",
                  "updated_at"],
    "action_definitions": ["name", "namespace", "scope", "project_id",
                           "created_at", "updated_at", "is_system"],
}


def _leading_columns(inspector, table):
    """Columns that lead an index or unique constraint (usable alone)."""
    leading = set()
    for index in inspector.get_indexes(table):
        leading.add(index["column_names"][0])
    for unique in inspector.get_unique_constraints(table):
        leading.add(unique["column_names"][0])
    leading.update(inspector.get_pk_constraint(table)["constrained_columns"])
    return leading


# Text/JSON columns (definition, input, description, tags) are filtered
# with LIKE, which a b-tree index does not serve: they are left out.
@pytest.mark.parametrize("table", sorted(LISTED))
@pytest.mark.parametrize("column", [
    "name", "namespace", "project_id", "created_at", "updated_at",
    "scope", "is_system"])
def test_listed_columns_have_an_index(database, table, column):
    if column not in LISTED[table]:
        pytest.skip("not listed on %s" % table)
    migration.upgrade()
    inspector = sa.inspect(db_session.get_engine())
    assert column in _leading_columns(inspector, table), \
        "%s: no index leads with %s" % (table, column)


def test_models_match_migrations(tmp_path, monkeypatch):
    """The migrations build exactly the schema the models describe."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from mistral_clone import config
    from mistral_clone.db import migration, models, session

    config.CONF.set_override(
        "connection", "sqlite:///%s" % (tmp_path / "m.sqlite"), "database")
    session.dispose()
    try:
        migration.upgrade()
        with session.get_engine().connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn),
                                    models.Base.metadata)
        assert diff == []
    finally:
        session.dispose()
        config.CONF.clear_override("connection", "database")
