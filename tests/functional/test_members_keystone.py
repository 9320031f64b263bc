"""Workflow members over HTTP with a real Keystone: project A shares a
private workflow with project B; what each status grants B, who may do
what on a membership (Mistral 23's statuses and messages), and that a
membership neither passes on to a third project nor outlives its
removal or the workflow's. Part of the tenant-isolation suite
(test_tenant_isolation.py is the rest)."""

import uuid

import pytest

from tests import keystone as keystone_mod
from tests.functional import keystone_api

SECRET = "members-secret-41c"

WF = """---
version: '2.0'
a_shared_wf:
  input:
    - x: %s
  output:
    echoed: <%% $.echoed %%>
  tasks:
    t:
      action: std.echo output=<%% $.x %%>
      publish:
        echoed: <%% task().result %%>
""" % SECRET

# One Keystone serves the whole run and a module's tests may be shared
# out to several workers (each sets ``world`` up): names of their own.
_SUFFIX = uuid.uuid4().hex[:8]
C_PROJECT, C_USER = "project-c-" + _SUFFIX, "c-member-" + _SUFFIX


def _third_project(keystone):
    """Project C with a member, for the share-on attempts."""
    admin = keystone_mod._Admin(keystone.url)
    project_id = admin.create("project", name=C_PROJECT,
                              domain_id="default")
    user_id = admin.create("user", name=C_USER, domain_id="default",
                           password=keystone_mod.PASSWORD)
    admin.grant(project_id, user_id, admin.role_id("member"))
    return project_id


@pytest.fixture(scope="module")
def world(keystone, tmp_path_factory):
    c_project = _third_project(keystone)
    with keystone_api.auth_server(
            keystone, tmp_path_factory.mktemp("members")) as url:
        callers = {user: keystone_api.Caller(url, keystone.token(user))
                   for user in ("a-member", "a-reader", "a-admin",
                                "b-member", "b-reader", "b-admin")}
        callers["c-member"] = keystone_api.Caller(
            url, keystone.token(C_USER, project=C_PROJECT))
        projects = dict(keystone.project_ids, c=c_project)
        yield {"callers": callers, "projects": projects, "url": url}


def _created(resp):
    assert resp.status_code in (200, 201), resp.text
    return resp.json()


def _new_wf(world, name):
    a = world["callers"]["a-member"]
    return _created(a.post_definition(
        "/workflows", WF.replace("a_shared_wf", name)))["workflows"][0]["id"]


def _share(world, wf_id, member="b", status=None):
    a = world["callers"]["a-member"]
    member_id = world["projects"][member]
    created = _created(a.post("/workflows/%s/members" % wf_id,
                              json={"member_id": member_id}))
    if status:
        _set_status(world, wf_id, member, status)
    return created


def _set_status(world, wf_id, member, status, user=None):
    caller = world["callers"][user or "%s-member" % member]
    member_id = world["projects"][member]
    return caller.put("/workflows/%s/members/%s" % (wf_id, member_id),
                      json={"status": status})


def _sees(caller, wf_id, name):
    """What ``caller`` can do with the workflow: (listed, get by id, get
    by name, start an execution) as booleans."""
    listed = wf_id in [w["id"] for w in caller.get(
        "/workflows").json()["workflows"]]
    by_id = caller.get("/workflows/" + wf_id).status_code
    by_name = caller.get("/workflows/" + name).status_code
    run = caller.post("/executions", json={"workflow_id": wf_id})
    assert by_id in (200, 404) and by_name in (200, 404), (by_id, by_name)
    assert run.status_code in (201, 404), run.text
    if run.status_code == 404:
        assert SECRET not in run.text
    return (listed, by_id == 200, by_name == 200, run.status_code == 201)


NOTHING = (False, False, False, False)
EVERYTHING = (True, True, True, True)


def test_a_share_is_pending_until_b_accepts(world):
    wf_id = _new_wf(world, "m_pending_wf")
    b = world["callers"]["b-member"]
    member = _share(world, wf_id)
    assert {k: member[k] for k in member if k not in (
        "id", "created_at")} == {
        "resource_id": wf_id, "resource_type": "workflow",
        "project_id": world["projects"]["a"],
        "member_id": world["projects"]["b"], "status": "pending",
        "updated_at": None}
    assert _sees(b, wf_id, "m_pending_wf") == NOTHING
    # B reads its membership, and only its own.
    assert b.get("/workflows/%s/members" % wf_id).json()["members"] == [
        member]
    mine = b.get("/workflows/%s/members/%s" % (wf_id, world["projects"][
        "b"]))
    assert mine.status_code == 200 and mine.json() == member
    accepted = _set_status(world, wf_id, "b", "accepted")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    assert accepted.json()["updated_at"] is not None
    assert _sees(b, wf_id, "m_pending_wf") == EVERYTHING
    assert _sees(world["callers"]["c-member"], wf_id,
                 "m_pending_wf") == NOTHING


