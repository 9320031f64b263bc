"""The std.* catalogue (and action plugins) as ``is_system`` rows.

``register()`` runs from ``mistral-clone-db-manage populate`` and on the
embedded first start. It is idempotent: rows are inserted or brought up to
date, and system rows whose action is gone are removed. The rows are public
so that every project sees them; the API shows them as Mistral 23 shows its
Python actions (see ``api.controllers.v2.actions``).
"""

import sqlalchemy as sa

from mistral_clone import context
from mistral_clone.actions import registry
from mistral_clone.db import models
from mistral_clone.db import session as db_session


# Ad-hoc actions Mistral ships (a plain public row, not ``is_system``),
# with the definition text its API shows.
SHIPPED_ADHOC = {
    "std.wait_ssh": """---
version: '2.0'

std.wait_ssh:
    description: Simple SSH command.
    base: std.ssh
    base-input:
      host: <% $.host %>
      username: <% $.username %>
      password: <% $.password %>
      cmd: 'ls -l'
    input:
     - host
     - username
     - password
""",
}


def register_shipped_adhoc() -> None:
    """Create the ad-hoc actions Mistral ships when missing (a user's
    changes to an existing row are kept). Called with ``register`` by the
    server's first start and ``populate``."""
    from mistral_clone.services import actions as action_service
    ctx = context.RequestContext(project_id=context.DEFAULT_PROJECT_ID)
    with db_session.transaction() as session:
        _insert_shipped(session, ctx, action_service)


def _insert_shipped(session, ctx, action_service) -> None:
    for name, text in SHIPPED_ADHOC.items():
        exists = session.execute(sa.select(models.ActionDefinition.id).where(
            models.ActionDefinition.name == name,
            models.ActionDefinition.namespace == "")).first()
        if exists is not None:
            continue
        for spec in action_service.parse(text):
            action_service.insert(session, ctx, spec, text, "public", "")


def register() -> int:
    """Upsert every Python action; returns how many there are."""
    descriptors = {d.name: d for d in registry.list_actions()}
    with db_session.transaction() as session:
        rows = session.execute(sa.select(models.ActionDefinition).where(
            models.ActionDefinition.is_system.is_(True))).scalars().all()
        existing = {row.name: row for row in rows}
        for name, row in existing.items():
            if name not in descriptors:
                session.delete(row)
        for name, desc in descriptors.items():
            row = existing.get(name)
            if row is None:
                row = models.ActionDefinition(
                    project_id=context.DEFAULT_PROJECT_ID, name=name,
                    namespace="", is_system=True)
                session.add(row)
            values = {
                "scope": "public",
                "input": desc.input_str,
                "description": desc.description,
                "tags": list(desc.tags or []),
                "action_class": "%s.%s" % (desc.action_class.__module__,
                                           desc.action_class.__qualname__),
                "definition": None,
                "checksum": None,
            }
            for key, value in values.items():
                if getattr(row, key) != value:
                    setattr(row, key, value)
    return len(descriptors)
