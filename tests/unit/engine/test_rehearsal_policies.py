"""Task policies, rehearsed on a virtual clock: timers fire in order, at
once, and what the task keeps in its runtime context is Mistral's."""

from mistral_clone.engine import states
from mistral_clone.engine.rehearsal import Rehearsal, error, pending


def _one_task(policies: str, **results):
    wf = """
version: '2.0'
wf:
  tasks:
    t:
      action: std.echo output="done"
%s
      publish: {r: <%% task().result %%>}
""" % "\n".join("      " + line for line in policies.strip().splitlines())
    r = Rehearsal(wf, results=results)
    return r, r.run("wf")


def test_retry_until_success_counts_its_iterations():
    r, wf_ex = _one_task("retry: {count: 3, delay: 2}",
                         t=[error("a"), error("b"), "fine"])
    t = r.task("t")
    assert wf_ex.state == states.SUCCESS
    assert t.runtime_context["retry_task_policy"] == {"retry_no": 2}
    assert t.published == {"r": "fine"}
    assert len(r.actions_of(t)) == 3
    assert [a.accepted for a in r.actions_of(t)] == [False, False, True]


def test_retry_gives_up_after_count_and_lists_every_attempt():
    r, wf_ex = _one_task("retry: {count: 2, delay: 1}",
                         t=[error("x"), error("y"), error("z")])
    assert wf_ex.state == states.ERROR
    assert wf_ex.state_info.count("[action_ex_id=") == 3
    assert r.task("t").state_info == "z"


def test_break_on_and_continue_on():
    r, wf_ex = _one_task(
        "retry: {count: 5, delay: 1, break-on: <% task().result = 'stop' %>}",
        t=[error("go"), error("stop"), "unused"])
    assert wf_ex.state == states.ERROR
    assert len(r.actions_of(r.task("t"))) == 2
    r, wf_ex = _one_task(
        "retry: {count: 5, delay: 1, "
        "continue-on: <% task().result < 3 %>}", t=[1, 2, 3, 4])
    assert wf_ex.state == states.SUCCESS
    assert r.task("t").published == {"r": 3}


def test_wait_before_and_wait_after_delay_the_task():
    r, wf_ex = _one_task("wait-before: 5\nwait-after: 7")
    t = r.task("t")
    assert wf_ex.state == states.SUCCESS
    assert t.runtime_context["wait_before_policy"] == {"skip": True}
    assert t.runtime_context["wait_after_policy"] == {"skip": True}
    assert (t.finished_at - t.started_at).total_seconds() >= 7


def test_timeout_fails_a_task_whose_action_does_not_end():
    r, wf_ex = _one_task("timeout: 3", t=[pending()])
    t = r.task("t")
    assert t.state == states.ERROR
    assert t.state_info == "Task timed out [timeout(s)=3]."
    # The action is left running, as in Mistral.
    assert r.actions_of(t)[0].state == states.RUNNING
    assert wf_ex.state == states.ERROR


def test_pause_before_holds_the_task_until_resumed():
    r, wf_ex = _one_task("pause-before: true")
    t = r.task("t")
    assert (wf_ex.state, t.state) == (states.PAUSED, states.IDLE)
    assert t.state_info == "Set by 'pause-before' policy"
    r.resume(wf_ex)
    assert wf_ex.state == states.SUCCESS and t.published == {"r": "done"}


def test_fail_on_turns_a_success_into_an_error():
    r, wf_ex = _one_task("fail-on: <% task().result = 'done' %>")
    t = r.task("t")
    assert t.state == states.ERROR and \
        t.state_info == "Failed by 'fail-on' policy"
    assert t.published == {"r": "done"}
    assert wf_ex.state == states.ERROR


def test_a_bad_policy_value_fails_the_task_before_it_runs():
    r, wf_ex = _one_task("wait-before: <% 'soon' %>")
    t = r.task("t")
    assert t.state == states.ERROR
    assert t.state_info.startswith(
        "Failed to run task [error=Invalid data type in WaitBeforePolicy")
    assert r.actions_of(t) == []
    assert wf_ex.state == states.ERROR


def test_task_defaults_apply_to_every_task():
    wf = """
version: '2.0'
wf:
  task-defaults:
    retry: {count: 1, delay: 1}
  tasks:
    a:
      action: std.fail
      on-error: [b]
    b:
      action: std.noop
"""
    r = Rehearsal(wf, results={"a": [error("1"), error("2")]})
    wf_ex = r.run("wf")
    assert wf_ex.state == states.SUCCESS
    assert len(r.actions_of(r.task("a"))) == 2
