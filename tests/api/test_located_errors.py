"""Located validation errors through the WSGI app: every definition
endpoint adds ``errors`` (every problem, with path, line and column) to its
error body, the validate endpoints add ``errors`` and ``warnings``, and
what Mistral clients read today (``faultstring``, ``error``, a valid
answer) stays as it was."""

import types

import pytest

from mistral_clone import lang
from mistral_clone.services import reference_warnings
from tests.api.helpers import post_text, put_text

WF_BAD = """\
version: '2.0'
wf:
  tasks:
    t1:
      action: std.noop
      wait-before: -1
      on-success: [t9, t2]
    t2:
      action: std.echo output=<% $.x +++ %>
      on-error: t8
"""
WF_BAD_ERRORS = [
    {"path": "wf.tasks.t1.wait-before", "line": 6, "column": 20,
     "message": "Invalid DSL: -1 is not valid under any of the given "
                "schemas"},
    {"path": "wf.tasks.t2.action.output", "line": 9, "column": 15,
     "message": "Parse error: unexpected end of statement"},
    # Targets of tasks that could be built, then of the others.
    {"path": "wf.tasks.t2.on-error", "line": 10, "column": 17,
     "message": "Task 't8' not found."},
    {"path": "wf.tasks.t1.on-success[0]", "line": 7, "column": 20,
     "message": "Task 't9' not found."},
]
WF_BAD_FAULT = ("Invalid DSL: -1 is not valid under any of the given "
                "schemas\n\nOn wf.tasks.t1.wait-before:\n    -1")

WB_BAD = """\
version: '2.0'
name: wb
actions:
  act:
    base: std.echo
    bogus: 1
workflows:
  wf:
    tasks:
      t1:
        action: act
        on-success: t2
"""
WB_BAD_ERRORS = [
    {"path": "actions.act.bogus", "line": 6, "column": 5,
     "message": "Invalid DSL: Additional properties are not allowed "
                "('bogus' was unexpected)"},
    {"path": "workflows.wf.tasks.t1.on-success", "line": 12, "column": 21,
     "message": "Task 't2' not found."},
]

ACTIONS_BAD = """\
version: '2.0'
a1:
  base: std.echo output=<% $.x +++ %>
a2:
  base-input: {output: 1}
"""
ACTIONS_BAD_ERRORS = [
    {"path": "a1.base.output", "line": 3, "column": 9,
     "message": "Parse error: unexpected end of statement"},
    {"path": "a2", "line": 4, "column": 1,
     "message": "Invalid DSL: 'base' is a required property"},
]

GOOD_WF = "version: '2.0'\nwf:\n  tasks:\n    t1:\n      action: std.noop\n"
GOOD_WB = ("version: '2.0'\nname: wb\nworkflows:\n  wf:\n    tasks:\n"
           "      t1:\n        action: std.noop\n")
GOOD_ACTIONS = "version: '2.0'\na1:\n  base: std.noop\n"

CASES = {
    # resource: (bad text, its errors, parser, good text)
    "workflows": (WF_BAD, WF_BAD_ERRORS, lang.parse_workflows, GOOD_WF),
    "workbooks": (WB_BAD, WB_BAD_ERRORS, lang.parse_workbook, GOOD_WB),
    "actions": (ACTIONS_BAD, ACTIONS_BAD_ERRORS, lang.parse_actions,
                GOOD_ACTIONS),
}


def _todays_message(parse, text) -> str:
    """What the error says without the located list: strict validation's
    message, which is the faultstring clients read."""
    with pytest.raises(Exception) as raised:
        parse(text)
    return str(raised.value)


@pytest.mark.parametrize("resource", sorted(CASES))
def test_create_and_update_answer_every_error_located(app, resource):
    text, errors, parse, good = CASES[resource]
    for send in (post_text, put_text):
        resp = send(app, "/v2/%s" % resource, text, status=400)
        assert resp.content_type == "application/json"
        assert list(resp.json) == ["faultstring", "errors"]
        assert resp.json["faultstring"] == _todays_message(parse, text)
        assert resp.json["errors"] == errors
        assert resp.json["errors"][0]["message"] == \
            resp.json["faultstring"].split("\n\n")[0]
    # Nothing was stored.
    listed = app.get("/v2/%s" % resource).json[resource]
    assert [r for r in listed if not r.get("is_system") and
            r.get("project_id")] == []


