"""Fewer messages and transactions per task: a step's actions go to the
executors several per message, executors' results come back several per
message, and an engine absorbs the results of many executions in one step
per caller."""

import threading

from mistral_clone import context as mc_context
from mistral_clone.engine import endpoint as engine_endpoint
from mistral_clone.engine import step as step_mod
from mistral_clone.executor import endpoint as executor_endpoint


def _ctx(project="p1", request_id=None):
    return mc_context.RequestContext(project_id=project, user_id="u",
                                     request_id=request_id)


def test_grouped_items_go_out_in_chunks_per_key():
    sent = []
    done = threading.Event()
    total = step_mod.MAX_GROUP + 3

    def send(name, chunk):
        sent.append((name, list(chunk)))
        if sum(len(c) for _n, c in sent) == total + 1:
            done.set()

    step = step_mod.Step(session=None, ctx=_ctx())
    for i in range(total):
        step.after_commit_grouped("a", lambda chunk: send("a", chunk), i)
    step.after_commit_grouped("b", lambda chunk: send("b", chunk), "x")
    step.run_after_commit()
    assert done.wait(5)
    chunks = sorted((name, len(chunk)) for name, chunk in sent)
    assert chunks == [("a", 3), ("a", step_mod.MAX_GROUP), ("b", 1)]
    assert sorted(i for name, chunk in sent if name == "a"
                  for i in chunk) == list(range(total))


def test_results_go_to_the_engine_one_message_per_caller(monkeypatch):
    messages = []

    class Engine:
        def report_action_results(self, ctx, results):
            messages.append((ctx.project_id, results))

    from mistral_clone.rpc import clients
    monkeypatch.setattr(clients, "get_engine_client", lambda: Engine())
    result = {"data": 1, "error": None, "cancel": False, "sync": True}
    endpoint = executor_endpoint.ExecutorEndpoint(workers=1)
    monkeypatch.setattr(endpoint.unconfirmed, "sent", lambda ctx, items: None)
    endpoint._report_results({None: [
        (_ctx("p1", "req-1"), "a1", result, "wf1"),
        (_ctx("p2"), "a2", result, "wf2"),
        (_ctx("p1", "req-2"), "a3", result, None),
    ]})
    assert messages == [
        ("p1", [{"action_ex_id": "a1", "result": result, "wf_ex_id": "wf1"},
                {"action_ex_id": "a3", "result": result, "wf_ex_id": None}]),
        ("p2", [{"action_ex_id": "a2", "result": result, "wf_ex_id": "wf2"}]),
    ]


def test_engine_takes_the_results_of_one_caller_per_step(monkeypatch):
    steps = []

    class Endpoint(engine_endpoint.EngineEndpoint):
        def __init__(self):
            pass

        def _complete_batch_step(self, batches):
            steps.append({k: [i[1] for i in v] for k, v in batches.items()})
            return []

    one, other = _ctx("p1", "r1"), _ctx("p2")
    Endpoint()._complete_batches({
        "wf1": [(one, "a1", {})],
        "wf2": [(other, "a2", {})],
        "wf3": [(_ctx("p1", "r2"), "a3", {}), (one, "a4", {})],
    })
    assert steps == [{"wf1": ["a1"], "wf3": ["a3", "a4"]},
                     {"wf2": ["a2"]}]


def test_an_action_sent_again_starts_only_where_it_was_claimed(monkeypatch):
    from mistral_clone.executor import liveness
    announced, claimed, taken = [], [], []

    class Member:
        def accepted_now(self, ids):
            announced.append(ids)

        def claim(self, ids):
            claimed.append(ids)
            return [i for i in ids if i == "again-won"]

    monkeypatch.setattr(liveness, "_member", Member())
    endpoint = executor_endpoint.ExecutorEndpoint(workers=1)
    monkeypatch.setattr(endpoint, "_take",
                        lambda ctx, action_ex_id, *args: taken.append(
                            action_ex_id))

    def action(action_ex_id, again=False):
        return {"action_ex_id": action_ex_id, "action_name": "std.noop",
                "action_input": {}, "exec_ctx": {
                    liveness.CLAIM_FIRST: True} if again else {}}

    endpoint.run_actions(_ctx(), [action("first"),
                                  action("again-won", again=True),
                                  action("again-lost", again=True)])
    assert announced == [["first"]]
    assert claimed == [["again-won", "again-lost"]]
    assert taken == ["first", "again-won"]


def test_a_message_of_many_executions_results_is_one_batch():
    from mistral_clone.rpc import results as rpc_results
    batches = []
    queue = rpc_results.CompletionQueue(
        lambda batch: batches.append({k: list(v) for k, v in batch.items()}),
        workers=2)
    queue.submit_groups_async({"wf1": ["r1"], "wf2": ["r2", "r3"],
                               "wf3": ["r4"]})
    assert queue.wait_idle(10)
    assert batches == [{"wf1": ["r1"], "wf2": ["r2", "r3"], "wf3": ["r4"]}]


def test_batched_items_run_once_where_the_first_was_queued():
    calls = []
    step = step_mod.Step(session=None, ctx=_ctx())
    step.after_commit(calls.append, "before")
    step.after_commit_batched("k", calls.append, 1)
    step.after_commit(calls.append, "between")
    step.after_commit_batched("k", calls.append, 2)
    step.after_commit_batched("other", calls.append, "x")
    step.run_after_commit()
    assert calls == ["before", [1, 2], "between", ["x"]]


def test_a_batch_holds_at_most_max_group_items():
    calls = []
    step = step_mod.Step(session=None, ctx=_ctx())
    queued = [step.after_commit_batched("k", calls.append, i)
              for i in range(step_mod.MAX_GROUP + 2)]
    assert queued == [True] * step_mod.MAX_GROUP + [False, False]
    step.run_after_commit()
    assert calls == [list(range(step_mod.MAX_GROUP))]
