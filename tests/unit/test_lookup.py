"""Finding a row by name or id (``db.lookup``): the statements are built
once per shape and shared by every caller, so each call must still see
exactly what its own project may see."""

import pytest

from mistral_clone import context
from mistral_clone import exceptions as exc
from mistral_clone.db import lookup
from mistral_clone.db import models
from mistral_clone.db import session as db_session
from mistral_clone.services import members
from mistral_clone.services import workflows as wf_service
from tests.statements import recorded

WF = """
version: '2.0'
%s:
  tasks:
    t:
      action: std.noop
"""
A = context.RequestContext(project_id="project-a", user_id="u-a")
B = context.RequestContext(project_id="project-b", user_id="u-b")
C = context.RequestContext(project_id="project-c", user_id="u-c")
ADMIN = context.RequestContext(project_id="project-x", user_id="u-x",
                               is_admin=True)


def _find(ctx, identifier, **kwargs):
    with db_session.read_only() as session:
        row = lookup.by_name_or_id(session, models.WorkflowDefinition, ctx,
                                   identifier, "", **kwargs)
        return None if row is None else (row.project_id, row.scope)


@pytest.fixture
def workflows(db):
    own_a = wf_service.create_workflows(A, WF % "same")[0]
    own_b = wf_service.create_workflows(B, WF % "same")[0]
    public_b = wf_service.create_workflows(B, WF % "pub", scope="public")[0]
    shared_b = wf_service.create_workflows(B, WF % "shared")[0]
    members.create_member(B, shared_b.id, "project-a")
    members.update_member(A, shared_b.id, "project-a", "accepted")
    return {"own_a": own_a.id, "own_b": own_b.id, "public_b": public_b.id,
            "shared_b": shared_b.id}


def test_each_caller_sees_its_own_rows_through_one_statement(workflows):
    # The same shapes, one caller after the other: nothing of the first
    # caller stays in the statement the second one uses.
    for _round in range(2):
        assert _find(A, "same") == ("project-a", "private")
        assert _find(B, "same") == ("project-b", "private")
        assert _find(C, "same") is None
        assert _find(C, workflows["own_a"]) is None
        assert _find(B, workflows["own_a"]) is None
        assert _find(A, workflows["own_a"]) == ("project-a", "private")
        assert _find(ADMIN, workflows["own_b"]) == ("project-b", "private")


def test_public_and_shared_rows_follow_the_caller(workflows):
    assert _find(C, "pub") == ("project-b", "public")
    assert _find(C, "pub", include_public=False) is None
    assert _find(A, "shared") == ("project-b", "private")
    assert _find(C, "shared") is None
    assert _find(A, workflows["shared_b"], include_public=False) is None


def test_a_lookup_is_one_statement(workflows):
    with recorded("SELECT") as selects:
        _find(A, "shared")
        _find(C, workflows["own_a"])
    assert len(selects) == 2


def test_another_projects_public_row_cannot_be_changed(workflows):
    with db_session.transaction() as session:
        with pytest.raises(exc.NotAllowedError):
            lookup.owned_for_update(session, models.WorkflowDefinition, C,
                                    workflows["public_b"])
        row = lookup.owned_for_update(session, models.WorkflowDefinition, B,
                                      workflows["public_b"])
        assert row.id == workflows["public_b"]
