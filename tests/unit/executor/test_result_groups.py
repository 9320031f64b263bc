"""The results of one message of actions leave the executor together (or
a linger after the first, when one of them is slow)."""

import threading

from mistral_clone import context as mc_context
from mistral_clone.executor import endpoint as executor_endpoint
from mistral_clone.executor import result_groups
from tests.waiting import wait_for

RESULT = {"data": None, "error": None, "cancel": False, "sync": True}


def test_a_group_sends_once_when_its_last_result_is_in():
    sent = []
    group = result_groups.ResultGroup(3, sent.append, linger=60)
    group.add("a")
    group.skip()            # handed back: no result will come
    assert sent == []
    group.add("b")
    assert sent == [["a", "b"]]


def test_a_slow_result_leaves_after_the_quick_ones_linger():
    sent = []
    group = result_groups.ResultGroup(3, sent.append, linger=0.05)
    group.add("a")
    group.add("b")
    wait_for(lambda: sent == [["a", "b"]], timeout=10)
    group.add("slow")
    assert sent == [["a", "b"], ["slow"]]


class _Messages(list):
    """The results' messages, by action ids; ``sent`` once there is one."""

    def __init__(self):
        super().__init__()
        self.sent = threading.Event()

    def record(self, ctx, results):
        self.append(sorted(r["action_ex_id"] for r in results))
        self.sent.set()


def _endpoint(monkeypatch, run):
    messages = _Messages()
    monkeypatch.setattr(executor_endpoint, "run", run)
    monkeypatch.setattr(executor_endpoint, "_send_results", messages.record)
    endpoint = executor_endpoint.ExecutorEndpoint(workers=4)
    monkeypatch.setattr(endpoint.unconfirmed, "sent", lambda ctx, items: None)
    return endpoint, messages


def _actions(*ids):
    return [{"action_ex_id": i, "action_name": "std.noop", "action_input": {},
             "exec_ctx": {"workflow_execution_id": "wf"}} for i in ids]


def test_one_message_of_actions_gets_one_message_of_results(monkeypatch):
    """The first action ends at once, the others a second later (or once
    a result has left): alone, the first result would leave at once, in a
    message of its own."""
    first_done = threading.Event()

    def run(ctx, action_ex_id, *args):
        if action_ex_id == "a1":
            first_done.set()
        else:
            first_done.wait(10)
            messages.sent.wait(1)
        return RESULT

    monkeypatch.setattr(result_groups, "LINGER_S", 30)
    endpoint, messages = _endpoint(monkeypatch, run)
    endpoint.run_actions(mc_context.RequestContext(project_id="p"),
                         _actions("a1", "a2", "a3", "a4"))
    wait_for(lambda: messages, timeout=10)
    endpoint.shutdown(10)
    assert messages == [["a1", "a2", "a3", "a4"]]


def test_a_slow_action_does_not_hold_back_the_others(monkeypatch):
    release = threading.Event()

    def run(ctx, action_ex_id, *args):
        if action_ex_id == "slow":
            release.wait(10)
        return RESULT

    monkeypatch.setattr(result_groups, "LINGER_S", 0.05)
    endpoint, messages = _endpoint(monkeypatch, run)
    endpoint.run_actions(mc_context.RequestContext(project_id="p"),
                         _actions("q1", "slow", "q2"))
    wait_for(lambda: messages == [["q1", "q2"]], timeout=10)
    release.set()
    wait_for(lambda: len(messages) == 2, timeout=10)
    endpoint.shutdown(10)
    assert messages == [["q1", "q2"], ["slow"]]
