"""Every problem of a definition, located (``lang.inspection``): paths,
lines and columns are exact, several problems of one document are all
found, and the raised message stays what strict validation says."""

import pathlib

import pytest

from mistral_clone import exceptions as exc
from mistral_clone import lang
from mistral_clone.lang import inspection
from mistral_clone.lang import locator
from tests.unit.lang import test_invalid

FIXTURES = pathlib.Path(__file__).parent / "fixtures"

MANY = """\
version: '2.0'
wf:
  input: 5
  tasks:
    t1:
      action: std.echo output=<% $.x +++ %>
      wait-before: -1
      on-success:
        - t9
        - t2: <% $.ok %>
    t2:
      action: std.noop
      bogus: 1
      on-error: t7
"""


def _triples(problems):
    return [(p.path, p.line, p.column, p.message) for p in problems]


def test_every_problem_of_one_document_with_its_place():
    found = _triples(lang.inspect(MANY, "workflows").errors)
    assert found == [
        ("wf.input", 3, 10, "Invalid DSL: 5 is not of type 'array'"),
        ("wf.tasks.t1.wait-before", 7, 20,
         "Invalid DSL: -1 is not valid under any of the given schemas"),
        ("wf.tasks.t1.action.output", 6, 15,
         "Parse error: unexpected end of statement"),
        ("wf.tasks.t2.bogus", 13, 7,
         "Invalid DSL: Additional properties are not allowed "
         "('bogus' was unexpected)"),
        ("wf.tasks.t1.on-success[0]", 9, 11, "Task 't9' not found."),
        ("wf.tasks.t2.on-error", 14, 17, "Task 't7' not found."),
    ]


def test_the_first_error_is_the_one_raised_and_the_message_is_unchanged():
    with pytest.raises(exc.InvalidModelError) as strict:
        lang.parse_workflows(MANY)
    with pytest.raises(exc.InvalidModelError) as located:
        lang.parse_located("workflows", MANY)
    assert str(located.value) == str(strict.value)
    assert str(strict.value) == (
        "Invalid DSL: 5 is not of type 'array'\n\nOn wf.input:\n    5")
    assert located.value.located_errors == \
        lang.inspect(MANY, "workflows").errors


SEMANTIC = """\
version: '2.0'
wf:
  task-defaults:
    on-error: [nowhere]
  tasks:
    t1:
      action: std.noop
      publish:
        y: "{{ _.a + }}"
      on-success:
        - t2
        - fail
    t2:
      action: std.noop
      with-items:
        - x in <% $.l %>
        - bad with items
        - y in <% $.m + %>
      on-complete:
        next: [t3, t8]
    t3:
      workflow: sub_wf
      join: 5
"""


def test_semantic_problems_of_valid_shapes_are_all_found():
    found = _triples(lang.inspect(SEMANTIC, "workflows").errors)
    assert found[0] == ("wf.tasks.t1.publish.y", 9, 12,
                        "Syntax error 'unexpected 'end of print "
                        "statement''.")
    assert found[1][:3] == ("wf.tasks.t2.with-items[1]", 17, 11)
    assert found[1][3].startswith("Wrong format of 'with-items' property")
    assert found[2] == ("wf.tasks.t2.with-items[2]", 18, 11,
                        "Parse error: unexpected end of statement")
    assert found[3:] == [
        # A target from task-defaults is shown where it is written.
        ("wf.task-defaults.on-error[0]", 4, 16, "Task 'nowhere' not found."),
        ("wf.tasks.t2.on-complete.next[1]", 20, 20, "Task 't8' not found."),
        ("wf.tasks.t3.join", 23, 13,
         "Not enough inbound tasks for task with 'join' "
         "[task_name=t3, join=5, inbound_tasks=1]"),
    ]


def test_a_missing_key_points_at_the_mapping_that_lacks_it():
    text = "version: '2.0'\nwf:\n  description: x\n"
    assert _triples(lang.inspect(text, "workflows").errors) == [
        ("wf", 2, 1, "Invalid DSL: 'tasks' is a required property")]
    text = "wf:\n  tasks:\n    t1: {action: std.noop}\n"
    assert _triples(lang.inspect(text, "workflows").errors) == [
        ("", 1, 1, "Invalid DSL: 'version' is a required property")]


