"""Valid definitions and the specs built from them."""

import pathlib

import pytest

from mistral_clone import exceptions as exc
from mistral_clone import lang

FIXTURES = pathlib.Path(__file__).parent / "fixtures"


def one(text):
    [wf] = lang.parse_workflows(text).workflows
    return wf


@pytest.mark.parametrize("version", ["'2.0'", "'2'", "2", "2.0", "'1.0'",
                                     "abc"])
def test_any_version_value_is_accepted_for_workflows(version):
    wf = one("version: %s\nwf:\n  tasks:\n    t1: {action: std.noop}\n"
             % version)
    assert wf.type == lang.DIRECT
    assert wf.tasks["t1"].action == "std.noop"


def test_two_workflows_views_as_the_reference_shows_them():
    text = (FIXTURES / "two_workflows.yaml").read_text()
    wfs = lang.parse_workflows(text)
    assert wfs.version == "2.0"
    wf1, wf2 = wfs.workflows
    assert (wf1.name, wf1.type, wf1.description) == ("wf1", "direct", "first")
    assert wf2.type == lang.REVERSE
    assert list(wf1.input.items()) == [
        ("a", lang.REQUIRED), ("b", 1), ("c", "str"), ("d", [1, 2]),
        ("e", {"k": "v"}), ("f", None), ("g", True), ("h", 1.5)]
    assert wf1.input_str() == (
        'a, b="1", c="str", d="[1, 2]", e="{\'k\': \'v\'}", f="None", '
        'g="True", h="1.5"')
    assert wf1.interface() == {
        "input": ["a", {"b": 1}, {"c": "str"}, {"d": [1, 2]},
                  {"e": {"k": "v"}}, {"f": None}, {"g": True}, {"h": 1.5}],
        "output": ["r"]}
    assert wf2.input_str() == ""
    assert wf2.interface() == {"input": [], "output": []}
    # Definitions as the reference stores them.
    assert lang.cut_workflow_definition(text, "wf1") == (
        "version: '2.0'\nwf1:\n  description: first\n  input:\n  - a\n"
        "  - b: 1\n  - c: str\n  - d:\n    - 1\n    - 2\n  - e:\n      k: v\n"
        "  - f: null\n  - g: true\n  - h: 1.5\n  output:\n    r: <% $.a %>\n"
        "  tasks:\n    t1:\n      action: std.echo output=<% $.a %>\n")
    assert lang.cut_workflow_definition(text, "wf2") == (
        "version: '2.0'\nwf2:\n  type: reverse\n  tasks:\n    t1:\n"
        "      action: std.noop\n")


def test_single_workflow_definition_is_stored_as_is():
    text = "version: '2.0'\n# c\nwf:\n  tasks:\n    t1: {action: std.noop}\n"
    assert lang.cut_workflow_definition(text, "wf") == text
    with pytest.raises(exc.NotFoundError):
        lang.cut_workflow_definition(text, "other")


def test_to_dict_has_injected_keys():
    wf = one("version: '2.0'\nwf:\n  tasks:\n    t1: {action: std.noop}\n")
    assert wf.to_dict() == {
        "tasks": {"t1": {"action": "std.noop", "type": "direct",
                         "name": "t1", "version": "2.0"}},
        "name": "wf", "version": "2.0"}


def test_workbook_and_its_stored_definitions():
    text = (FIXTURES / "workbook.yaml").read_text()
    wb = lang.parse_workbook(text)
    assert (wb.name, wb.description, wb.tags, wb.version) == (
        "wb", "d", ["a", "b"], "2.0")
    assert [w.name for w in wb.workflows] == ["main", "other"]
    [act] = wb.actions
    assert (act.name, act.base, act.base_input) == (
        "my_act", "std.echo", {"output": "x"})
    assert act.input == {"a": lang.REQUIRED, "b": [1]}
    assert act.input_str() == "a, b=[1]"
    assert act.output == "<% $ %>"
    main_def = lang.workbook_workflow_definition(text, "main")
    assert main_def == (
        "main:\n  input: [x]\n  tasks:\n    t1:\n      # inner comment\n"
        "      action: wb.my_act a=1\n\n    t2:\n      action: std.noop\n")
    assert lang.workbook_workflow_definition(text, "other") == (
        "other:\n  tasks:\n    t1:\n      action: std.noop\n")
    assert lang.workbook_action_definition(text, "my_act") == (
        'my_act:\n  base: std.echo output="x"\n  input:\n    - a\n'
        '    - b: [1]\n  output: <% $ %>\n')
    spec = lang.get_workflow_spec(main_def)
    assert spec.name == "main"
    assert spec.tasks["t1"].action == "wb.my_act"
    assert spec.tasks["t1"].input == {"a": 1}
    assert lang.parse_action(
        lang.workbook_action_definition(text, "my_act")).base == "std.echo"


