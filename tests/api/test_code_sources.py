"""/v2/code_sources and /v2/dynamic_actions through the WSGI app, with the
answers of the real Mistral 23 (compared request by request)."""

import pytest

from tests.api.helpers import fault

MODULE = '''class Hello:
    """Greets."""

    def __init__(self, name="world"):
        self.name = name

    def run(self, context):
        return "hello %s" % self.name
'''

ADMIN = {"X-Roles": "admin"}


def upload(app, query, text=MODULE, status=201, headers=ADMIN,
           content_type="text/plain", method="post"):
    call = app.post if method == "post" else app.put
    return call("/v2/code_sources%s" % query, text.encode(), status=status,
                headers=dict(headers, **{"Content-Type": content_type}))


def dynamic(app, body, status=201, method="post"):
    call = app.post_json if method == "post" else app.put_json
    return call("/v2/dynamic_actions", body, status=status, headers=ADMIN)


def test_code_source_life_cycle(app):
    created = upload(app, "?name=mod")
    assert created.content_type == "application/json"
    body = created.json
    # Mistral's answer to a create has no updated_at; GET has it (null).
    assert list(body) == ["id", "name", "namespace", "content", "version",
                          "project_id", "scope", "created_at"]
    assert (body["name"], body["namespace"], body["content"],
            body["version"], body["scope"]) == ("mod", "", MODULE, 1,
                                                "private")
    got = app.get("/v2/code_sources/mod", headers=ADMIN).json
    assert got["updated_at"] is None and got["id"] == body["id"]
    assert app.get("/v2/code_sources/%s?fields=name,version,bogus"
                   % body["id"], headers=ADMIN).json == {
        "id": body["id"], "name": "mod", "version": 1}

    # The body is the module whatever the content type says.
    updated = upload(app, "/mod?scope=public", "X = 2\n", status=200,
                     content_type="application/json", method="put").json
    assert (updated["version"], updated["content"], updated["scope"]) == (
        2, "X = 2\n", "public")
    assert updated["updated_at"]
    # A PUT without scope makes it private again, as in Mistral.
    again = upload(app, "/mod", "X = 3\n", status=200, method="put").json
    assert (again["version"], again["scope"]) == (3, "private")

    app.delete("/v2/code_sources/mod", headers=ADMIN, status=204)
    resp = app.get("/v2/code_sources/mod", headers=ADMIN, status=404)
    assert fault(resp) == "Code Source not found [name=mod,namespace=]"


def test_namespaces_and_errors(app):
    upload(app, "?name=mod&namespace=ns1")
    resp = upload(app, "?name=mod&namespace=ns1", status=409)
    assert resp.json == {"faultstring": "Duplicate entry for CodeSource "
                         "['name', 'namespace', 'project_id']: mod, ns1, "
                         "None"}
    assert fault(app.get("/v2/code_sources/mod", headers=ADMIN,
                         status=404)) == \
        "Code Source not found [name=mod,namespace=]"
    assert app.get("/v2/code_sources/mod?namespace=ns1",
                   headers=ADMIN).json["namespace"] == "ns1"
    resp = upload(app, "/nope", status=404, method="put")
    assert resp.json == {"faultstring":
                         "Code Source not found [name=nope,namespace=]"}
    app.delete("/v2/code_sources/mod", headers=ADMIN, status=404)
    app.delete("/v2/code_sources/mod?namespace=ns1", headers=ADMIN,
               status=204)


@pytest.mark.parametrize("query, message", [
    # Mistral 23 answers 500 to both (and stores the bad scope).
    ("", "Name of the code source is not provided."),
    ("?name=m&scope=bad", "Scope must be one of the following: {'public', "
     "'private'}; actual: bad"),
])
def test_bad_uploads(app, query, message):
    assert upload(app, query, status=400).json == {"faultstring": message}


def test_admin_only_by_default(app):
    resp = upload(app, "?name=m", status=403, headers={})
    assert resp.json == {
        "faultstring": "Operation forbidden (insufficient permissions)"}
    for path in ("/v2/code_sources", "/v2/code_sources/m",
                 "/v2/dynamic_actions", "/v2/dynamic_actions/d"):
        app.get(path, status=403)
    app.post_json("/v2/dynamic_actions", {"name": "d", "class_name": "C",
                                          "code_source_name": "m"},
                  status=403)


def test_list_code_sources(app):
    ids = [upload(app, "?name=m%d" % i).json["id"] for i in range(3)]
    page = app.get("/v2/code_sources?limit=2&fields=name",
                   headers=ADMIN).json
    assert page["code_sources"] == [{"id": ids[0], "name": "m0"},
                                    {"id": ids[1], "name": "m1"}]
    assert page["next"].endswith(
        "/v2/code_sources?sort_keys=created_at,id&sort_dirs=asc,asc"
        "&limit=2&marker=%s&fields=id,name" % ids[1])
    assert [c["name"] for c in app.get(
        "/v2/code_sources?sort_keys=name&sort_dirs=desc",
        headers=ADMIN).json["code_sources"]] == ["m2", "m1", "m0"]
    resp = app.get("/v2/code_sources?fields=bogus", headers=ADMIN,
                   status=400)
    assert fault(resp) == (
        "Some fields do not exist  [bogus], please choose from [id, name, "
        "namespace, content, version, project_id, scope, actions, "
        "created_at, updated_at]")


