"""Every negative conformance case (copied into fixtures/) is rejected with
the first line of the message the reference Mistral 23 gives, plus where."""

import pathlib

import pytest
import yaml

from mistral_clone import exceptions as exc
from mistral_clone import lang

FIXTURES = pathlib.Path(__file__).parent / "fixtures"

# case -> (parser, exception class, first line of the message, spec_path)
CASES = {
    "neg_adhoc_unknown_property": (
        lang.parse_actions, exc.InvalidModelError,
        "Invalid DSL: Additional properties are not allowed "
        "('whatever' was unexpected)",
        "bad_action"),
    "neg_bad_jinja_syntax": (
        lang.parse_workflows, exc.JinjaGrammarError,
        "Syntax error 'unexpected 'end of print statement''.",
        "wf.tasks.t1.action.output"),
    "neg_bad_yaql_in_publish": (
        lang.parse_workflows, exc.YaqlGrammarError,
        "Parse error: unexpected end of statement",
        "wf.tasks.t1.publish.x"),
    "neg_bad_yaql_syntax": (
        lang.parse_workflows, exc.YaqlGrammarError,
        "Parse error: unexpected end of statement",
        "wf.tasks.t1.action.output"),
    "neg_join_invalid": (
        lang.parse_workflows, exc.InvalidModelError,
        "Invalid DSL: 'some' is not valid under any of the given schemas",
        "wf.tasks.t2.join"),
    "neg_missing_version": (
        lang.parse_workflows, exc.InvalidModelError,
        "Invalid DSL: 'version' is a required property",
        ""),
    "neg_negative_wait_before": (
        lang.parse_workflows, exc.InvalidModelError,
        "Invalid DSL: -1 is not valid under any of the given schemas",
        "wf.tasks.t1.wait-before"),
    "neg_reverse_requires_undefined": (
        lang.parse_workflows, exc.InvalidModelError,
        "Task 'zz_ghost' not found.",
        "wf.tasks.t1.requires"),
    "neg_task_defaults_unknown_key": (
        lang.parse_workflows, exc.InvalidModelError,
        "Invalid DSL: Additional properties are not allowed "
        "('action' was unexpected)",
        "wf.task-defaults"),
    "neg_unknown_workflow_type": (
        lang.parse_workflows, exc.DSLParsingError,
        "Failed to find a specification class to instantiate "
        "[spec_cls=WorkflowSpec, data={'type': 'sideways', 'tasks': "
        "{'t1': {'action': 'std.noop'}}, 'name': 'wf', 'version': '2.0'}]",
        "wf"),
    "neg_with_items_literal_not_json": (
        lang.parse_workflows, exc.InvalidModelError,
        "Invalid array in 'with-items' clause: [a, b, c], error: "
        "Expecting value: line 1 column 2 (char 1)",
        "wf.tasks.each.with-items"),
    "neg_workbook_missing_name": (
        lang.parse_workbook, exc.InvalidModelError,
        "Invalid DSL: 'name' is a required property",
        ""),
    "neg_yaql_dunder_identifier": (
        lang.parse_workflows, exc.YaqlGrammarError,
        "Lexical error: illegal character '_' at position 3",
        "wf.tasks.t1.action.output"),
}


def test_every_fixture_has_an_expectation():
    names = {p.stem for p in FIXTURES.glob("neg_*.yaml")}
    assert names == set(CASES)


@pytest.mark.parametrize("case", sorted(CASES))
def test_negative_case(case):
    parser, error_cls, first_line, path = CASES[case]
    text = (FIXTURES / (case + ".yaml")).read_text()
    with pytest.raises(error_cls) as info:
        parser(text)
    message = str(info.value)
    assert message.split("\n")[0] == first_line
    assert info.value.spec_path == path
    if path:
        assert "On %s" % path in message


def test_conformance_cases_beside_the_repo_are_covered():
    """When shared/ is present, its neg_* definitions equal the fixtures."""
    cases_dir = (pathlib.Path(__file__).resolve().parents[4] / "shared" /
                 "conformance" / "cases")
    if not cases_dir.is_dir():
        pytest.skip("shared/conformance not beside the repository")
    for path in cases_dir.glob("neg_*.yaml"):
        case = yaml.safe_load(path.read_text())
        text = case.get("definition") or case.get("actions")
        assert (FIXTURES / path.name).read_text() == text, path.name
