"""The pure parts of the task policies: which values count as set, the
type checks with Mistral's messages, the start decision and the retry
rule."""

import pytest

from mistral_clone import exceptions as exc
from mistral_clone import lang
from mistral_clone.engine import policies
from mistral_clone.engine import states


def _via_spec(text):
    return lang.get_workflow_spec(text).tasks["t"].policies


@pytest.mark.parametrize("name,value,expected", [
    ("wait_before", 0, False), ("wait_before", 2, True),
    ("wait_before", "<% $.x %>", True), ("timeout", 0, False),
    ("pause_before", False, False), ("pause_before", True, True),
    ("concurrency", 0, False), ("fail_on", "<% true %>", True),
])
def test_is_set(name, value, expected):
    assert policies.is_set(name, value) is expected


def test_check_message_is_mistrals():
    with pytest.raises(exc.InvalidModelError) as e:
        policies.check("WaitBeforePolicy", delay="x")
    msg = str(e.value)
    assert msg.startswith(
        "Invalid data type in WaitBeforePolicy: 'x' is not of type "
        "'integer'")
    assert msg.endswith("Value(s) can be shown after YAQL evaluating. If "
                        "you use YAQL here, please correct it.")
    with pytest.raises(exc.InvalidModelError):
        policies.check("RetryPolicy", count=-1, delay=0)
    with pytest.raises(exc.InvalidModelError):
        policies.check("PauseBeforePolicy", expr="yes")
    policies.check("TimeoutPolicy", delay=3)
    policies.check("ConcurrencyPolicy", concurrency=2)


def test_decide_start_evaluates_and_checks():
    spec = _via_spec("""
version: '2.0'
wf:
  task-defaults:
    timeout: 7
  tasks:
    t:
      action: std.noop
      wait-before: <% $.wb %>
      concurrency: 3
""")
    values = {"<% $.wb %>": 2}
    decision = policies.decide_start(spec, lambda v: values.get(v, v)
                                     if isinstance(v, str) else v)
    assert decision == policies.StartDecision(
        pause_before=False, wait_before=2, timeout=7, concurrency=3)
    values["<% $.wb %>"] = "soon"
    with pytest.raises(exc.InvalidModelError, match="WaitBeforePolicy"):
        policies.decide_start(spec, lambda v: values.get(v, v)
                              if isinstance(v, str) else v)


def test_decide_start_checks_retry_values():
    spec = _via_spec("""
version: '2.0'
wf:
  tasks:
    t:
      action: std.noop
      retry:
        count: <% 'x' %>
        delay: 1
""")
    with pytest.raises(exc.InvalidModelError, match="RetryPolicy: 'x'"):
        policies.decide_start(spec, lambda v: "x" if v == "<% 'x' %>"
                              else v)


@pytest.mark.parametrize(
    "state,retry_no,count,given,cont,brk,expected", [
        (states.ERROR, 0, 2, False, None, None, True),
        (states.ERROR, 2, 2, False, None, None, False),
        (states.ERROR, 0, 2, False, None, True, False),
        (states.SUCCESS, 0, 2, False, None, None, False),
        (states.SUCCESS, 0, 2, True, True, None, True),
        (states.SUCCESS, 0, 2, True, False, None, False),
        (states.ERROR, 0, 2, True, False, None, False),
        (states.ERROR, 1, 2, True, True, None, True),
    ])
def test_should_retry(state, retry_no, count, given, cont, brk, expected):
    assert policies.should_retry(state, retry_no, count, given, cont,
                                 brk) is expected
