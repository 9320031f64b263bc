"""/v2/actions through the WSGI app, checked against the real Mistral 23:
ad-hoc actions, and the std.* catalogue shown as Mistral 23 shows its Python
actions."""

import uuid

import pytest

from mistral_clone.actions import registry

from tests.api.helpers import fault, post_text, put_text

ACTIONS = """---
version: "2.0"
my_echo:
  description: d1
  tags: [x, y]
  base: std.echo output="<% $.p %>"
  input: [p, q: {k: 1}]
  output: <% $ %>
my_noop:
  base: std.noop
"""

ONE = """---
version: "2.0"
my_third:
  base: std.noop
"""

FIELDS = ["id", "name", "is_system", "input", "description", "tags",
          "definition", "scope", "project_id", "created_at", "updated_at",
          "namespace"]




def names(resp):
    return [a["name"] for a in resp.json["actions"]]


def create(app, text=ACTIONS, query=""):
    return post_text(app, "/v2/actions" + query, text,
                     status=201).json["actions"]


def test_create_several(app):
    echo, noop = create(app)
    assert echo["name"] == "my_echo" and echo["is_system"] is False
    assert echo["input"] == 'p, q={"k": 1}'
    assert echo["description"] == "d1" and echo["tags"] == ["x", "y"]
    assert echo["definition"] == ACTIONS  # the whole text, as Mistral
    assert echo["scope"] == "private" and echo["namespace"] == ""
    assert echo["project_id"] == "<default-project>"
    assert "updated_at" not in echo
    uuid.UUID(echo["id"])
    assert noop["input"] is None and noop["description"] is None


def test_get_by_name_and_id(app):
    echo, noop = create(app)
    got = app.get("/v2/actions/my_echo").json
    assert sorted(got) == sorted(FIELDS) and got["id"] == echo["id"]
    assert app.get("/v2/actions/%s" % noop["id"]).json["input"] == ""
    resp = app.get("/v2/actions/nope", status=404)
    assert fault(resp) == "Action not found [name=nope, namespace=]"


def test_duplicate_is_409(app):
    create(app)
    resp = post_text(app, "/v2/actions", ACTIONS, status=409)
    assert fault(resp) == ("Duplicate entry for Action ['name', "
                           "'namespace', 'project_id']: my_echo, , None")


def test_bad_definitions_are_400_and_store_nothing(app):
    resp = post_text(app, "/v2/actions",
                     '---\nversion: "2.0"\nbad:\n  base: 1\n', status=400)
    assert fault(resp).startswith("Invalid DSL: 1 is not of type 'string'")
    resp = post_text(app, "/v2/actions", "foo: [", status=400)
    assert fault(resp).startswith("Definition could not be parsed")
    resp = post_text(app, "/v2/actions", '---\nversion: "2.0"\n', status=400)
    assert fault(resp) == ("At least one item must be in the list "
                           "[data={'version': '2.0'}].")
    assert names(app.get("/v2/actions?is_system=false")) == []


def test_scope(app, admin_headers):
    resp = post_text(app, "/v2/actions?scope=public", ONE, status=403)
    assert fault(resp) == "Operation forbidden (insufficient permissions)"
    resp = post_text(app, "/v2/actions?scope=bogus", ONE, status=400)
    assert fault(resp) == ("Scope must be one of the following: "
                           "{'public', 'private'}; actual: bogus")
    [act] = post_text(app, "/v2/actions?scope=public", ONE, status=201,
                      headers=admin_headers).json["actions"]
    assert act["scope"] == "public"


def test_update_by_definition_names(app):
    create(app)
    changed = ACTIONS.replace("description: d1", "description: d2")
    resp = put_text(app, "/v2/actions", changed, status=200)
    assert [a["description"] for a in resp.json["actions"]] == ["d2", None]


def test_update_by_identifier(app):
    _echo, noop = create(app)
    resp = put_text(app, "/v2/actions/my_echo", ACTIONS, status=400)
    assert fault(resp) == ("More than one actions are not supported for "
                           "update with identifier. [identifier: my_echo]")
    [act] = put_text(app, "/v2/actions/%s" % noop["id"], ONE,
                     status=200).json["actions"]
    assert act["id"] == noop["id"] and act["name"] == "my_third"
    assert act["definition"] == ONE and act["updated_at"]


def test_update_missing_is_404(app):
    resp = put_text(app, "/v2/actions", ONE, status=404)
    assert fault(resp) == ("Action definition not found "
                           "[action_name=my_third, namespace=]")