def test_an_inline_collection_is_pointed_at_where_it_opens():
    text = ("version: '2.0'\nwf:\n  tasks:\n"
            "    t1: {action: std.noop, retry: {count: -1, delay: 1}}\n")
    (problem,) = lang.inspect(text, "workflows").errors
    assert problem.path == "wf.tasks.t1.retry.count"
    assert (problem.line, problem.column) == (4, 43)


def test_reverse_workflow_requires():
    text = ("version: '2.0'\nwf:\n  type: reverse\n  tasks:\n"
            "    t1:\n      requires: [t0, t2]\n"
            "    t2:\n      requires: [t3]\n")
    assert _triples(lang.inspect(text, "workflows").errors) == [
        ("wf.tasks.t1.requires[0]", 6, 18, "Task 't0' not found."),
        ("wf.tasks.t2.requires[0]", 8, 18, "Task 't3' not found."),
    ]


PLACES = [
    # (kind, text, [(path, line, column)], {index: message})
    ("workflows",
     "version: '2.0'\n"
     "a:\n  tasks:\n    t1:\n      on-success: x\n"
     "b:\n  tasks: {}\n"
     "c:\n  type: sideways\n  tasks:\n    t1: {}\n",
     [("a.tasks.t1.on-success", 5, 19), ("b.tasks", 7, 10), ("c", 8, 1)],
     {1: "Invalid DSL: {} should be non-empty"}),
    ("workbooks",
     "version: '2.0'\nname: wb\nbogus: 1\n"
     "actions:\n  act:\n    base: std.echo\n"
     "    base-input:\n      output: <% $.x +++ %>\n"
     "workflows:\n  wf:\n    tasks:\n      t1:\n"
     "        action: act\n        on-success: t2\n",
     [("bogus", 3, 1), ("actions.act.base-input.output", 8, 15),
      ("workflows.wf.tasks.t1.on-success", 14, 21)],
     {0: "Invalid DSL: Additional properties are not allowed ('bogus' was "
         "unexpected)"}),
    ("actions",
     "version: '2.0'\n"
     "a1:\n  base: std.echo\n  whatever: 1\n"
     "a2:\n  base: std.echo output=<% $.x +++ %>\n"
     "a3:\n  input: [x]\n",
     [("a1.whatever", 4, 3), ("a2.base.output", 6, 9), ("a3", 7, 1)],
     {2: "Invalid DSL: 'base' is a required property"}),
]


@pytest.mark.parametrize("kind, text, places, messages", PLACES,
                         ids=[p[0] for p in PLACES])
def test_problems_of_several_items_of_one_file(kind, text, places,
                                               messages):
    found = _triples(lang.inspect(text, kind).errors)
    assert [f[:3] for f in found] == places
    for index, message in messages.items():
        assert found[index][3] == message


def test_yaml_syntax_error_one_error_where_the_parser_stopped():
    text = "version: '2.0'\nwf:\n  tasks: [1\n"
    (problem,) = lang.inspect(text, "workflows").errors
    assert (problem.path, problem.line, problem.column) == ("", 4, 1)
    assert problem.message == (
        "Definition could not be parsed: while parsing a flow sequence, "
        "expected ',' or ']', but got '<stream end>'")
    text = "a: b: c\n"
    (problem,) = lang.inspect(text, "workflows").errors
    assert (problem.line, problem.column) == (1, 5)


def test_workbook_version():
    text = "version: '1.0'\nname: wb\n"
    assert _triples(lang.inspect(text, "workbooks").errors) == [
        ("version", 1, 10, "Unsupported DSL version: 1.0"),
        ("version", 1, 10, "Invalid DSL: '1.0' is not one of ['2.0', 2.0]"),
    ]


