"""Warnings about the actions and workflows a definition names but that the
caller's project cannot see (yet).

Mistral accepts such definitions (the name is looked up when the task
runs), so these are only warnings, given by the validate endpoints. A name
counts as known when the same text defines it (a workbook's own actions and
workflows, with or without the workbook's prefix; the other workflows of a
workflow file; the other actions of an action file), when it is a Python
action (std.* and plugins), or when a stored ad-hoc action, dynamic action
or workflow of that name (or id, for workflows) is visible to the project
in any namespace: the namespace an execution will use is not known yet.
"""

import sqlalchemy as sa

from mistral_clone import actions
from mistral_clone.db import models
from mistral_clone.db import query as dbq
from mistral_clone.db import session as db_session
from mistral_clone.lang.inspection import Problem

_MESSAGES = {
    "action": "Action '%s' is not known to this project: the task will "
              "fail unless the action exists when it runs.",
    "workflow": "Workflow '%s' is not known to this project: the task will "
                "fail unless the workflow exists when it runs.",
}


def unknown_references(ctx, inspection) -> list:
    """A warning (``Problem``) for each reference of ``inspection``
    (``lang.inspection.inspect``) that leads nowhere, in text order."""
    candidates = [
        ref for ref in inspection.references
        if not _defined_in_text(ref, inspection)
        and not (ref.kind == "action" and actions.find_action(ref.name))
    ]
    if not candidates:
        return []
    stored = _stored_names(ctx, {r.name for r in candidates
                                 if r.kind == "action"},
                           {r.name for r in candidates
                            if r.kind == "workflow"})
    return [Problem(ref.path, ref.line, ref.column,
                    _MESSAGES[ref.kind] % ref.name)
            for ref in candidates if ref.name not in stored[ref.kind]]


def _defined_in_text(ref, inspection) -> bool:
    local = inspection.local_actions if ref.kind == "action" \
        else inspection.local_workflows
    return ref.name in local


def _stored_names(ctx, action_names: set, workflow_names: set) -> dict:
    found = {"action": set(), "workflow": set()}
    with db_session.read_only() as session:
        for model in (models.ActionDefinition,
                      models.DynamicActionDefinition):
            if action_names:
                found["action"] |= _visible(session, ctx, model,
                                            model.name, action_names)
        if workflow_names:
            wf = models.WorkflowDefinition
            found["workflow"] |= _visible(session, ctx, wf, wf.name,
                                          workflow_names)
            found["workflow"] |= _visible(session, ctx, wf, wf.id,
                                          workflow_names)
    return found


def _visible(session, ctx, model, column, names: set) -> set:
    stmt = dbq.guard(sa.select(column).where(column.in_(sorted(names))),
                     model, ctx)
    return set(session.execute(stmt).scalars())
