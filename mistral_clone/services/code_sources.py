"""Code sources: Python modules uploaded through ``/v2/code_sources``.

A code source is addressed by id, or by name in a namespace (the default
namespace unless one is given), as in Mistral 23. Each update stores the
new text and scope and adds one to ``version``, which is how the processes
running its dynamic actions know that their copy is stale. Deleting one
deletes its dynamic actions too.
"""

import sqlalchemy as sa
from sqlalchemy import orm

from mistral_clone import exceptions as exc
from mistral_clone.db import lookup
from mistral_clone.db import models
from mistral_clone.db import session as db_session
from mistral_clone.services import definitions
from mistral_clone.services import names

Source = models.CodeSource

FIELDS = ("id", "name", "namespace", "content", "version", "project_id",
          "scope", "created_at", "updated_at")


def not_found(identifier, namespace) -> exc.NotFoundError:
    return exc.NotFoundError("Code Source not found [name=%s,namespace=%s]"
                             % (identifier, namespace or ""))


def values(row) -> dict:
    return {name: getattr(row, name) for name in FIELDS}


def list_statement():
    return sa.select(Source).options(orm.undefer(Source.content))


def find(session, ctx, identifier, namespace="", for_update=False):
    """The code source by id, or by name in ``namespace``; None if absent."""
    return lookup.by_name_or_id(session, Source, ctx, identifier,
                                namespace or "", for_update=for_update,
                                options=(orm.undefer(Source.content),))


def _get(session, ctx, identifier, namespace, for_update=False):
    row = find(session, ctx, identifier, namespace, for_update)
    if row is None:
        raise not_found(identifier, namespace)
    return row


def create_code_source(ctx, name, content, scope="private",
                       namespace="") -> dict:
    if not name:
        raise exc.InputError("Name of the code source is not provided.")
    names.check("Code source", name, Source)
    definitions.check_scope(scope)
    row = Source(name=name, namespace=namespace or "", scope=scope,
                 content=content or "", version=1,
                 project_id=ctx.project_id)
    with db_session.transaction() as session:
        lookup.insert(session, row, definitions.duplicate_message(
            "CodeSource", name, namespace))
        return values(row)


def update_code_source(ctx, identifier, content, scope="private",
                       namespace="") -> dict:
    """New text and scope (``private`` unless given, as in Mistral) and
    the next version."""
    definitions.check_scope(scope)
    with db_session.transaction() as session:
        row = _get(session, ctx, identifier, namespace, for_update=True)
        definitions.check_owned(row, ctx, "update")
        row.content = content or ""
        row.scope = scope
        row.version = row.version + 1
        session.flush()
        return values(row)


def get_code_source(ctx, identifier, namespace="") -> dict:
    with db_session.read_only() as session:
        return values(_get(session, ctx, identifier, namespace))


def delete_code_source(ctx, identifier, namespace="") -> None:
    with db_session.transaction() as session:
        row = _get(session, ctx, identifier, namespace, for_update=True)
        definitions.check_owned(row, ctx, "delete")
        dyn = models.DynamicActionDefinition
        session.execute(sa.delete(dyn).where(dyn.code_source_id == row.id))
        session.delete(row)