def test_the_faultstring_of_a_workflow_is_the_same_as_before(app):
    resp = post_text(app, "/v2/workflows", WF_BAD, status=400)
    assert resp.json["faultstring"] == WF_BAD_FAULT


@pytest.mark.parametrize("resource", sorted(CASES))
def test_validate_answers_every_error_located(app, resource):
    text, errors, parse, good = CASES[resource]
    resp = post_text(app, "/v2/%s/validate" % resource, text, status=200)
    assert list(resp.json) == ["valid", "error", "errors"]
    assert resp.json["valid"] is False
    assert resp.json["error"] == _todays_message(parse, text)
    assert resp.json["errors"] == errors
    resp = post_text(app, "/v2/%s/validate" % resource, good, status=200)
    assert resp.json == {"valid": True}


# The first line of each faultstring below is what the reference Mistral 23
# answers for the same document (POST /v2/workflows, /v2/workbooks,
# /v2/actions, asked on 2026-12-07); the rest is where this project says
# the problem is (Mistral appends its schema there instead).
REFERENCE = [
    ("workflows", "---\nversion: '2.0'\nwf:\n  tasks:\n    t1:\n"
     "      action: std.noop\n      on-success: t9\n",
     "Task 't9' not found.",
     [("wf.tasks.t1.on-success", 7, 19)]),
    ("workflows", "version: '2.0'\nwf:\n  tasks:\n    t1:\n"
     "      action: std.noop\n      wait-before: -1\n",
     "Invalid DSL: -1 is not valid under any of the given schemas",
     [("wf.tasks.t1.wait-before", 6, 20)]),
    ("workbooks", "version: '2.0'\nname: wb\nworkflows:\n  wf:\n"
     "    tasks:\n      t1:\n        action: std.echo output=<% $.x +++ %>\n",
     "Parse error: unexpected end of statement",
     [("workflows.wf.tasks.t1.action.output", 7, 17)]),
    ("actions", "version: '2.0'\nmy_act:\n  base: std.echo\n  base-input:\n"
     "    output: <% $.x +++ %>\n  bogus: 1\n",
     "Invalid DSL: Additional properties are not allowed ('bogus' was "
     "unexpected)",
     [("my_act.bogus", 6, 3), ("my_act.base-input.output", 5, 13)]),
]


@pytest.mark.parametrize("resource, text, first_line, places", REFERENCE)
def test_first_line_as_the_reference_mistral(app, resource, text,
                                             first_line, places):
    resp = post_text(app, "/v2/%s" % resource, text, status=400)
    assert resp.json["faultstring"].split("\n\n")[0] == first_line
    assert [(e["path"], e["line"], e["column"])
            for e in resp.json["errors"]] == places
    resp = post_text(app, "/v2/%s/validate" % resource, text, status=200)
    assert resp.json["error"].split("\n\n")[0] == first_line


def test_broken_yaml_is_one_error_where_the_parser_stopped(app):
    text = "version: 2.0\nwf:\n  tasks: [1\n"
    # The reference Mistral answers exactly this faultstring.
    fault = ("Definition could not be parsed: while parsing a flow sequence"
             "\n  in \"<unicode string>\", line 3, column 10:\n"
             "      tasks: [1\n             ^\n"
             "expected ',' or ']', but got '<stream end>'\n"
             "  in \"<unicode string>\", line 4, column 1:\n    \n    ^\n")
    resp = post_text(app, "/v2/workflows", text, status=400)
    assert resp.json == {"faultstring": fault, "errors": [
        {"path": "", "line": 4, "column": 1,
         "message": "Definition could not be parsed: while parsing a flow "
                    "sequence, expected ',' or ']', but got "
                    "'<stream end>'"}]}
    resp = post_text(app, "/v2/workflows/validate", text, status=200)
    assert resp.json["error"] == fault
    assert len(resp.json["errors"]) == 1


