"""Workflow definitions: create, update and delete from DSL text.

Parsing and validation happen before anything is written; all the workflows
of one text are stored in one transaction, so a bad one stores none.
"""

import sqlalchemy as sa

from mistral_clone import exceptions as exc
from mistral_clone import lang
from mistral_clone.db import lookup
from mistral_clone.db import models
from mistral_clone.db import session as db_session
from mistral_clone.services import definition_texts
from mistral_clone.services import definitions
from mistral_clone.services import members
from mistral_clone.services import names
from mistral_clone.services.definitions import check_owned
from mistral_clone.services.definitions import check_scope


def parse(definition, validate=True):
    """The specs of ``definition``; a DSL error found by validation
    carries every problem, located (``located_errors``)."""
    if validate:
        return lang.parse_located("workflows", definition)
    return lang.parse_workflows(definition, validate=False)


def _wf_definition_texts(definition, wf_list_spec):
    specs = wf_list_spec.workflows
    if len(specs) == 1:
        return [(specs[0], definition)]
    return [(spec, lang.cut_workflow_definition(definition, spec.name))
            for spec in specs]


def fill(row, spec, text, scope, namespace, workbook_name=None, name=None):
    """Copy what the API shows of ``spec`` onto ``row``."""
    row.name = name or spec.name
    names.check("Workflow", row.name, models.WorkflowDefinition)
    row.namespace = namespace or ""
    row.scope = scope
    row.definition = text
    row.checksum = definitions.checksum(text)
    row.tags = list(spec.tags or [])
    row.input = spec.input_str()
    row.interface = spec.interface()
    row.workbook_name = workbook_name
    return row


def create_workflows(ctx, definition, scope="private", namespace="",
                     validate=True):
    check_scope(scope)
    wf_list_spec = parse(definition, validate)
    rows = []
    with db_session.transaction() as session:
        for spec, text in _wf_definition_texts(definition, wf_list_spec):
            row = fill(models.WorkflowDefinition(project_id=ctx.project_id),
                       spec, text, scope, namespace)
            lookup.insert(session, row, definitions.duplicate_message(
                "WorkflowDefinition", row.name, namespace))
            rows.append(row)
    return rows


def update_workflows(ctx, definition, scope="private", identifier=None,
                     namespace="", validate=True):
    check_scope(scope)
    wf_list_spec = parse(definition, validate)
    pairs = _wf_definition_texts(definition, wf_list_spec)
    if identifier and len(pairs) > 1:
        raise exc.InputError(
            "More than one workflows are not supported for update with "
            "identifier. [identifier: %s]" % identifier)
    rows = []
    with db_session.transaction() as session:
        for spec, text in pairs:
            ident = identifier or spec.name
            # The caller's own first; another project's public one is
            # refused (403) as in Mistral.
            row = lookup.by_name_or_id(session, models.WorkflowDefinition,
                                       ctx, ident, namespace,
                                       for_update=True, include_public=False)
            if row is None:
                row = lookup.by_name_or_id(
                    session, models.WorkflowDefinition, ctx, ident,
                    namespace, for_update=True)
            if row is None:
                raise exc.NotFoundError(
                    "Workflow not found [workflow_identifier=%s, "
                    "namespace=%s]" % (ident, namespace or ""))
            check_owned(row, ctx, "update")
            if row.is_system:
                raise exc.InvalidModelError(
                    "Attempt to modify a system workflow: %s" % row.name)
            fill(row, spec, text, scope, row.namespace, row.workbook_name)
            rows.append(row)
        session.flush()
    return rows


def get_workflow(ctx, identifier, namespace=""):
    with db_session.read_only() as session:
        return find_workflow(session, ctx, identifier, namespace)


def find_workflow(session, ctx, identifier, namespace=""):
    """The workflow ``ctx`` names, its definition loaded, read in
    ``session`` (a start reads it in the transaction that writes the
    execution); 404 when ``ctx`` does not see it."""
    row = lookup.by_name_or_id(session, models.WorkflowDefinition, ctx,
                               identifier, namespace)
    if row is None:
        raise exc.NotFoundError(
            "Workflow not found [workflow_identifier=%s, namespace=%s]"
            % (identifier, namespace or ""))
    return definition_texts.with_definition(row)


def delete_workflow(ctx, identifier, namespace=""):
    with db_session.transaction() as session:
        row = lookup.by_name_or_id(session, models.WorkflowDefinition, ctx,
                                   identifier, namespace, for_update=True)
        if row is None:
            raise exc.NotFoundError(
                "Workflow not found [workflow_identifier=%s, namespace=%s]"
                % (identifier, namespace or ""))
        check_owned(row, ctx, "delete")
        if row.is_system:
            raise exc.InvalidModelError(
                "Attempt to delete a system workflow: %s" % identifier)
        refuse_if_triggered(session, row, identifier, namespace)
        members.forget_workflows(session, [row.id])
        session.delete(row)


def _trigger_ids(session, model, workflow_id: str) -> list:
    return session.execute(sa.select(model.id).where(
        model.workflow_id == workflow_id)).scalars().all()


def refuse_if_triggered(session, row, identifier: str,
                        namespace: str) -> None:
    """A workflow that cron or event triggers start cannot be deleted."""
    trigger_ids = _trigger_ids(session, models.CronTrigger, row.id)
    if trigger_ids:
        raise exc.WorkflowError(
            "Can't delete workflow that has cron triggers associated. "
            "[workflow_identifier=%s, namespace=%s], "
            "[cron_trigger_id(s)=%s]"
            % (identifier, namespace or "", ", ".join(trigger_ids)))
    event_trigger_ids = _trigger_ids(session, models.EventTrigger, row.id)
    if event_trigger_ids:
        raise exc.WorkflowError(
            "Can't delete workflow that has event triggers associated. "
            "[workflow_identifier=%s], [event_trigger_id(s)=%s]"
            % (identifier, ", ".join(event_trigger_ids)))
