"""Environments: named sets of variables an execution reads as ``env()``.

An environment is addressed by name, unique per project; public ones of
other projects are readable.
"""

import sqlalchemy as sa
from sqlalchemy import orm

from mistral_clone import exceptions as exc
from mistral_clone.db import lookup
from mistral_clone.db import models
from mistral_clone.db import query as dbq
from mistral_clone.db import session as db_session
from mistral_clone.services import definitions
from mistral_clone.services import names

Env = models.Environment

FIELDS = ("id", "name", "description", "variables", "scope", "project_id",
          "created_at", "updated_at")
UPDATABLE = ("description", "variables", "scope")


def not_found(name) -> exc.NotFoundError:
    return exc.NotFoundError("Environment not found [name=%s]" % name)


def values(row) -> dict:
    return {name: getattr(row, name) for name in FIELDS}


def list_statement():
    return sa.select(Env).options(orm.undefer(Env.variables))


def _by_name(session, ctx, name, for_update=False):
    stmt = sa.select(Env).options(orm.undefer(Env.variables)).where(
        Env.name == name)
    stmt = dbq.guard(stmt, Env, ctx, all_projects=bool(ctx.is_admin))
    if for_update:
        stmt = stmt.with_for_update()
    rows = session.execute(stmt).scalars().all()
    if not rows:
        raise not_found(name)
    own = [r for r in rows if r.project_id == ctx.project_id]
    return (own or rows)[0]


def _owned(session, ctx, name, verb):
    """The caller's environment, locked for a change; another project's
    public one is refused (403), as a definition is."""
    row = _by_name(session, ctx, name, for_update=True)
    definitions.check_owned(row, ctx, verb)
    return row


def get_environment(ctx, name) -> dict:
    with db_session.read_only() as session:
        return values(_by_name(session, ctx, name))


def get_variables(ctx, name) -> dict:
    """The variables of the environment named ``name`` (an execution's
    ``params.env`` given as a name)."""
    return get_environment(ctx, name)["variables"] or {}


def create_environment(ctx, name, description=None, variables=None,
                       scope="private") -> dict:
    if not name:
        raise exc.InputError("Name of the environment is not provided.")
    names.check("Environment", name, Env)
    row = Env(name=name, description=description,
              variables=variables, scope=scope or "private",
              project_id=ctx.project_id)
    with db_session.transaction() as session:
        # Mistral's message names no project (None), as for definitions.
        lookup.insert(session, row,
                      "Duplicate entry for Environment ['name', "
                      "'project_id']: %s, None" % name)
        return values(row)


def update_environment(ctx, name, changes: dict) -> dict:
    """Set the given updatable fields of the caller's environment."""
    with db_session.transaction() as session:
        row = _owned(session, ctx, name, "update")
        for key in UPDATABLE:
            if key in changes:
                value = changes[key]
                if key == "scope":
                    value = value or "private"
                setattr(row, key, value)
        session.flush()
        return values(row)


def delete_environment(ctx, name) -> None:
    with db_session.transaction() as session:
        session.delete(_owned(session, ctx, name, "delete"))