def test_b_runs_the_shared_workflow_in_its_own_project(world):
    wf_id = _new_wf(world, "m_run_wf")
    _share(world, wf_id, status="accepted")
    a, b = world["callers"]["a-member"], world["callers"]["b-member"]
    run = _created(b.post("/executions", json={
        "workflow_name": "m_run_wf", "input": {"x": "from-b"}}))
    done = b.finished_execution(run["id"])
    assert done["state"] == "SUCCESS", done["state_info"]
    assert done["project_id"] == world["projects"]["b"]
    assert done["workflow_id"] == wf_id
    assert "from-b" in done["output"]
    # The execution is B's: A does not see it.
    assert a.get("/executions/" + run["id"]).status_code == 404
    assert run["id"] not in a.get("/executions").text


def test_b_may_not_change_delete_or_share_on(world):
    """Mistral 23 lets B share the workflow on with C (and C keeps it
    after A removed B)."""
    wf_id = _new_wf(world, "m_owner_wf")
    _share(world, wf_id, status="accepted")
    b, c = world["callers"]["b-member"], world["callers"]["c-member"]
    text = WF.replace("a_shared_wf", "m_owner_wf").replace(SECRET, "b-was")
    attempts = [
        b.post_definition("/workflows/" + wf_id, text, _method="PUT"),
        b.post_definition("/workflows", text, _method="PUT"),
        b.delete("/workflows/" + wf_id),
        b.post("/workflows/%s/members" % wf_id,
               json={"member_id": world["projects"]["c"]}),
    ]
    assert [r.status_code for r in attempts] == [403, 403, 403, 403], \
        [r.text for r in attempts]
    assert attempts[3].json()["faultstring"] == (
        "Can not share a resource of another project [id=%s]" % wf_id)
    # B may not remove its membership either (the owner does).
    removed = b.delete("/workflows/%s/members/%s" % (
        wf_id, world["projects"]["b"]))
    assert removed.status_code == 404
    assert _sees(c, wf_id, "m_owner_wf") == NOTHING
    a = world["callers"]["a-member"]
    assert SECRET in a.get("/workflows/" + wf_id).json()["definition"]
    assert [m["member_id"] for m in a.get(
        "/workflows/%s/members" % wf_id).json()["members"]] == [
        world["projects"]["b"]]


def test_rejected_grants_nothing(world):
    wf_id = _new_wf(world, "m_rejected_wf")
    _share(world, wf_id, status="rejected")
    b = world["callers"]["b-member"]
    assert _sees(b, wf_id, "m_rejected_wf") == NOTHING
    assert _set_status(world, wf_id, "b", "accepted").status_code == 200
    assert _sees(b, wf_id, "m_rejected_wf") == EVERYTHING
    assert _set_status(world, wf_id, "b", "rejected").status_code == 200
    assert _sees(b, wf_id, "m_rejected_wf") == NOTHING


def test_removing_the_membership_ends_the_access(world):
    wf_id = _new_wf(world, "m_removed_wf")
    _share(world, wf_id, status="accepted")
    a, b = world["callers"]["a-member"], world["callers"]["b-member"]
    assert _sees(b, wf_id, "m_removed_wf") == EVERYTHING
    path = "/workflows/%s/members/%s" % (wf_id, world["projects"]["b"])
    assert a.delete(path).status_code == 204
    assert _sees(b, wf_id, "m_removed_wf") == NOTHING
    assert b.get(path).status_code == 404
    assert _set_status(world, wf_id, "b", "accepted").status_code == 404
    assert a.delete(path).status_code == 404


def test_deleting_the_workflow_deletes_its_memberships(world):
    wf_id = _new_wf(world, "m_deleted_wf")
    _share(world, wf_id, status="accepted")
    a, b = world["callers"]["a-member"], world["callers"]["b-member"]
    assert a.delete("/workflows/" + wf_id).status_code == 204
    for caller in (a, b):
        assert caller.get("/workflows/%s/members" % wf_id).json() == {
            "members": []}
    # The same name again is a new, unshared workflow.
    new_id = _new_wf(world, "m_deleted_wf")
    assert _sees(b, new_id, "m_deleted_wf") == NOTHING


