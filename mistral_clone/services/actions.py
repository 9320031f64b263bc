"""Ad-hoc action definitions: create, update and delete from DSL text.

Actions created through ``/v2/actions`` store the whole text they came in
(as Mistral does); workbook actions store their own cut block (see
``services.workbooks``). The std.* catalogue lives in the same table as
``is_system`` rows (``services.system_actions``) and cannot be changed here.
"""

from mistral_clone import exceptions as exc
from mistral_clone import lang
from mistral_clone.db import lookup
from mistral_clone.db import models
from mistral_clone.db import session as db_session
from mistral_clone.services import definitions
from mistral_clone.services import names


def parse(definition: str, validate: bool = True) -> list:
    """The specs of ``definition``; a DSL error found by validation
    carries every problem, located (``located_errors``)."""
    if validate:
        return lang.parse_located("actions", definition)
    return lang.parse_actions(definition, validate=False)


def not_found(identifier, namespace) -> exc.NotFoundError:
    return exc.NotFoundError(
        "Action definition not found [action_name=%s, namespace=%s]"
        % (identifier, namespace or ""))


def fill(row, spec, text, scope, namespace, name=None, workbook_name=None):
    """Copy what the API shows of ``spec`` onto ``row``."""
    row.name = name or spec.name
    names.check("Action", row.name, models.ActionDefinition)
    row.namespace = namespace or ""
    row.scope = scope
    row.description = spec.description
    row.tags = list(spec.tags or [])
    row.input = spec.input_str() or ""
    row.definition = text
    row.checksum = definitions.checksum(text)
    row.is_system = False
    row.workbook_name = workbook_name
    return row


def insert(session, ctx, spec, text, scope, namespace, name=None,
           workbook_name=None):
    row = fill(models.ActionDefinition(project_id=ctx.project_id), spec,
               text, scope, namespace, name, workbook_name)
    return lookup.insert(session, row, definitions.duplicate_message(
        "Action", row.name, namespace))


def find(session, ctx, identifier, namespace="", for_update=False):
    """By id, or by name in ``namespace`` and then in the default one (as
    Mistral looks actions up); None when absent."""
    row = lookup.by_name_or_id(session, models.ActionDefinition, ctx,
                               identifier, namespace or "",
                               for_update=for_update)
    if row is None and namespace:
        row = lookup.by_name_or_id(session, models.ActionDefinition, ctx,
                                   identifier, "", for_update=for_update)
    return row


def create_actions(ctx, definition, scope="private", namespace="",
                   validate=True) -> list:
    definitions.check_scope(scope)
    specs = parse(definition, validate)
    with db_session.transaction() as session:
        return [insert(session, ctx, spec, definition, scope, namespace)
                for spec in specs]


def _refuse_system(row, identifier, namespace):
    """Mistral 23 keeps its std.* actions out of its table, so changing one
    answers 404 there; the same answer here."""
    if row is None or row.is_system:
        raise not_found(identifier, namespace)


def update_actions(ctx, definition, scope="private", identifier=None,
                   namespace="", validate=True) -> list:
    definitions.check_scope(scope)
    specs = parse(definition, validate)
    if identifier and len(specs) > 1:
        raise exc.InputError(
            "More than one actions are not supported for update with "
            "identifier. [identifier: %s]" % identifier)
    rows = []
    with db_session.transaction() as session:
        for spec in specs:
            ident = identifier or spec.name
            row = find(session, ctx, ident, namespace, for_update=True)
            _refuse_system(row, ident, namespace)
            definitions.check_owned(row, ctx, "update")
            fill(row, spec, definition, scope, namespace)
            rows.append(row)
        session.flush()
    return rows


def not_found_by_name(identifier, namespace) -> exc.NotFoundError:
    return exc.NotFoundError("Action not found [name=%s, namespace=%s]"
                             % (identifier, namespace or ""))


def get_action(ctx, identifier, namespace=""):
    with db_session.read_only() as session:
        row = find(session, ctx, identifier, namespace)
        if row is None:
            raise not_found_by_name(identifier, namespace)
        return definitions.with_definition(row)


def delete_action(ctx, identifier, namespace=""):
    with db_session.transaction() as session:
        row = find(session, ctx, identifier, namespace, for_update=True)
        _refuse_system(row, identifier, namespace)
        definitions.check_owned(row, ctx, "delete")
        session.delete(row)
