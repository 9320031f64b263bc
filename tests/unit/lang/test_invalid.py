"""Invalid definitions: the first line of each message is the reference's
(checked against Mistral 23), the rest says where."""

import pytest

from mistral_clone import exceptions as exc
from mistral_clone import lang

WF = "version: '2.0'\nwf:\n"

CASES = [
    # (definition, error class, first line, spec_path)
    (WF + "  tasks:\n    t1:\n      action: std.noop\n"
     "      on-success: t2\n",
     exc.InvalidModelError, "Task 't2' not found.",
     "wf.tasks.t1.on-success"),
    (WF + "  tasks:\n    t1:\n      action: std.noop\n"
     "      on-success:\n        - t2: <% true %>\n",
     exc.InvalidModelError, "Task 't2' not found.",
     "wf.tasks.t1.on-success"),
    (WF + "  description: x\n",
     exc.InvalidModelError, "Invalid DSL: 'tasks' is a required property",
     "wf"),
    (WF + "  tasks: {}\n",
     exc.InvalidModelError, "Invalid DSL: {} should be non-empty",
     "wf.tasks"),
    ("version: '2.0'\n", exc.InvalidModelError,
     "At least one item must be in the list [data={'version': '2.0'}].", ""),
    ("[1, 2]\n", exc.InvalidModelError,
     "Invalid DSL: [1, 2] is not of type 'object'", ""),
    (WF + "  tasks:\n    t1:\n      action: std.noop\n"
     "      on-success: t2\n    t2:\n      action: std.noop\n"
     "      on-success: t1\n",
     exc.DSLParsingError,
     "Failed to find start tasks in direct workflow. There must be at least "
     "one task without inbound transition.[workflow_name=wf]", "wf"),
    (WF + "  input:\n    - a\n    - a\n  tasks:\n    t1:\n"
     "      action: std.noop\n",
     exc.InvalidModelError, "Invalid DSL: ['a', 'a'] has non-unique elements",
     "wf.input"),
    (WF + "  tasks:\n    t1:\n      action: std.noop\n      requires: [t2]\n",
     exc.InvalidModelError,
     "Invalid DSL: Additional properties are not allowed "
     "('requires' was unexpected)", "wf.tasks.t1"),
    (WF + "  type: reverse\n  tasks:\n    t1:\n      action: std.noop\n"
     "      on-success: t2\n",
     exc.InvalidModelError,
     "Invalid DSL: Additional properties are not allowed "
     "('on-success' was unexpected)", "wf.tasks.t1"),
    (WF + "  tasks:\n    t1:\n      with-items: [1]\n",
     exc.InvalidModelError, "Invalid DSL: 1 is not of type 'string'",
     "wf.tasks.t1.with-items[0]"),
    (WF + "  tasks:\n    t1:\n      with-items: bad\n",
     exc.InvalidModelError,
     "Wrong format of 'with-items' property. Please use format 'var in "
     "{[some, list] | <% $.array %> }: {'with-items': 'bad', 'type': "
     "'direct', 'name': 't1', 'version': '2.0'}",
     "wf.tasks.t1.with-items"),
    (WF + "  tasks:\n    t1:\n      retry: {count: -1, delay: 1}\n",
     exc.InvalidModelError,
     "Invalid DSL: -1 is not valid under any of the given schemas",
     "wf.tasks.t1.retry.count"),
    (WF + "  tasks:\n    t1:\n      retry: {count: 3}\n",
     exc.InvalidModelError, "Invalid DSL: 'delay' is a required property",
     "wf.tasks.t1.retry"),
    (WF + "  tasks:\n    t1:\n      retry: count=3\n",
     exc.InvalidModelError, "Invalid DSL: 'delay' is a required property",
     "wf.tasks.t1.retry"),
    (WF + "  tasks:\n    t1:\n      timeout: <% $.x %>\n"
     "      wait-after: abc\n",
     exc.InvalidModelError,
     "Invalid DSL: 'abc' is not valid under any of the given schemas",
     "wf.tasks.t1.wait-after"),
    (WF + "  tasks:\n    t1:\n      pause-before: 1\n",
     exc.InvalidModelError,
     "Invalid DSL: 1 is not valid under any of the given schemas",
     "wf.tasks.t1.pause-before"),
    (WF + "  tasks:\n    t1:\n      on-complete:\n        publish: {}\n",
     exc.InvalidModelError,
     "Either 'branch', 'global' or 'atomic' must be specified: ",
     "wf.tasks.t1.on-complete.publish"),
    (WF + "  tasks:\n    t1:\n      on-complete:\n"
     "        next: t2\n        publish:\n          global:\n"
     "            b: <% $.[ %>\n    t2: {action: std.noop}\n",
     exc.YaqlGrammarError, "Parse error: unexpected end of statement",
     "wf.tasks.t1.on-complete.publish.global.b"),
    (WF + "  tasks:\n    t1:\n      on-success: t2\n    t2:\n      join: 3\n",
     exc.InvalidModelError,
     "Not enough inbound tasks for task with 'join' [task_name=t2, join=3, "
     "inbound_tasks=1]", "wf"),
    (WF + "  tasks:\n    t1:\n      join: all\n",
     exc.InvalidModelError,
     "No inbound tasks for task with 'join: all' [task_name=t1]", "wf"),
    (WF + "  task-defaults:\n    on-error: zz\n  tasks:\n    t1:\n"
     "      action: std.noop\n",
     exc.InvalidModelError, "Task 'zz' not found.", "wf.tasks.t1.on-error"),
    (WF + "  tasks:\n    t1:\n"
     "      action: std.echo output=\"<% $.a %> {{ _.b }}\"\n",
     exc.ExpressionGrammarError,
     "The line already contains an expression of type 'jinja'. Mixing "
     "expression types in a single line is not allowed.",
     "wf.tasks.t1.action.output"),
    (WF + "  tasks:\n    t1:\n      publish:\n        b: <% $.__env %>\n",
     exc.YaqlGrammarError, "Lexical error: illegal character '_' at "
     "position 3", "wf.tasks.t1.publish.b"),
    (WF + "  vars:\n    a: <% $.[ %>\n  tasks:\n    t1: {action: std.noop}\n",
     exc.YaqlGrammarError, "Parse error: unexpected end of statement",
     "wf.vars.a"),
    (WF + "  output: {a: \"{% if %}\"}\n"
     "  tasks:\n    t1: {action: std.noop}\n",
     exc.JinjaGrammarError,
     "Syntax error 'Expected an expression, got 'end of statement block''.",
     "wf.output.a"),
    (WF + "  tasks:\n    t1:\n      on-success:\n        - t2: <% $.[ %>\n"
     "    t2: {action: std.noop}\n",
     exc.YaqlGrammarError, "Parse error: unexpected end of statement",
     "wf.tasks.t1.on-success[0]"),
    (WF + "  tasks:\n    t1:\n      on-success:\n        - t2: abc\n"
     "    t2: {action: std.noop}\n",
     exc.InvalidModelError,
     "Invalid DSL: 'abc' is not valid under any of the given schemas",
     "wf.tasks.t1.on-success[0].t2"),
    (WF + "  tasks:\n    t1:\n      keep-result: <% $.[ %>\n",
     exc.YaqlGrammarError, "Parse error: unexpected end of statement",
     "wf.tasks.t1.keep-result"),
    (WF + "  tasks:\n    t1:\n      unknown: 1\n",
     exc.InvalidModelError,
     "Invalid DSL: Additional properties are not allowed "
     "('unknown' was unexpected)", "wf.tasks.t1"),
    (WF + "  tasks:\n    t1:\n      action: std.noop\n      workflow: x\n",
     exc.InvalidModelError, None, "wf.tasks.t1"),
    ("version: '2.0'\n1d2f5c6e-3b4a-4c5d-8e9f-0a1b2c3d4e5f:\n  tasks:\n"
     "    t1: {action: std.noop}\n",
     exc.InvalidModelError, "Workflow name cannot be in the format of UUID.",
     "1d2f5c6e-3b4a-4c5d-8e9f-0a1b2c3d4e5f"),
    (WF + "  tasks:\n    t1:\n      action: std.noop\n"
     "      on-success: fail(msg=\"x\")\n",
     exc.InvalidModelError, None, "wf.tasks.t1.on-success"),
    (WF + "  tasks:\n    " + "t" * 256 + ": {action: std.noop}\n",
     exc.InvalidModelError,
     "The length of a '%s' task name must not exceed 255 symbols" % ("t" *
                                                                      256),
     "wf.tasks." + "t" * 256),
]


