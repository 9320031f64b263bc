"""``/v2/workflows/{id}/members`` with auth off (the embedded default):
Mistral 23 refuses resource sharing without authentication, on every
method, before it reads the body (checked against the real one). The
behaviour with auth on is in tests/unit/test_members_service.py and,
with a real Keystone, tests/functional/test_members_keystone.py."""

import pytest
import sqlalchemy as sa

from mistral_clone.db import models
from mistral_clone.db import session as db_session
from tests.api.helpers import post_text

WF = """---
version: "2.0"
shared_wf:
  tasks:
    t:
      action: std.noop
"""

AUTH_OFF = ("Resource sharing feature can only be supported with "
            "authentication enabled.")


@pytest.fixture
def wf_id(app):
    return post_text(app, "/v2/workflows", WF, status=201).json[
        "workflows"][0]["id"]


def _requests(wf_id):
    members = "/v2/workflows/%s/members" % wf_id
    return [
        ("GET", members, None),
        ("POST", members, {"member_id": "other-project"}),
        ("POST", members, {"member_id": "x", "status": "bogus"}),
        ("GET", members + "/other-project", None),
        ("PUT", members + "/other-project", {"status": "accepted"}),
        ("PUT", members + "/other-project", {"status": "bogus"}),
        ("DELETE", members + "/other-project", None),
    ]


def test_every_method_is_refused_while_auth_is_off(app, wf_id):
    for method, path, body in _requests(wf_id):
        resp = app.request(path, method=method, expect_errors=True,
                           **({"json": body} if body else {}))
        assert resp.status_int == 400, (method, path, resp.text)
        assert resp.json == {"faultstring": AUTH_OFF}, (method, path)
        assert resp.content_type == "application/json"


def test_also_for_a_workflow_that_does_not_exist(app):
    resp = app.get("/v2/workflows/123e4567-e89b-12d3-a456-426655440000"
                   "/members", expect_errors=True)
    assert resp.status_int == 400
    assert resp.json == {"faultstring": AUTH_OFF}


def test_a_body_that_is_not_json_is_refused_the_same_way(app, wf_id):
    resp = app.post("/v2/workflows/%s/members" % wf_id, "not json",
                    headers={"Content-Type": "application/json"},
                    expect_errors=True)
    assert resp.status_int == 400
    assert resp.json == {"faultstring": AUTH_OFF}


def test_a_workflow_name_is_not_an_identifier_for_sharing(app, wf_id):
    """Mistral 23 answers 500 (an empty body) here."""
    for path in ("/v2/workflows/shared_wf/members",
                 "/v2/workflows/shared_wf/members/other-project"):
        resp = app.get(path, expect_errors=True)
        assert resp.status_int == 400, path
        assert resp.json == {"faultstring": (
            "Only support UUID as resource identifier in resource sharing "
            "feature.")}


def test_nothing_is_written(app, wf_id):
    app.post_json("/v2/workflows/%s/members" % wf_id,
                  {"member_id": "other-project"}, expect_errors=True)
    with db_session.read_only() as session:
        assert session.execute(sa.select(sa.func.count()).select_from(
            models.ResourceMember)).scalar() == 0


def test_the_workflow_itself_still_answers(app, wf_id):
    assert app.get("/v2/workflows/%s" % wf_id).json["name"] == "shared_wf"
    assert app.get("/v2/workflows/shared_wf").json["id"] == wf_id
