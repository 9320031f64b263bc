"""Workflow members in the service layer, with auth-on contexts of three
projects (A owns the workflow, B and C are other projects), on SQLite
and, when MISTRAL_CLONE_TEST_PG_URL is set, on PostgreSQL: who may do
what on a membership, what each status grants, and that removing a
membership or the workflow removes the access."""

import pytest
import sqlalchemy as sa

from mistral_clone import context
from mistral_clone import exceptions as exc
from mistral_clone.api import listing
from mistral_clone.db import models
from mistral_clone.db import query as dbq
from mistral_clone.db import session as db_session
from mistral_clone.engine import queries
from mistral_clone.services import members
from mistral_clone.services import workbooks as wb_service
from mistral_clone.services import workflows as wf_service
from tests.conftest import DATABASES, each_database_url
from tests.statements import recorded

db_url = pytest.fixture(params=DATABASES, name="db_url")(each_database_url)

WF = """---
version: "2.0"
a_wf:
  tasks:
    t:
      action: std.noop
"""

BOOK = """---
version: "2.0"
name: a_book
workflows:
  inner:
    tasks:
      t:
        action: std.noop
"""


def ctx_of(project, admin=False):
    return context.RequestContext(project_id=project, user_id=project + "-u",
                                  roles=["admin"] if admin else ["member"],
                                  is_admin=admin)


A, B, C = ctx_of("project-a"), ctx_of("project-b"), ctx_of("project-c")


@pytest.fixture
def wf_id(db):
    return wf_service.create_workflows(A, WF)[0].id


def visible_ids(ctx):
    """Workflow ids ``ctx`` lists (the API's list query)."""
    return [v["id"] for v in listing.fetch_page(
        models.WorkflowDefinition, dbq.ListSpec(), ctx,
        lambda row: {"id": row.id}, "%s")]


def can_run(ctx, wf_id_or_name):
    """Does the engine find the workflow for an execution of ``ctx``?"""
    with db_session.read_only() as session:
        try:
            queries.workflow_definition(session, ctx, wf_id_or_name)
            return True
        except exc.NotFoundError:
            return False


def sees(ctx, wf_id):
    listed = wf_id in visible_ids(ctx)
    by_id = _gets(ctx, wf_id)
    by_name = _gets(ctx, "a_wf")
    assert listed == by_id == by_name == can_run(ctx, wf_id)
    return listed


def _gets(ctx, identifier):
    try:
        return wf_service.get_workflow(ctx, identifier).project_id == \
            "project-a"
    except exc.NotFoundError:
        return False


def test_a_new_membership_is_pending_and_owned_by_the_workflow_project(
        wf_id):
    row = members.create_member(A, wf_id, "project-b")
    assert (row.resource_id, row.resource_type, row.project_id,
            row.member_id, row.status) == (wf_id, "workflow", "project-a",
                                           "project-b", "pending")
    assert row.id and row.created_at and row.updated_at is None


def test_pending_and_rejected_grant_nothing_accepted_grants_see_and_run(
        wf_id):
    members.create_member(A, wf_id, "project-b")
    assert not sees(B, wf_id)
    members.update_member(B, wf_id, "project-b", "accepted")
    assert sees(B, wf_id)
    assert not sees(C, wf_id)
    members.update_member(B, wf_id, "project-b", "rejected")
    assert not sees(B, wf_id)
    members.update_member(B, wf_id, "project-b", "pending")
    assert not sees(B, wf_id)
    assert sees(A, wf_id)


def test_the_member_may_not_change_or_delete_the_workflow(wf_id):
    members.create_member(A, wf_id, "project-b")
    members.update_member(B, wf_id, "project-b", "accepted")
    with pytest.raises(exc.NotAllowedError):
        wf_service.update_workflows(B, WF, identifier=wf_id)
    with pytest.raises(exc.NotAllowedError):  # as another's public one
        wf_service.update_workflows(B, WF)
    with pytest.raises(exc.NotAllowedError):
        wf_service.delete_workflow(B, wf_id)
    assert sees(A, wf_id)


def test_only_the_owner_shares(wf_id):
    """Mistral 23 lets an accepted member share on with a third project."""
    members.create_member(A, wf_id, "project-b")
    with pytest.raises(exc.NotFoundError):  # B does not see it yet
        members.create_member(B, wf_id, "project-c")
    members.update_member(B, wf_id, "project-b", "accepted")
    with pytest.raises(exc.NotAllowedError) as refused:
        members.create_member(B, wf_id, "project-c")
    assert refused.value.message == (
        "Can not share a resource of another project [id=%s]" % wf_id)
    with pytest.raises(exc.NotFoundError):
        members.create_member(C, wf_id, "project-c")
    # Nor an admin of another project: memberships are the projects'.
    with pytest.raises(exc.NotAllowedError):
        members.create_member(ctx_of("project-b", admin=True), wf_id,
                              "project-c")
    assert [m.member_id for m in members.list_members(A, wf_id)] == [
        "project-b"]
    assert not sees(C, wf_id)