@pytest.mark.parametrize("text,error_cls,first_line,path", CASES)
def test_invalid_workflow(text, error_cls, first_line, path):
    with pytest.raises(error_cls) as info:
        lang.parse_workflows(text)
    if first_line is not None:
        assert str(info.value).split("\n")[0] == first_line
    assert info.value.spec_path == path


def test_broken_yaml_names_the_line():
    text = WF + "  tasks:\n    t1:\n      action: std.noop\n" \
        "     on-success: t2\n"
    with pytest.raises(exc.DSLParsingError) as info:
        lang.parse_workflows(text)
    message = str(info.value)
    assert message.startswith("Definition could not be parsed: ")
    assert "line 6, column 6" in message


WB = "version: '2.0'\nname: wb\n"


# Mistral 23 answers "valid" and then fails with a 500 for a workbook whose
# version is not the string '2.0'; here '2' is a 400 and 2.0 is accepted.
@pytest.mark.parametrize("text,first_line", [
    ("version: '2'\nname: wb\nworkflows:\n  w: {tasks: {t: {}}}\n",
     "Invalid DSL: '2' is not one of ['2.0', 2.0]"),
    ("version: '1.0'\nname: wb\n", "Unsupported DSL version: 1.0"),
    (WB + "workflows:\n  a.b: {tasks: {t: {}}}\n",
     "Invalid DSL: 'a.b' does not match any of the regexes: "
     "'^(?!version$)[\\\\w-]+$', '^version$'"),
    (WB + "workflows:\n  main: 1\n",
     "A specification with polymorphic key must be backed by a dictionary "
     "[spec_cls=WorkflowSpec, data=1]"),
    (WB + "actions:\n  a1:\n    base-input: {x: 1}\n",
     "Invalid DSL: 'base' is a required property"),
    (WB + "unknown: 1\n",
     "Invalid DSL: Additional properties are not allowed "
     "('unknown' was unexpected)"),
])
def test_invalid_workbook(text, first_line):
    with pytest.raises(exc.DSLParsingError) as info:
        lang.parse_workbook(text)
    assert str(info.value).split("\n")[0] == first_line


@pytest.mark.parametrize("text,error_cls,first_line", [
    ("version: '2.0'\na1:\n  base: std.echo output=<% $.[ %>\n",
     exc.YaqlGrammarError, "Parse error: unexpected end of statement"),
    ("version: '2.0'\na1:\n  base: std.echo\n  output: '{{ _. }}'\n",
     exc.JinjaGrammarError, "Syntax error 'expected name or number'."),
    ("version: '2.0'\na1:\n  input: [x]\n",
     exc.InvalidModelError, "Invalid DSL: 'base' is a required property"),
])
def test_invalid_actions(text, error_cls, first_line):
    with pytest.raises(error_cls) as info:
        lang.parse_actions(text)
    if first_line:
        assert str(info.value).split("\n")[0] == first_line


def test_unknown_workflow_keys_are_accepted_and_ignored():
    """Mistral 23 loads a workflow with a typo at its top level (say
    ``outputs:``) and ignores it; task keys stay checked."""
    spec = lang.get_workflow_spec(
        WF + "  outputs:\n    a: 1\n  note: x\n  tasks:\n    t1:\n"
        "      action: std.noop\n")
    assert spec.output == {} and list(spec.tasks) == ["t1"]