def test_repeated_keys_are_warnings():
    text = ("version: '2.0'\nwf:\n  tasks:\n    t1:\n      action: a\n"
            "    t1:\n      action: std.noop\n      action: std.echo\n")
    result = lang.inspect(text, "workflows")
    assert result.errors == []
    assert _triples(result.warnings) == [
        ("wf.tasks.t1", 6, 5, "Key 't1' is written more than once in this "
                              "mapping; the last one is used."),
        ("wf.tasks.t1.action", 8, 7, "Key 'action' is written more than "
                                     "once in this mapping; the last one "
                                     "is used."),
    ]


def test_references_skip_expressions_and_know_local_names():
    text = ("version: '2.0'\nname: wb\n"
            "actions:\n  act:\n    base: std.echo output=1\n"
            "workflows:\n  wf:\n    tasks:\n"
            "      t1:\n        action: act x=1\n"
            "      t2:\n        workflow: <% $.name %>\n"
            "      t3:\n        workflow: wb.other\n")
    result = lang.inspect(text, "workbooks")
    assert [(r.kind, r.name, r.path, r.line, r.column)
            for r in result.references] == [
        ("action", "std.echo", "actions.act.base", 5, 11),
        ("action", "act", "workflows.wf.tasks.t1.action", 10, 17),
        ("workflow", "wb.other", "workflows.wf.tasks.t3.workflow", 14, 19),
    ]
    assert result.local_actions == {"act", "wb.act"}
    assert result.local_workflows == {"wf", "wb.wf"}


def test_a_valid_definition_has_no_errors():
    text = "version: '2.0'\nwf:\n  tasks:\n    t1:\n      action: std.noop\n"
    assert lang.inspect(text, "workflows").errors == []
    assert len(lang.parse_located("workflows", text).workflows) == 1


def _strict_and_located(parse, kind, text):
    with pytest.raises(exc.DSLParsingError) as strict:
        parse(text)
    with pytest.raises(exc.DSLParsingError) as located:
        lang.parse_located(kind, text)
    return strict.value, located.value


@pytest.mark.parametrize("case", test_invalid.CASES,
                         ids=lambda case: str(case[2])[:50])
def test_known_invalid_workflows_keep_their_message(case):
    text, error_cls, first_line, path = case
    strict, located = _strict_and_located(lang.parse_workflows,
                                          "workflows", text)
    assert type(located) is type(strict) is error_cls
    assert str(located) == str(strict)
    first = located.located_errors[0]
    assert first.message == strict.spec_message
    # The same place, or a more exact one (a target that came from
    # task-defaults is shown where task-defaults has it).
    assert first.path.startswith(path) or "task-defaults" in first.path


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("neg_*.yaml")),
                         ids=lambda p: p.stem)
def test_negative_fixtures_keep_their_message(path):
    text = path.read_text()
    kind = "actions" if "adhoc" in path.stem else "workflows"
    parse = lang.parse_actions if kind == "actions" else lang.parse_workflows
    strict, located = _strict_and_located(parse, kind, text)
    assert str(located) == str(strict)
    assert located.located_errors[0].message == \
        getattr(strict, "spec_message", str(strict))


def test_located_errors_are_plain_json():
    problem = inspection.Problem("wf.tasks", 3, 4, "m")
    assert problem.to_dict() == {"path": "wf.tasks", "line": 3,
                                 "column": 4, "message": "m"}


def test_entry_lines_by_either_composer():
    """The lines of each entry of a mapping: from its key to its last
    written line; libyaml's marks and ours agree, and a text only ours
    reads (a plain scalar starting with ``@``) is read by ours."""
    text = ("wf:\n  tasks:\n    a:\n      action: std.noop\n\n"
            "      # comment\n    b: {action: std.noop}\n"
            "    c:\n      input:\n        x: |\n          two\n"
            "          lines\n")
    for root in (locator.compose(text), locator.compose_quickly(text)):
        assert locator.entry_lines(root, ["wf", "tasks"], text) == {
            "a": (3, 4), "b": (7, 7), "c": (8, 12)}
    at_sign = "wf:\n  tasks:\n    a: @x\n"
    assert locator.entry_lines(locator.compose_quickly(at_sign),
                               ["wf", "tasks"], at_sign) == {"a": (3, 3)}
    assert locator.entry_lines(None, ["wf"], "") == {}
