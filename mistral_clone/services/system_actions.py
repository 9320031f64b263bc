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
