"""Workflow members: a private workflow shared by its project with another
project, which accepts or rejects it (``/v2/workflows/{id}/members``).

As in Mistral 23: the owner creates and deletes memberships; the member
project sets its own membership's status (``pending``, ``accepted``,
``rejected``); each side reads the memberships it is part of; a public
workflow cannot be shared; only ``accepted`` lets the member see and run
the workflow (``db.sharing``), never change or delete it.

Unlike Mistral 23, only the workflow's own project shares it (Mistral lets
a project that was given a workflow share it on with a third one, and that
third project keeps it after the first membership is gone). A membership's
``project_id`` is therefore always the workflow's project, and deleting a
membership, or the workflow, takes every access that came through it. The
memberships are between projects: an admin of another project has no say
in them.
"""

import sqlalchemy as sa

from mistral_clone import exceptions as exc
from mistral_clone.db import lookup
from mistral_clone.db import models
from mistral_clone.db import session as db_session
from mistral_clone.db import sharing

STATUSES = ("pending", "accepted", "rejected")
WORKFLOW = models.WorkflowDefinition.shared_as


def _not_found(resource_id, member_id):
    return exc.NotFoundError(
        "Resource member not found [resource_id=%s, member_id=%s]"
        % (resource_id, member_id))


def _involving(ctx, resource_id, member_id=None):
    """Memberships of ``resource_id`` the caller's project is part of: as
    the owner (every one, or ``member_id``'s), or as the member (its
    own)."""
    member = models.ResourceMember
    as_owner = member.project_id == ctx.project_id
    if member_id is not None:
        as_owner = sa.and_(as_owner, member.member_id == member_id)
    clauses = [as_owner]
    if member_id is None or member_id == ctx.project_id:
        clauses.append(member.member_id == ctx.project_id)
    return sa.select(member).where(
        member.resource_type == WORKFLOW,
        member.resource_id == resource_id,
        sa.or_(*clauses))


def _shareable_workflow(session, ctx, workflow_id):
    """The workflow, locked, when the caller's project may share it."""
    row = lookup.by_name_or_id(session, models.WorkflowDefinition, ctx,
                               workflow_id, for_update=True)
    if row is None:
        raise exc.NotFoundError(
            "Workflow not found [workflow_identifier=%s, namespace=]"
            % workflow_id)
    if row.scope != "private":
        raise exc.WorkflowError("Only private resource could be shared.")
    if row.project_id != ctx.project_id:
        raise exc.NotAllowedError(
            "Can not share a resource of another project [id=%s]" % row.id)
    return row


def create_member(ctx, workflow_id: str, member_id: str):
    if not member_id:
        raise exc.WorkflowError("Member id must be provided.")
    with db_session.transaction() as session:
        wf_row = _shareable_workflow(session, ctx, workflow_id)
        row = models.ResourceMember(
            resource_id=wf_row.id, resource_type=WORKFLOW,
            project_id=wf_row.project_id, member_id=member_id,
            status="pending")
        lookup.insert(session, row, (
            "Duplicate entry for ResourceMember ['resource_id', "
            "'resource_type', 'member_id']: %s, %s, %s"
            % (wf_row.id, WORKFLOW, member_id)))
        return row


def list_members(ctx, workflow_id: str) -> list:
    """Every membership of the workflow for its owner, its own for a
    member; none for anyone else (no error: Mistral does not look for the
    workflow)."""
    member = models.ResourceMember
    with db_session.read_only() as session:
        return session.execute(_involving(ctx, workflow_id).order_by(
            member.created_at, member.id)).scalars().all()


def get_member(ctx, workflow_id: str, member_id: str):
    with db_session.read_only() as session:
        row = session.execute(
            _involving(ctx, workflow_id, member_id).limit(1)).scalar()
        if row is None:
            raise _not_found(workflow_id, member_id)
        return row


def update_member(ctx, workflow_id: str, member_id: str, status):
    """The member project sets its own membership's status."""
    if not status:
        raise exc.WorkflowError("Status must be provided.")
    if status not in STATUSES:  # the API's type refuses it before
        raise exc.InputError("Invalid status: %s" % status)
    if member_id != ctx.project_id:
        raise _not_found(workflow_id, member_id)
    member = models.ResourceMember
    with db_session.transaction() as session:
        row = session.execute(sa.select(member).where(
            member.resource_type == WORKFLOW,
            member.resource_id == workflow_id,
            member.member_id == member_id).with_for_update()).scalar()
        if row is None:
            raise _not_found(workflow_id, member_id)
        row.status = status
        session.flush()
        return row


def delete_member(ctx, workflow_id: str, member_id: str) -> None:
    """The owner removes a membership; from then on the member project
    neither sees nor starts the workflow."""
    member = models.ResourceMember
    with db_session.transaction() as session:
        deleted = session.execute(sa.delete(member).where(
            member.resource_type == WORKFLOW,
            member.resource_id == workflow_id,
            member.member_id == member_id,
            member.project_id == ctx.project_id)).rowcount
        if not deleted:
            raise _not_found(workflow_id, member_id)


def forget_workflows(session, workflow_ids) -> None:
    """The workflows ``workflow_ids`` are being deleted: so are their
    memberships."""
    sharing.forget(session, WORKFLOW, workflow_ids)