def test_refusals_as_mistral_answers_them(world):
    wf_id = _new_wf(world, "m_refusals_wf")
    a, b = world["callers"]["a-member"], world["callers"]["b-member"]
    members = "/workflows/%s/members" % wf_id
    public_id = _created(world["callers"]["a-admin"].post_definition(
        "/workflows", WF.replace("a_shared_wf", "m_public_wf"),
        scope="public"))["workflows"][0]["id"]
    missing = "123e4567-e89b-12d3-a456-426655440000"
    b_id = world["projects"]["b"]
    _share(world, wf_id)
    cases = [
        (a.post(members, json={}), 400, "Member id must be provided."),
        (a.post(members, json={"member_id": b_id}), 409,
         "Duplicate entry for ResourceMember ['resource_id', "
         "'resource_type', 'member_id']: %s, workflow, %s" % (wf_id, b_id)),
        (a.post("/workflows/%s/members" % public_id,
                json={"member_id": b_id}), 400,
         "Only private resource could be shared."),
        (a.post("/workflows/%s/members" % missing,
                json={"member_id": b_id}), 404,
         "Workflow not found [workflow_identifier=%s, namespace=]"
         % missing),
        (b.post(members, json={"member_id": b_id}), 404,
         "Workflow not found [workflow_identifier=%s, namespace=]" % wf_id),
        (b.put(members + "/" + b_id, json={}), 400,
         "Status must be provided."),
        (a.put(members + "/" + b_id, json={"status": "accepted"}), 404,
         "Resource member not found [resource_id=%s, member_id=%s]"
         % (wf_id, b_id)),
        (a.get(members + "/someone-else"), 404,
         "Resource member not found [resource_id=%s, member_id=someone-"
         "else]" % wf_id),
        (a.get("/workflows/m_refusals_wf/members"), 400,
         "Only support UUID as resource identifier in resource sharing "
         "feature."),
    ]
    for resp, status, message in cases:
        assert (resp.status_code, resp.json()["faultstring"]) == (
            status, message)
    bogus = b.put(members + "/" + b_id, json={"status": "bogus"})
    assert bogus.status_code == 400
    assert "Invalid input" in bogus.json()["faultstring"]
    # A project that is not a member lists nothing (Mistral does not look
    # for the workflow).
    c = world["callers"]["c-member"]
    assert c.get(members).json() == {"members": []}


def test_reader_personas(world):
    """Readers read memberships and change none; B's reader sees what B
    accepted."""
    wf_id = _new_wf(world, "m_reader_wf")
    members = "/workflows/%s/members" % wf_id
    a_reader = world["callers"]["a-reader"]
    b_reader = world["callers"]["b-reader"]
    b_id = world["projects"]["b"]
    refused = a_reader.post(members, json={"member_id": b_id})
    assert refused.status_code == 403, refused.text
    assert refused.json()["faultstring"] == \
        "Operation forbidden (insufficient permissions)"
    _share(world, wf_id)
    assert a_reader.get(members).json()["members"][0]["member_id"] == b_id
    assert b_reader.get(members + "/" + b_id).status_code == 200
    assert _set_status(world, wf_id, "b", "accepted",
                       user="b-reader").status_code == 403
    assert a_reader.delete(members + "/" + b_id).status_code == 403
    assert b_reader.get("/workflows/" + wf_id).status_code == 404
    assert _set_status(world, wf_id, "b", "accepted").status_code == 200
    assert b_reader.get("/workflows/" + wf_id).status_code == 200
    assert wf_id in b_reader.get("/workflows").text
    # A reader starts nothing, shared or not.
    assert b_reader.post("/executions", json={
        "workflow_id": wf_id}).status_code == 403


def test_admins_have_no_say_in_other_projects_memberships(world):
    """Memberships are between the owning and the member project; B's
    admin sees the workflow only with all_projects, as any other."""
    wf_id = _new_wf(world, "m_admin_wf")
    b_admin = world["callers"]["b-admin"]
    c_id = world["projects"]["c"]
    refused = b_admin.post("/workflows/%s/members" % wf_id,
                           json={"member_id": c_id})
    assert refused.status_code == 403, refused.text
    assert b_admin.get("/workflows/%s/members" % wf_id).json() == {
        "members": []}


def test_a_project_outside_the_share_reaches_no_membership(world):
    """C, while B's membership is accepted: C lists none, reads none,
    changes none and shares nothing; every attempt as Mistral answers a
    project that is not part of it."""
    wf_id = _new_wf(world, "m_outside_wf")
    _share(world, wf_id, status="accepted")
    c = world["callers"]["c-member"]
    b_id, c_id = world["projects"]["b"], world["projects"]["c"]
    members = "/workflows/%s/members" % wf_id
    attempts = [
        ("list", c.get(members), 200),
        ("get B's", c.get(members + "/" + b_id), 404),
        ("get its own", c.get(members + "/" + c_id), 404),
        ("share with itself", c.post(members, json={"member_id": c_id}),
         404),
        ("accept for itself", c.put(members + "/" + c_id,
                                    json={"status": "accepted"}), 404),
        ("set B's status", c.put(members + "/" + b_id,
                                 json={"status": "rejected"}), 404),
        ("delete B's", c.delete(members + "/" + b_id), 404),
    ]
    assert [(what, r.status_code) for what, r, _s in attempts] == [
        (what, status) for what, _r, status in attempts]
    assert attempts[0][1].json() == {"members": []}
    assert SECRET not in "".join(r.text for _w, r, _s in attempts)
    assert _sees(c, wf_id, "m_outside_wf") == NOTHING
    assert _sees(world["callers"]["b-member"], wf_id,
                 "m_outside_wf") == EVERYTHING
