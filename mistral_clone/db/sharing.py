"""What a project sees of the definitions other projects shared with it
(workflow members): the ids of the rows it accepted, as one sub-select
that a row query ORs into its project guard, so a list or a look-up stays
one statement whatever the number of memberships."""

import sqlalchemy as sa

from mistral_clone.db import models

ACCEPTED = "accepted"


def accepted_ids(resource_type: str, project_id: str):
    """SELECT of the ids of ``resource_type`` rows shared with
    ``project_id`` and accepted by it (served by
    ``ix_resource_members_member``)."""
    member = models.ResourceMember
    return sa.select(member.resource_id).where(
        member.member_id == project_id,
        member.resource_type == resource_type,
        member.status == ACCEPTED)


def shared_with(model, project_id: str):
    """The clause "``project_id`` accepted this row", or None for a model
    that cannot be shared."""
    resource_type = getattr(model, "shared_as", None)
    if resource_type is None:
        return None
    return model.id.in_(accepted_ids(resource_type, project_id))


def forget(session, resource_type: str, resource_ids) -> None:
    """Delete every membership of the rows ``resource_ids`` (they are
    being deleted): nobody keeps an access that came through them."""
    resource_ids = list(resource_ids)
    if not resource_ids:
        return
    member = models.ResourceMember
    session.execute(sa.delete(member).where(
        member.resource_type == resource_type,
        member.resource_id.in_(resource_ids)))