def test_dynamic_action_life_cycle(app):
    source_id = upload(app, "?name=mod").json["id"]
    created = dynamic(app, {"name": "my.hello", "class_name": "Hello",
                            "code_source_name": "mod"}).json
    assert list(created) == ["id", "name", "namespace", "code_source_id",
                             "code_source_name", "class_name", "project_id",
                             "scope", "created_at"]
    assert (created["code_source_id"], created["code_source_name"],
            created["scope"]) == (source_id, "mod", "private")
    assert app.get("/v2/dynamic_actions/my.hello?fields=class_name",
                   headers=ADMIN).json == {
        "id": created["id"], "namespace": "", "class_name": "Hello"}
    listed = app.get("/v2/dynamic_actions?fields=name",
                     headers=ADMIN).json["dynamic_actions"]
    assert listed == [{"id": created["id"], "name": "my.hello",
                       "namespace": ""}]

    changed = dynamic(app, {"name": "my.hello", "class_name": "Other",
                            "scope": "public"}, status=200,
                      method="put").json
    assert (changed["class_name"], changed["scope"]) == ("Other", "public")
    assert changed["updated_at"]
    by_id = dynamic(app, {"id": created["id"], "class_name": "Hello",
                          "code_source_id": source_id}, status=200,
                    method="put").json
    assert (by_id["class_name"], by_id["scope"]) == ("Hello", "public")

    # Deleting the code source deletes its dynamic actions.
    app.delete("/v2/code_sources/mod", headers=ADMIN, status=204)
    resp = app.get("/v2/dynamic_actions/my.hello", headers=ADMIN,
                   status=404)
    assert fault(resp) == \
        "Dynamic Action not found [name=my.hello,namespace=]"


@pytest.mark.parametrize("body, status, message", [
    ({"name": "a", "class_name": "Hello"}, 400,
     "Either 'code_source_id' or 'code_source_name' must be provided."),
    ({"name": "a", "class_name": "Hello", "code_source_name": "zzz"}, 404,
     "Code Source not found [name=zzz,namespace=]"),
    ({"name": "a", "class_name": "Hello", "code_source_name": "mod",
      "namespace": "ns"}, 404,
     "Code Source not found [name=mod,namespace=ns]"),
    # Mistral 23 answers 500 (its database refuses the missing value).
    ({"class_name": "Hello", "code_source_name": "mod"}, 400,
     "Both 'name' and 'class_name' of the dynamic action must be provided."),
    ({"name": "a", "class_name": "Hello", "code_source_name": "mod",
      "scope": "bad"}, 400, "Invalid input for field/attribute scope. "
     "Value: 'bad'. Value should be one of: "),
])
def test_dynamic_action_refused(app, body, status, message):
    upload(app, "?name=mod")
    assert fault(dynamic(app, body, status=status)).startswith(message)


def test_dynamic_action_update_and_duplicate_errors(app):
    upload(app, "?name=mod")
    dynamic(app, {"name": "a", "class_name": "Hello",
                  "code_source_name": "mod"})
    assert fault(dynamic(app, {"name": "a", "class_name": "Hello",
                               "code_source_name": "mod"}, status=409)) == (
        "Duplicate entry for dynamic action definition [name=a, "
        "namespace=, project_id=None]")
    assert fault(dynamic(app, {"class_name": "X"}, status=400,
                         method="put")) == \
        "Either 'name' or 'id' must be provided."
    assert fault(dynamic(app, {"name": "zz", "class_name": "X"}, status=404,
                         method="put")) == \
        "Dynamic Action not found [name=zz,namespace=]"


def test_dynamic_actions_are_actions(app):
    upload(app, "?name=mod")
    dynamic(app, {"name": "my.hello", "class_name": "Hello",
                  "code_source_name": "mod"})
    expected = {"id": "my.hello", "name": "my.hello", "is_system": False,
                "input": 'name="world"', "description": "Greets.",
                "tags": None, "definition": "", "scope": "private",
                "project_id": "<default-project>", "created_at": "",
                "updated_at": "", "namespace": ""}
    assert app.get("/v2/actions/my.hello").json == expected
    names = [a["name"] for a in app.get("/v2/actions").json["actions"]]
    assert names[0] == "my.hello" and "std.echo" in names
    first = app.get("/v2/actions?limit=2").json
    assert [a["name"] for a in first["actions"]] == ["my.hello",
                                                     "std.async_noop"]
    assert first["next"].endswith("&limit=2&marker=std.async_noop")
    second = app.get("/v2/actions?limit=2&marker=my.hello").json
    assert [a["name"] for a in second["actions"]] == ["std.async_noop",
                                                      "std.echo"]
    assert [a["name"] for a in app.get(
        "/v2/actions?scope=private").json["actions"]] == ["my.hello"]
    # Only in its own namespace.
    assert "my.hello" not in [a["name"] for a in app.get(
        "/v2/actions?namespace=other").json["actions"]]
    app.get("/v2/actions/my.hello?namespace=other", status=404)


def test_an_action_whose_class_cannot_load(app):
    upload(app, "?name=broken", "raise ValueError('at import')\n")
    dynamic(app, {"name": "my.broken", "class_name": "Hello",
                  "code_source_name": "broken"})
    # Mistral 23 answers 500 to both.
    resp = app.get("/v2/actions/my.broken", status=400)
    assert fault(resp).startswith("Failed to load code source [name=broken")
    assert "ValueError: at import" in fault(resp)
    names = [a["name"] for a in app.get("/v2/actions").json["actions"]]
    assert "my.broken" not in names and "std.echo" in names


def test_code_source_uploads_answer_json_without_charset(app):
    # Mistral 23 writes "application/json" on its code sources' POST/PUT,
    # refusals included (its definitions say ";charset=utf-8").
    for answer in (upload(app, "?name=ct_mod"),
                   upload(app, "/ct_mod", "X = 1\n", status=200,
                          method="put"),
                   upload(app, "?name=ct_other", status=403, headers={}),
                   upload(app, "/nope", status=404, method="put")):
        assert answer.headers["Content-Type"] == "application/json"
