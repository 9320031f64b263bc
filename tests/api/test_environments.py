"""/v2/environments through the WSGI app."""

import pytest

from tests.api.helpers import fault


def create(app, body, status=201, headers=None):
    return app.post_json("/v2/environments", body, status=status,
                         headers=headers)


def test_create_and_get(app):
    body = create(app, {"name": "e1", "description": "d",
                        "variables": {"a": 1}, "scope": "private"}).json
    assert list(body) == ["id", "name", "description", "variables", "scope",
                          "project_id", "created_at"]
    assert body["variables"] == '{"a": 1}'
    got = app.get("/v2/environments/e1").json
    assert got["variables"] == '{"a": 1}' and got["updated_at"] is None
    assert app.get("/v2/environments/e1?fields=name").json == {
        "id": body["id"], "name": "e1"}


def test_create_leaves_out_empty_fields(app):
    body = create(app, {"name": "e2", "variables": '{"b": 2}'}).json
    assert "description" not in body and "updated_at" not in body
    assert body["variables"] == '{"b": 2}' and body["scope"] == "private"


def test_variables_are_null_unless_given(app):
    # As Mistral 23: absent or null -> null, {} stays "{}".
    create(app, {"name": "none"})
    assert app.get("/v2/environments/none").json["variables"] is None
    assert create(app, {"name": "empty", "variables": {}}).json[
        "variables"] == "{}"
    create(app, {"name": "e", "variables": {"a": 1}})
    body = app.put_json("/v2/environments",
                        {"name": "e", "variables": None}).json
    assert body["variables"] is None
    body = app.put_json("/v2/environments",
                        {"name": "e", "variables": {}}).json
    assert body["variables"] == "{}"
    listed = app.get("/v2/environments?fields=name,variables").json
    assert {e["name"]: e["variables"] for e in listed["environments"]} == {
        "none": None, "empty": "{}", "e": "{}"}


@pytest.mark.parametrize("body, status, message", [
    ({"name": "e", "bogus": 1}, 400,
     "Unknown attribute for argument env: bogus"),
    ({"name": "e", "id": "123e4567-e89b-12d3-a456-426655440000"}, 400,
     "Please, check your environment definition. Only: ['name', "
     "'description', 'variables', 'scope'] are allowed as definition "
     "keys."),
    ({"name": "e", "scope": "bad"}, 400, "Invalid input for field/attribute "
     "scope. Value: 'bad'. Value should be one of: "),
    ({"name": "e", "scope": "public"}, 403,
     "Operation forbidden (insufficient permissions)"),
    ({"name": "e", "variables": "[1]"}, 400,
     "JsonType field value must be a dictionary [actual=[1]]"),
    ({"description": "noname"}, 400,
     "Name of the environment is not provided."),
])
def test_create_errors(app, body, status, message):
    # (WSME lists an enum's values in set order: either order is right.)
    assert fault(create(app, body, status=status)).startswith(message)


def test_duplicate_name_is_a_conflict(app):
    create(app, {"name": "e1"})
    resp = create(app, {"name": "e1"}, status=409)
    # Mistral's message names no project, as for definitions.
    assert fault(resp) == ("Duplicate entry for Environment ['name', "
                           "'project_id']: e1, None")


def test_public_environment_by_admin(app, admin_headers):
    body = create(app, {"name": "pub", "scope": "public"},
                  headers=admin_headers).json
    assert body["scope"] == "public"


def test_update(app):
    create(app, {"name": "e1", "description": "d", "variables": {"a": 1}})
    body = app.put_json("/v2/environments",
                        {"name": "e1", "variables": {"z": 9}}).json
    assert body["variables"] == '{"z": 9}' and body["description"] == "d"
    assert body["updated_at"] is not None
    body = app.put_json("/v2/environments",
                        {"name": "e1", "description": "dd"}).json
    assert body["description"] == "dd" and body["variables"] == '{"z": 9}'


@pytest.mark.parametrize("body, status, message", [
    ({"variables": {"z": 9}}, 400, "Name of the environment is not "
     "provided."),
    ({"name": "nope", "variables": {}}, 404,
     "Environment not found [name=nope]"),
    ({"name": "e1", "id": "x"}, 400, "Please, check your environment "
     "definition. Only: ['description', 'variables', 'scope'] are allowed "
     "as definition keys."),
    ({"name": "e1", "scope": "public"}, 403,
     "Operation forbidden (insufficient permissions)"),
])
def test_update_errors(app, body, status, message):
    create(app, {"name": "e1"})
    resp = app.put_json("/v2/environments", body, status=status)
    assert fault(resp) == message


def test_delete(app):
    create(app, {"name": "e1"})
    app.delete("/v2/environments/e1", status=204)
    resp = app.delete("/v2/environments/e1", status=404)
    assert fault(resp) == "Environment not found [name=e1]"
    resp = app.get("/v2/environments/e1", status=404)
    assert fault(resp) == "Environment not found [name=e1]"


def test_list(app):
    ids = [create(app, {"name": n, "description": n,
                        "variables": {"n": n}}).json["id"]
           for n in ("a", "b", "c")]
    listed = app.get("/v2/environments").json["environments"]
    assert [e["name"] for e in listed] == ["a", "b", "c"]
    assert listed[0]["variables"] == '{"n": "a"}'
    assert listed[0]["updated_at"] is None

    def names(query):
        return [e["name"] for e in app.get(
            "/v2/environments?" + query).json["environments"]]

    assert names("name=b") == ["b"]
    assert names("description=in:a,c") == ["a", "c"]
    assert names("variables=%7B%22n%22%3A%22c%22%7D") == ["c"]
    assert names("scope=public") == []
    assert names("scope=bad") == []  # as Mistral: no enum check on queries
    assert names("sort_keys=name&sort_dirs=desc") == ["c", "b", "a"]
    page = app.get("/v2/environments?limit=2").json
    assert page["next"].endswith("limit=2&marker=%s" % ids[1])
    assert names("marker=%s" % ids[1]) == ["c"]
    assert app.get("/v2/environments?fields=name").json["environments"][
        0] == {"id": ids[0], "name": "a"}


@pytest.mark.parametrize("query, message", [
    ("all_projects=true", 'Unknown argument: "all_projects"'),
    ("variables=abc", "Invalid input for field/attribute variables. Value: "
     "'abc'. unable to convert to json. Error: Expecting value: line 1 "
     "column 1 (char 0)"),
])
def test_list_errors(app, query, message):
    assert fault(app.get("/v2/environments?" + query,
                         status=400)).startswith(message)


def test_other_projects_private_environment_is_hidden(app):
    from mistral_clone.db import models
    from mistral_clone.db import session as db_session
    with db_session.transaction() as session:
        session.add(models.Environment(name="theirs", project_id="other",
                                       variables={}, scope="private"))
        session.add(models.Environment(name="shared", project_id="other",
                                       variables={"s": 1}, scope="public"))
    app.get("/v2/environments/theirs", status=404)
    assert app.get("/v2/environments/shared").json["variables"] == \
        '{"s": 1}'
    assert [e["name"] for e in app.get("/v2/environments").json[
        "environments"]] == ["shared"]
    app.delete("/v2/environments/shared", status=403)
