"""Running the alembic migrations from code (db-manage, first start, tests)."""

import os

from alembic import command
from alembic.config import Config

MIGRATIONS_DIR = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
        __file__)))), "migrations")


def alembic_config():
    cfg = Config(os.path.join(MIGRATIONS_DIR, "alembic.ini"))
    cfg.set_main_option("script_location", MIGRATIONS_DIR)
    return cfg


def _with_connection(fn, *args, **kwargs):
    """Alembic begins and commits the transaction itself (env.py), so a
    migration may step out of it (``autocommit_block``: PostgreSQL's
    ``CREATE INDEX CONCURRENTLY``)."""
    from mistral_clone.db import session
    cfg = alembic_config()
    with session.get_engine().connect() as conn:
        cfg.attributes["connection"] = conn
        return fn(cfg, *args, **kwargs)


def upgrade(revision="head"):
    _with_connection(command.upgrade, revision)


def downgrade(revision="base"):
    _with_connection(command.downgrade, revision)


def current():
    from alembic.runtime.migration import MigrationContext
    from mistral_clone.db import session
    with session.get_engine().connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def revision(message, autogenerate=False):
    return command.revision(alembic_config(), message=message,
                            autogenerate=autogenerate)