def test_refusals_with_mistral_messages(wf_id, db):
    with pytest.raises(exc.WorkflowError) as refused:
        members.create_member(A, wf_id, None)
    assert refused.value.message == "Member id must be provided."
    missing = "123e4567-e89b-12d3-a456-426655440000"
    with pytest.raises(exc.NotFoundError) as refused:
        members.create_member(A, missing, "project-b")
    assert refused.value.message == (
        "Workflow not found [workflow_identifier=%s, namespace=]" % missing)
    public = wf_service.create_workflows(
        A, WF.replace("a_wf", "public_wf"), scope="public")[0].id
    for ctx in (A, B):
        with pytest.raises(exc.WorkflowError) as refused:
            members.create_member(ctx, public, "project-c")
        assert refused.value.message == \
            "Only private resource could be shared."
    members.create_member(A, wf_id, "project-b")
    with pytest.raises(exc.DuplicateEntryError) as refused:
        members.create_member(A, wf_id, "project-b")
    assert refused.value.message == (
        "Duplicate entry for ResourceMember ['resource_id', "
        "'resource_type', 'member_id']: %s, workflow, project-b" % wf_id)
    with pytest.raises(exc.WorkflowError) as refused:
        members.update_member(B, wf_id, "project-b", None)
    assert refused.value.message == "Status must be provided."


def test_who_reads_which_membership(wf_id):
    members.create_member(A, wf_id, "project-b")
    members.create_member(A, wf_id, "project-c")
    assert [m.member_id for m in members.list_members(A, wf_id)] == [
        "project-b", "project-c"]
    assert [m.member_id for m in members.list_members(B, wf_id)] == [
        "project-b"]
    assert members.list_members(ctx_of("project-d"), wf_id) == []
    assert members.get_member(A, wf_id, "project-c").member_id == \
        "project-c"
    assert members.get_member(B, wf_id, "project-b").member_id == \
        "project-b"
    for ctx, member_id in ((B, "project-c"), (ctx_of("project-d"),
                                               "project-b")):
        with pytest.raises(exc.NotFoundError) as refused:
            members.get_member(ctx, wf_id, member_id)
        assert refused.value.message == (
            "Resource member not found [resource_id=%s, member_id=%s]"
            % (wf_id, member_id))


def test_only_the_member_sets_its_status(wf_id):
    members.create_member(A, wf_id, "project-b")
    for ctx in (A, C, ctx_of("project-a", admin=True)):
        with pytest.raises(exc.NotFoundError):
            members.update_member(ctx, wf_id, "project-b", "accepted")
    with pytest.raises(exc.NotFoundError):  # C has no membership
        members.update_member(C, wf_id, "project-c", "accepted")
    row = members.update_member(B, wf_id, "project-b", "accepted")
    assert row.status == "accepted" and row.updated_at is not None


def test_only_the_owner_deletes_and_the_access_ends(wf_id):
    members.create_member(A, wf_id, "project-b")
    members.update_member(B, wf_id, "project-b", "accepted")
    with pytest.raises(exc.NotFoundError):
        members.delete_member(B, wf_id, "project-b")
    assert sees(B, wf_id)
    members.delete_member(A, wf_id, "project-b")
    assert not sees(B, wf_id)
    with pytest.raises(exc.NotFoundError):
        members.delete_member(A, wf_id, "project-b")
    with pytest.raises(exc.NotFoundError):
        members.update_member(B, wf_id, "project-b", "accepted")
    assert not sees(B, wf_id)


def _membership_count():
    with db_session.read_only() as session:
        return session.execute(sa.select(sa.func.count()).select_from(
            models.ResourceMember)).scalar()


def test_deleting_the_workflow_deletes_its_memberships(wf_id):
    members.create_member(A, wf_id, "project-b")
    members.update_member(B, wf_id, "project-b", "accepted")
    wf_service.delete_workflow(A, wf_id)
    assert _membership_count() == 0
    # A new workflow of the same name is not shared.
    new_id = wf_service.create_workflows(A, WF)[0].id
    assert not sees(B, new_id)


def test_a_workbook_workflow_it_drops_loses_its_memberships(db):
    wb_service.create_workbook(A, BOOK)
    inner = wf_service.get_workflow(A, "a_book.inner").id
    members.create_member(A, inner, "project-b")
    members.update_member(B, inner, "project-b", "accepted")
    assert can_run(B, inner)
    wb_service.delete_workbook(A, "a_book")
    assert _membership_count() == 0


def test_the_list_is_one_statement(wf_id):
    """The accepted memberships join the list query as a sub-select: no
    query per membership or per row."""
    for i in range(3):
        other = wf_service.create_workflows(
            A, WF.replace("a_wf", "wf_%d" % i))[0].id
        members.create_member(A, other, "project-b")
        members.update_member(B, other, "project-b", "accepted")
    with recorded("SELECT") as selects:
        assert len(visible_ids(B)) == 3
    assert len(selects) == 1, selects
    assert "resource_members" in selects[0]
