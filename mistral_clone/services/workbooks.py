"""Workbooks: one text holding workflows and ad-hoc actions.

A workbook's workflows and actions are stored as their own rows, named
``<workbook>.<name>`` with ``workbook_name`` set, in the same transaction as
the workbook. Unlike Mistral 23, an update removes the workflows and actions
the new text no longer has, and deleting a workbook deletes them too (Mistral
leaves them behind, orphaned).
"""

import sqlalchemy as sa

from mistral_clone import exceptions as exc
from mistral_clone import lang
from mistral_clone.db import lookup
from mistral_clone.db import models
from mistral_clone.db import session as db_session
from mistral_clone.services import actions as action_service
from mistral_clone.services import definitions
from mistral_clone.services import members
from mistral_clone.services import names
from mistral_clone.services import workflows as wf_service


def parse(definition: str, validate: bool = True):
    """The specs of ``definition``; a DSL error found by validation
    carries every problem, located (``located_errors``)."""
    if validate:
        return lang.parse_located("workbooks", definition)
    return lang.parse_workbook(definition, validate=False)


def _fill(row, wb_spec, definition, scope, namespace):
    row.name = wb_spec.name
    names.check("Workbook", row.name, models.Workbook)
    row.namespace = namespace or ""
    row.scope = scope
    row.tags = list(wb_spec.tags or [])
    row.definition = definition
    row.checksum = definitions.checksum(definition)
    return row


def _owned_rows(session, model, wb_row):
    return session.execute(sa.select(model).where(
        model.workbook_name == wb_row.name,
        model.namespace == wb_row.namespace,
        model.project_id == wb_row.project_id)).scalars().all()


def _by_name(session, model, name, wb_row):
    return session.execute(sa.select(model).where(
        model.name == name, model.namespace == wb_row.namespace,
        model.project_id == wb_row.project_id)).scalars().first()


def _sync_members(session, ctx, wb_row, wb_spec, definition):
    """Create or update the workbook's actions and workflows; drop those
    the definition no longer has."""
    kept_actions, kept_wfs = set(), set()
    for spec in wb_spec.actions:
        name = "%s.%s" % (wb_row.name, spec.name)
        text = lang.workbook_action_definition(definition, spec.name)
        row = _by_name(session, models.ActionDefinition, name, wb_row)
        if row is None:
            row = action_service.insert(session, ctx, spec, text,
                                        wb_row.scope, wb_row.namespace,
                                        name=name, workbook_name=wb_row.name)
        else:
            action_service.fill(row, spec, text, wb_row.scope,
                                wb_row.namespace, name=name,
                                workbook_name=wb_row.name)
        kept_actions.add(row.id)
    for spec in wb_spec.workflows:
        name = "%s.%s" % (wb_row.name, spec.name)
        text = lang.workbook_workflow_definition(definition, spec.name)
        row = _by_name(session, models.WorkflowDefinition, name, wb_row)
        if row is None:
            row = models.WorkflowDefinition(id=models.new_id(),
                                            project_id=wb_row.project_id)
            session.add(row)
        wf_service.fill(row, spec, text, wb_row.scope, wb_row.namespace,
                        wb_row.name, name=name)
        kept_wfs.add(row.id)
    session.flush()
    _delete_members(session, wb_row, kept_actions, kept_wfs)


def _delete_members(session, wb_row, kept_actions=(), kept_wfs=()):
    for row in _owned_rows(session, models.ActionDefinition, wb_row):
        if row.id not in kept_actions:
            session.delete(row)
    for row in _owned_rows(session, models.WorkflowDefinition, wb_row):
        if row.id not in kept_wfs:
            wf_service.refuse_if_triggered(session, row, row.name,
                                           row.namespace)
            members.forget_workflows(session, [row.id])
            session.delete(row)


def create_workbook(ctx, definition, scope="private", namespace="",
                    validate=True):
    definitions.check_scope(scope)
    wb_spec = parse(definition, validate)
    with db_session.transaction() as session:
        row = _fill(models.Workbook(project_id=ctx.project_id), wb_spec,
                    definition, scope, namespace)
        lookup.insert(session, row, definitions.duplicate_message(
            "WorkbookDefinition", row.name, namespace))
        _sync_members(session, ctx, row, wb_spec, definition)
        return row


def _find(session, ctx, name, namespace, for_update=False):
    """The caller's workbook of that name, else a public one (or, for an
    admin, any project's); None when absent."""
    stmt = sa.select(models.Workbook).where(
        models.Workbook.name == name,
        models.Workbook.namespace == (namespace or ""))
    if not ctx.is_admin:
        own = models.Workbook.project_id == ctx.project_id
        stmt = stmt.where(sa.or_(own, models.Workbook.scope == "public"))
    if for_update:
        stmt = stmt.with_for_update()
    rows = session.execute(stmt).scalars().all()
    own_rows = [r for r in rows if r.project_id == ctx.project_id]
    return (own_rows or rows or [None])[0]


def update_workbook(ctx, definition, scope="private", namespace="",
                    validate=True):
    definitions.check_scope(scope)
    wb_spec = parse(definition, validate)
    with db_session.transaction() as session:
        row = _find(session, ctx, wb_spec.name, namespace, for_update=True)
        if row is None:
            raise exc.NotFoundError(
                "Workbook not found [name=%s, namespace=%s]"
                % (wb_spec.name, namespace or ""))
        definitions.check_owned(row, ctx, "update")
        _fill(row, wb_spec, definition, scope, namespace)
        _sync_members(session, ctx, row, wb_spec, definition)
        session.flush()
        return row


def get_workbook(ctx, name, namespace=""):
    with db_session.read_only() as session:
        row = _find(session, ctx, name, namespace)
        if row is None:
            raise exc.NotFoundError(
                "Workbook not found [name=%s, namespace=%s]"
                % (name, namespace or ""))
        return definitions.with_definition(row)


def delete_workbook(ctx, name, namespace=""):
    with db_session.transaction() as session:
        row = _find(session, ctx, name, namespace, for_update=True)
        if row is None:
            raise exc.NotFoundError(
                "Workbook not found [workbook_name=%s, namespace=%s]"
                % (name, namespace or ""))
        definitions.check_owned(row, ctx, "delete")
        _delete_members(session, row)
        session.delete(row)