def test_get_workflow_spec_is_cached_by_text():
    lang.clear_cache()
    text = "version: '2.0'\nwf:\n  tasks:\n    t1: {action: std.noop}\n"
    first = lang.get_workflow_spec(text)
    assert lang.get_workflow_spec(text) is first
    assert lang.get_workflow_spec(text + "\n") is not first
    with pytest.raises(exc.DSLParsingError):
        lang.get_workflow_spec("version: '2.0'\n")


def test_inline_parameters_and_input():
    wf = one(
        "version: '2.0'\nwf:\n  tasks:\n    t1:\n"
        "      action: std.echo output=\"hi there\" x=1 y=<% $.a %>B "
        "z=[1, 2] b=true n=null q='s' bad=abc f=1.5\n"
        "      input: {x: 0, keep: 2}\n"
        "    t2:\n      workflow: sub p={{ _.a }}\n"
        "    t3:\n      input: <% $.whole %>\n")
    t1, t2, t3 = wf.tasks.values()
    assert t1.type == "ACTION" and t1.action == "std.echo"
    assert t1.input == {"x": 1, "keep": 2, "output": "hi there",
                        "y": "<% $.a %>", "z": [1, 2], "b": True, "n": None,
                        "q": "s", "f": 1}
    assert t2.type == "WORKFLOW" and t2.workflow == "sub" and \
        t2.action is None
    assert t2.input == {"p": "{{ _.a }}"}
    assert t3.action == "std.noop" and t3.input == "<% $.whole %>"


def test_with_items_forms():
    wf = one(
        "version: '2.0'\nwf:\n  tasks:\n"
        "    t1:\n      with-items: x in <% $.xs %>\n"
        "    t2:\n      with-items:\n        - x in [1, 2]\n"
        "        - y in {{ _.ys }}\n      concurrency: 2\n"
        "    t3:\n      with-items: x in <% $.a %>, y in [1]\n")
    assert wf.tasks["t1"].with_items == [("x", "<% $.xs %>")]
    assert wf.tasks["t2"].with_items == [("x", [1, 2]), ("y", "{{ _.ys }}")]
    assert wf.tasks["t2"].policies.concurrency == 2
    # Only the first "var in" of one string is read, as in Mistral.
    assert wf.tasks["t3"].with_items == [("x", "<% $.a %>")]


def test_transitions_plain_and_advanced():
    wf = one(
        "version: '2.0'\nwf:\n  tasks:\n"
        "    t1:\n      on-success: t2\n"
        "      on-error:\n        - t3: <% $.x > 1 %>\n"
        "        - fail msg=\"boom <% $.y %>\"\n"
        "        - succeed(msg=\"stopped early\")\n"
        "      on-complete:\n        next:\n          - t4\n"
        "          - pause: <% $.p %>\n"
        "        publish:\n          branch: {a: 1}\n"
        "          global: {g: <% $.v %>}\n"
        "      on-skip: [noop]\n"
        "    t2: {action: std.noop}\n    t3: {action: std.noop}\n"
        "    t4:\n      join: all\n")
    t1 = wf.tasks["t1"]
    assert t1.on_success.next == [lang.TransitionSpec("t2", None, {})]
    assert t1.on_success.publish is None
    assert t1.on_error.next == [
        lang.TransitionSpec("t3", "<% $.x > 1 %>", {}),
        lang.TransitionSpec("fail", None, {"msg": "boom <% $.y %>"}),
        lang.TransitionSpec("succeed", None, {"msg": "stopped early"})]
    assert t1.on_error.next[1].is_engine_command
    assert t1.on_complete.next == [
        lang.TransitionSpec("t4", None, {}),
        lang.TransitionSpec("pause", "<% $.p %>", {})]
    assert t1.on_complete.publish == lang.PublishSpec(
        branch={"a": 1}, global_={"g": "<% $.v %>"})
    assert t1.on_skip.task_names() == ["noop"]
    assert wf.start_task_names() == ["t1"]
    assert wf.inbound_task_names("t4") == ["t1"]
    assert wf.tasks["t4"].join == "all"
    assert wf.tasks["t2"].on_success is None


def test_one_key_mapping_clause_leads_nowhere_like_mistral():
    wf = one("version: '2.0'\nwf:\n  tasks:\n    t1:\n"
             "      on-success: {t2: <% true %>}\n"
             "    t2: {action: std.noop}\n")
    assert wf.tasks["t1"].on_success.next == []
    assert wf.start_task_names() == ["t1", "t2"]


def test_join_values():
    wf = one("version: '2.0'\nwf:\n  tasks:\n"
             "    a:\n      on-success: [c, d]\n"
             "    b:\n      on-success: [c, d]\n"
             "    c:\n      join: 2\n    d:\n      join: one\n")
    assert wf.tasks["c"].join == 2 and wf.tasks["d"].join == "one"
    assert wf.tasks["a"].join is None


