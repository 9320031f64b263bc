"""What the definition services (workflows, workbooks, ad-hoc actions)
share: scopes, ownership, checksums and their error messages."""

import hashlib

from mistral_clone import exceptions as exc

SCOPES = ("private", "public")


def check_scope(scope: str) -> None:
    if scope not in SCOPES:
        raise exc.InputError(
            "Scope must be one of the following: {'public', 'private'}; "
            "actual: %s" % scope)


def check_owned(row, ctx, verb: str) -> None:
    """Only the owning project (or an admin) may change a definition."""
    if row.project_id != ctx.project_id and not ctx.is_admin:
        raise exc.NotAllowedError(
            "Can not %s a resource of another project [id=%s]"
            % (verb, row.id))


def checksum(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def duplicate_message(model_name: str, name: str, namespace: str) -> str:
    # Mistral 23 prints None: the row's project is set after the message.
    return ("Duplicate entry for %s ['name', 'namespace', 'project_id']: "
            "%s, %s, None" % (model_name, name, namespace or ""))


def with_definition(row):
    """``row`` with its deferred definition text loaded, so it can be read
    after the session closes."""
    row.definition
    return row