def test_delete(app):
    echo, _noop = create(app)
    app.delete("/v2/actions/my_noop", status=204)
    app.delete("/v2/actions/%s" % echo["id"], status=204)
    resp = app.delete("/v2/actions/my_noop", status=404)
    assert fault(resp) == ("Action definition not found "
                           "[action_name=my_noop, namespace=]")


def test_namespace(app):
    create(app, ONE, "?namespace=ns1")
    assert app.get("/v2/actions/my_third?namespace=ns1").json[
        "namespace"] == "ns1"
    app.get("/v2/actions/my_third", status=404)
    put_text(app, "/v2/actions?namespace=ns1", ONE, status=200)
    app.delete("/v2/actions/my_third?namespace=ns1", status=204)


# --- the std.* catalogue ---------------------------------------------------

def test_system_actions_look_like_mistral_23(app):
    got = app.get("/v2/actions/std.echo").json
    assert got == {
        "id": "std.echo", "name": "std.echo", "is_system": False,
        "input": "output, delay=0",
        "description": registry.find_action("std.echo").description,
        "tags": None, "definition": "", "scope": None, "project_id": None,
        "created_at": "", "updated_at": "", "namespace": ""}


def test_list_has_the_whole_catalogue_sorted_by_name(app):
    create(app)
    listed = names(app.get("/v2/actions"))
    expected = sorted(["my_echo", "my_noop"] +
                      [d.name for d in registry.list_actions()])
    assert listed == expected


def test_system_actions_cannot_change(app):
    resp = put_text(app, "/v2/actions/std.echo",
                    '---\nversion: "2.0"\nstd.echo:\n  base: std.noop\n',
                    status=404)
    assert fault(resp) == ("Action definition not found "
                           "[action_name=std.echo, namespace=]")
    resp = app.delete("/v2/actions/std.echo", status=404)
    assert fault(resp) == ("Action definition not found "
                           "[action_name=std.echo, namespace=]")
    assert app.get("/v2/actions/std.echo").json["name"] == "std.echo"


def test_register_is_idempotent(app):
    from mistral_clone.services import system_actions
    count = len(registry.list_actions())
    assert system_actions.register() == count
    assert system_actions.register() == count
    assert len(names(app.get("/v2/actions?is_system=true"))) == count


# --- list -------------------------------------------------------------------

@pytest.mark.parametrize("query, expected", [
    ("name=my_echo", ["my_echo"]),
    ("name=in:my_echo,std.noop", ["my_echo", "std.noop"]),
    ("name=has:my_", ["my_echo", "my_noop"]),
    ("name=nin:my_echo&is_system=false", ["my_noop"]),
    ("name=gt:std.ssh", ["std.ssh_proxied", "std.test_dict"]),
    ("is_system=false", ["my_echo", "my_noop"]),
    ("tags=x", ["my_echo"]),
    ("description=d1", ["my_echo"]),
    ("input=has:q=", ["my_echo"]),
    ("scope=private", ["my_echo", "my_noop"]),
    ("namespace=ns1", []),
    ("created_at=gt:2000-01-01&is_system=false", ["my_echo", "my_noop"]),
    ("definition=has:my_echo", ["my_echo", "my_noop"]),
])
def test_list_filters(app, query, expected):
    create(app)
    assert names(app.get("/v2/actions?" + query)) == expected


def test_list_pagination_through_the_catalogue(app):
    create(app)
    seen, url = [], "/v2/actions?limit=4"
    while url:
        resp = app.get(url).json
        seen += [a["name"] for a in resp["actions"]]
        url = resp.get("next")
        url = url[url.index("/v2/"):] if url else None
    assert seen == names(app.get("/v2/actions"))


def test_list_sort_and_fields(app):
    create(app)
    resp = app.get("/v2/actions?is_system=false&sort_keys=name&"
                   "sort_dirs=desc&fields=name")
    assert resp.json["actions"][0] == {"id": resp.json["actions"][0]["id"],
                                       "name": "my_noop"}
    assert names(resp) == ["my_noop", "my_echo"]


@pytest.mark.parametrize("query", ["sort_keys=bad", "limit=0", "bogus=1",
                                   "fields=bad", "is_system=maybe"])
def test_list_bad_query_is_400(app, query):
    app.get("/v2/actions?" + query, status=400)


def test_validate(app):
    assert post_text(app, "/v2/actions/validate", ACTIONS).json == \
        {"valid": True}
    resp = post_text(app, "/v2/actions/validate",
                     '---\nversion: "2.0"\nbad:\n  base: 1\n').json
    assert resp["valid"] is False
    assert resp["error"].startswith("Invalid DSL: 1 is not of type")
