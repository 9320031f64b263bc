"""Another project's public definition of every kind: read by all,
changed and deleted by its owner only. Both a PUT and a DELETE answer
403, as Mistral 23 answers for another project's public workflow (it lets
any project change or delete another's public action, environment, code
source or dynamic action, and delete another's public workbook)."""

import pytest
import sqlalchemy as sa

from mistral_clone.db import models
from mistral_clone.db import session as db_session

ADMIN = {"X-Roles": "admin"}
TEXT = {"Content-Type": "text/plain"}

WORKFLOW = """---
version: '2.0'
pub_wf:
  tasks:
    t:
      action: std.noop
"""

WORKBOOK = """---
version: '2.0'
name: pub_book
workflows:
  wb_wf:
    tasks:
      t:
        action: std.noop
"""

ACTION = """---
version: '2.0'
pub_action:
  base: std.echo
  base-input:
    output: shared
"""

MODULE = """class Hello:
    def run(self, context):
        return "hello"
"""


def _text(app, path, text, method="post"):
    call = app.post if method == "post" else app.put
    return call(path, text.encode(), headers=dict(ADMIN, **TEXT),
                status="*")


def _make_public(app, kind):
    """A public row of ``kind`` made by this (admin) caller: the model
    and the id of the row."""
    if kind == "workflows":
        body = _text(app, "/v2/workflows?scope=public", WORKFLOW).json
        return models.WorkflowDefinition, body["workflows"][0]["id"]
    if kind == "workbooks":
        body = _text(app, "/v2/workbooks?scope=public", WORKBOOK).json
        return models.Workbook, body["id"]
    if kind == "actions":
        body = _text(app, "/v2/actions?scope=public", ACTION).json
        return models.ActionDefinition, body["actions"][0]["id"]
    if kind == "environments":
        body = app.post_json("/v2/environments", {
            "name": "pub_env", "variables": {"v": 1}, "scope": "public"},
            headers=ADMIN).json
        return models.Environment, body["id"]
    source = _text(app, "/v2/code_sources?name=pub_mod&scope=public",
                   MODULE).json
    if kind == "code_sources":
        return models.CodeSource, source["id"]
    body = app.post_json("/v2/dynamic_actions", {
        "name": "pub_dyn", "class_name": "Hello",
        "code_source_id": source["id"], "scope": "public"},
        headers=ADMIN).json
    return models.DynamicActionDefinition, body["id"]


def _changes(kind):
    """(method, path, keyword arguments) of a PUT and a DELETE of the
    public row of ``kind``."""
    put_text = {"workflows": WORKFLOW, "workbooks": WORKBOOK,
                "actions": ACTION}
    if kind in put_text:
        put = ("put", "/v2/%s" % kind, {"params": put_text[kind].encode(),
                                         "headers": TEXT})
    elif kind == "environments":
        put = ("put_json", "/v2/environments",
               {"params": {"name": "pub_env", "variables": {"v": 2}}})
    elif kind == "code_sources":
        put = ("put", "/v2/code_sources/pub_mod",
               {"params": MODULE.encode(), "headers": TEXT})
    else:
        put = ("put_json", "/v2/dynamic_actions",
               {"params": {"name": "pub_dyn", "class_name": "Other"}})
    name = {"workflows": "pub_wf", "workbooks": "pub_book",
            "actions": "pub_action", "environments": "pub_env",
            "code_sources": "pub_mod", "dynamic_actions": "pub_dyn"}[kind]
    return [put, ("delete", "/v2/%s/%s" % (kind, name), {})]


KINDS = ["workflows", "workbooks", "actions", "environments",
         "code_sources", "dynamic_actions"]


@pytest.mark.parametrize("kind", KINDS)
def test_another_projects_public_row_is_read_only(app, kind):
    model, row_id = _make_public(app, kind)
    with db_session.transaction() as session:
        session.execute(sa.update(model).where(model.id == row_id)
                        .values(project_id="other-project"))
    name_path = _changes(kind)[1][1]
    assert app.get(name_path, headers=ADMIN).status_int == 200
    # A caller of the default project who is no admin.
    member = {"X-Roles": "member"}
    for method, path, kwargs in _changes(kind):
        headers = dict(kwargs.get("headers", {}), **member)
        resp = getattr(app, method)(path, kwargs.get("params", ""),
                                    headers=headers, status="*")
        assert resp.status_int == 403, (method, path, resp.text)
    assert app.get(name_path, headers=ADMIN).json["project_id"] == \
        "other-project"
