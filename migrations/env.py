"""Alembic environment: the URL and connection come from mistral-clone."""

from alembic import context

from mistral_clone import config
from mistral_clone.db import models

target_metadata = models.Base.metadata


def run_migrations_offline():
    context.configure(url=config.database_url(),
                      target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from mistral_clone.db import session
    with session.get_engine().connect() as conn:
        _run(conn)


def _run(connection):
    context.configure(connection=connection,
                      target_metadata=target_metadata,
                      render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