def test_other_errors_keep_their_body(app):
    post_text(app, "/v2/workflows", GOOD_WF, status=201)
    resp = post_text(app, "/v2/workflows", GOOD_WF, status=409)
    assert list(resp.json) == ["faultstring"]


# --- warnings -----------------------------------------------------------

UNKNOWN = """\
version: '2.0'
wf:
  tasks:
    t1:
      action: nowhere.to_be_found x=1
      on-success: t2
    t2:
      workflow: no_such_wf
      on-success: t3
    t3:
      action: <% $.action_name %>
      on-success: t4
    t4:
      workflow: wf2
wf2:
  tasks:
    t1:
      action: std.echo output=1
"""


def test_unknown_actions_and_workflows_are_warnings(app):
    resp = post_text(app, "/v2/workflows/validate", UNKNOWN, status=200)
    assert resp.json == {"valid": True, "warnings": [
        {"path": "wf.tasks.t1.action", "line": 5, "column": 15,
         "message": "Action 'nowhere.to_be_found' is not known to this "
                    "project: the task will fail unless the action exists "
                    "when it runs."},
        {"path": "wf.tasks.t2.workflow", "line": 8, "column": 17,
         "message": "Workflow 'no_such_wf' is not known to this project: "
                    "the task will fail unless the workflow exists when it "
                    "runs."},
    ]}
    # Mistral accepts such a definition; so does this project, and its
    # create answer has no new field.
    resp = post_text(app, "/v2/workflows", UNKNOWN, status=201)
    assert sorted(resp.json) == ["workflows"]


def test_stored_names_are_known(app):
    post_text(app, "/v2/actions",
              "version: '2.0'\nnowhere.to_be_found:\n  base: std.noop\n",
              status=201)
    post_text(app, "/v2/workflows",
              "version: '2.0'\nno_such_wf:\n  tasks:\n    t:\n"
              "      action: std.noop\n", status=201)
    resp = post_text(app, "/v2/workflows/validate", UNKNOWN, status=200)
    assert resp.json == {"valid": True}


def test_workbook_local_names_are_known(app):
    text = """\
version: '2.0'
name: wb
actions:
  act:
    base: std.noop
workflows:
  main:
    tasks:
      t1:
        action: act
        on-success: t2
      t2:
        action: wb.act
        on-success: t3
      t3:
        workflow: sub
        on-success: t4
      t4:
        workflow: wb.sub
        on-success: t5
      t5:
        action: missing
  sub:
    tasks:
      t1:
        action: std.noop
"""
    resp = post_text(app, "/v2/workbooks/validate", text, status=200)
    assert [(w["path"], w["line"]) for w in resp.json["warnings"]] == [
        ("workflows.main.tasks.t5.action", 22)]


def test_warnings_also_when_invalid_and_repeated_keys(app):
    text = ("version: '2.0'\nwf:\n  tasks:\n    t1:\n"
            "      action: nothing_here\n      action: std.noop\n"
            "      on-success: t9\n")
    resp = post_text(app, "/v2/workflows/validate", text, status=200)
    assert resp.json["valid"] is False
    assert [e["path"] for e in resp.json["errors"]] == [
        "wf.tasks.t1.on-success"]
    assert resp.json["warnings"] == [
        {"path": "wf.tasks.t1.action", "line": 6, "column": 7,
         "message": "Key 'action' is written more than once in this "
                    "mapping; the last one is used."}]


def test_actions_of_another_project_are_not_known(app):
    post_text(app, "/v2/actions",
              "version: '2.0'\nmine:\n  base: std.noop\n", status=201)
    inspection = lang.inspect(
        "version: '2.0'\nwf:\n  tasks:\n    t:\n      action: mine\n",
        "workflows")
    owner = types.SimpleNamespace(project_id="<default-project>",
                                  is_admin=False)
    other = types.SimpleNamespace(project_id="someone-else",
                                  is_admin=False)
    assert reference_warnings.unknown_references(owner, inspection) == []
    (warning,) = reference_warnings.unknown_references(other, inspection)
    assert warning.path == "wf.tasks.t.action"