def test_policies_and_task_defaults():
    wf = one(
        "version: '2.0'\nwf:\n"
        "  task-defaults:\n    retry: {count: 2, delay: 1}\n"
        "    wait-before: 5\n    timeout: <% $.t %>\n    safe-rerun: true\n"
        "    on-error: [handler]\n"
        "  tasks:\n"
        "    t1:\n      wait-before: 0\n      wait-after: 3\n"
        "      pause-before: <% $.p %>\n      fail-on: <% $.f %>\n"
        "      keep-result: false\n      target: exec1\n"
        "    t2:\n      retry: count=3 delay=<% $.d %> break-on=<% $.b %>\n"
        "      safe-rerun: false\n      on-error: [t1]\n"
        "    handler: {action: std.noop}\n")
    t1, t2, handler = wf.tasks.values()
    assert t1.policies.retry.count == 2 and t1.policies.retry.delay == 1
    assert t1.policies.wait_before == 5      # 0 does not override
    assert t1.own_policies.wait_before == 0
    assert t1.policies.wait_after == 3
    assert t1.policies.timeout == "<% $.t %>"
    assert t1.policies.pause_before == "<% $.p %>"
    assert t1.policies.fail_on == "<% $.f %>"
    assert t1.policies.concurrency == 0
    assert (t1.keep_result, t1.target, t1.safe_rerun) == (False, "exec1",
                                                          True)
    assert t2.policies.retry.count == 3
    assert t2.policies.retry.delay == "<% $.d %>"
    assert t2.policies.retry.break_on == "<% $.b %>"
    assert t2.safe_rerun is False
    # Default clauses apply where the task has none, minus self-loops.
    assert t1.on_error.task_names() == ["handler"]
    assert t2.on_error.task_names() == ["t1"]
    assert handler.on_error.task_names() == []
    assert handler.keep_result is True and handler.safe_rerun is True


def test_reverse_workflow_requires():
    wf = one(
        "version: '2.0'\nwf:\n  type: reverse\n"
        "  task-defaults:\n    requires: [init]\n"
        "  tasks:\n    init: {action: std.noop}\n"
        "    a:\n      requires: b\n    b: {action: std.noop}\n"
        "    c:\n      requires: [a, b]\n")
    assert wf.tasks["init"].requires == []
    assert wf.tasks["a"].requires == ["b", "init"]
    assert wf.tasks["c"].requires == ["a", "b", "init"]
    assert wf.tasks_required_for("c") == ["init", "b", "a", "c"]
    assert wf.tasks_required_for("init") == ["init"]
    assert wf.start_task_names() == []
    with pytest.raises(exc.InputError):
        wf.tasks_required_for("zz")


def test_get_publish_precedence():
    wf = one(
        "version: '2.0'\nwf:\n  tasks:\n    t1:\n"
        "      publish: {a: task, b: task}\n"
        "      publish-on-error: {e: 1}\n"
        "      on-success:\n        publish:\n"
        "          branch: {a: success, c: success}\n"
        "          global: {g: 1}\n"
        "      on-complete:\n        publish:\n"
        "          branch: {b: complete}\n          atomic: {x: 1}\n")
    t1 = wf.tasks["t1"]
    assert t1.get_publish(lang.SUCCESS) == lang.PublishSpec(
        branch={"a": "task", "b": "complete", "c": "success"},
        global_={"g": 1}, atomic={"x": 1})
    assert t1.get_publish(lang.ERROR) == lang.PublishSpec(
        branch={"e": 1, "b": "complete"}, atomic={"x": 1})
    plain = one("version: '2.0'\nwf:\n  tasks:\n"
                "    t1: {action: std.noop}\n").tasks["t1"]
    assert plain.get_publish(lang.SUCCESS) is None


def test_adhoc_actions_file():
    [a1, a2] = lang.parse_actions(
        "version: '2.0'\n"
        "a1:\n  description: d\n  tags: [x]\n"
        "  base: std.echo output=<% $.v %>\n  base-input: {extra: 1}\n"
        "  input:\n    - v\n    - w: {k: 1}\n  output: <% $.r %>\n"
        "a2:\n  base: a1\n")
    assert (a1.name, a1.description, a1.tags) == ("a1", "d", ["x"])
    assert a1.base_input == {"extra": 1, "output": "<% $.v %>"}
    assert a1.input_str() == 'v, w={"k": 1}'
    assert a2.input == {} and a2.input_str() is None and a2.output is None


def test_validate_false_skips_checks():
    text = ("version: '2.0'\nwf:\n  tasks:\n    t1:\n"
            "      publish:\n        x: <% $.[ %>\n")
    with pytest.raises(exc.YaqlGrammarError):
        lang.parse_workflows(text)
    wf = lang.parse_workflows(text, validate=False).workflows[0]
    assert wf.tasks["t1"].publish == {"x": "<% $.[ %>"}


def test_anchors_are_plain_text():
    wf = one("version: '2.0'\nwf:\n  vars: {a: &x 1, b: *x}\n"
             "  tasks:\n    t1: {action: std.noop}\n")
    assert wf.vars == {"a": "&x 1", "b": "*x"}
