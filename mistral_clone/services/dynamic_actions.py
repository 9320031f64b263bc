"""Dynamic actions: classes of code sources exposed as actions
(``/v2/dynamic_actions``).

A definition names an action, a class and the code source that holds it.
The class is looked up when the action runs (by the executor), not when
the definition is stored, as in Mistral 23. Its ``input`` and description,
shown by ``/v2/actions``, come from the loaded class
(``action_descriptors``).
"""

import logging
from typing import Optional

import sqlalchemy as sa

from mistral_clone import exceptions as exc
from mistral_clone.actions import dynamic
from mistral_clone.actions import signature
from mistral_clone.db import lookup
from mistral_clone.db import models
from mistral_clone.db import query as dbq
from mistral_clone.db import session as db_session
from mistral_clone.services import code_sources
from mistral_clone.services import definitions
from mistral_clone.services import names

LOG = logging.getLogger(__name__)

Dyn = models.DynamicActionDefinition

FIELDS = ("id", "name", "namespace", "code_source_id", "code_source_name",
          "class_name", "project_id", "scope", "created_at", "updated_at")


def not_found(identifier, namespace) -> exc.NotFoundError:
    return exc.NotFoundError("Dynamic Action not found [name=%s,namespace=%s]"
                             % (identifier, namespace or ""))


def values(row) -> dict:
    return {name: getattr(row, name) for name in FIELDS}


def _get(session, ctx, identifier, namespace, for_update=False):
    row = lookup.by_name_or_id(session, Dyn, ctx, identifier,
                               namespace or "", for_update=for_update)
    if row is None:
        raise not_found(identifier, namespace)
    return row


def _code_source(session, ctx, code_source_id, code_source_name, namespace):
    identifier = code_source_id or code_source_name
    row = code_sources.find(session, ctx, identifier, namespace)
    if row is None:
        raise code_sources.not_found(identifier, namespace)
    return row


def create_dynamic_action(ctx, name, class_name, code_source_id=None,
                          code_source_name=None, scope="private",
                          namespace="") -> dict:
    if not code_source_id and not code_source_name:
        raise exc.InputError("Either 'code_source_id' or 'code_source_name'"
                             " must be provided.")
    if not name or not class_name:
        raise exc.InputError("Both 'name' and 'class_name' of the dynamic "
                             "action must be provided.")
    names.check("Dynamic action", name, Dyn)
    definitions.check_scope(scope)
    with db_session.transaction() as session:
        source = _code_source(session, ctx, code_source_id, code_source_name,
                              namespace)
        row = Dyn(name=name, namespace=namespace or "", scope=scope,
                  class_name=class_name, code_source_id=source.id,
                  code_source_name=source.name, project_id=ctx.project_id)
        lookup.insert(session, row,
                      "Duplicate entry for dynamic action definition "
                      "[name=%s, namespace=%s, project_id=None]"
                      % (name, namespace or ""))
        return values(row)


def update_dynamic_action(ctx, identifier, class_name=None, scope=None,
                          code_source_id=None, code_source_name=None,
                          namespace="") -> dict:
    """Change the class, the scope (when given) and the code source (when
    one is named) of the dynamic action ``identifier`` (name or id)."""
    if not identifier:
        raise exc.InputError("Either 'name' or 'id' must be provided.")
    if scope:
        definitions.check_scope(scope)
    with db_session.transaction() as session:
        row = _get(session, ctx, identifier, namespace, for_update=True)
        definitions.check_owned(row, ctx, "update")
        if class_name:
            row.class_name = class_name
        if scope:
            row.scope = scope
        if code_source_id or code_source_name:
            source = _code_source(session, ctx, code_source_id,
                                  code_source_name, namespace)
            row.code_source_id = source.id
            row.code_source_name = source.name
        session.flush()
        return values(row)


def get_dynamic_action(ctx, identifier, namespace="") -> dict:
    with db_session.read_only() as session:
        return values(_get(session, ctx, identifier, namespace))


def delete_dynamic_action(ctx, identifier, namespace="") -> None:
    with db_session.transaction() as session:
        row = _get(session, ctx, identifier, namespace, for_update=True)
        definitions.check_owned(row, ctx, "delete")
        session.delete(row)


# -- as actions (``/v2/actions``) ---------------------------------------------

def _code_refs(session, stmt) -> list:
    src = models.CodeSource
    stmt = stmt.add_columns(src.id.label("source_id"), src.version,
                            src.content).join(
        src, src.id == Dyn.code_source_id)
    return [(row[0], dynamic.CodeRef(
        code_source_id=row.source_id, code_source_name=row[0].code_source_name,
        version=row.version, class_name=row[0].class_name,
        content=row.content or ""))
        for row in session.execute(stmt)]


def _as_action(row, code: dynamic.CodeRef) -> Optional[dict]:
    """What ``/v2/actions`` shows of a dynamic action, as Mistral 23 shows
    it (input and description read from the class); None when its class
    cannot be loaded (logged)."""
    try:
        cls = dynamic.action_class(code)
    except exc.MistralError as e:
        LOG.warning("Dynamic action %s not shown: %s", row.name, e)
        return None
    return {"id": row.name, "name": row.name, "is_system": False,
            "input": signature.of(cls).input_str(),
            "description": cls.__doc__, "tags": None, "definition": "",
            "scope": row.scope, "project_id": row.project_id,
            "created_at": "", "updated_at": "", "namespace": row.namespace}


def action_values(ctx, namespace="") -> list:
    """The dynamic actions of ``namespace`` the caller may use, as
    ``/v2/actions`` lists them."""
    with db_session.read_only() as session:
        stmt = dbq.guard(sa.select(Dyn).where(
            Dyn.namespace == (namespace or "")), Dyn, ctx)
        found = _code_refs(session, stmt)
    return [v for v in (_as_action(row, code) for row, code in found)
            if v is not None]


def find_action_values(ctx, name, namespace="") -> Optional[dict]:
    """``/v2/actions/<name>`` of a dynamic action; None when there is no
    such dynamic action. A class that cannot be loaded is a 400 naming
    why."""
    with db_session.read_only() as session:
        stmt = dbq.guard(sa.select(Dyn).where(
            Dyn.name == name, Dyn.namespace == (namespace or "")), Dyn, ctx)
        found = _code_refs(session, stmt.limit(1))
    if not found:
        return None
    row, code = found[0]
    dynamic.action_class(code)
    return _as_action(row, code)
