"""CompletionQueue: batches spanning keys, one drainer per key at a time,
arrival order within a key, nothing lost when a batch fails; a stopping
engine waits until what it took was handled and sent."""

import threading

from mistral_clone.engine import step
from mistral_clone.rpc.results import CompletionQueue


def _recorder():
    seen = []

    def handle(batches):
        seen.append({k: list(v) for k, v in batches.items()})
    return seen, handle


def test_single_item_is_handled_in_the_caller_thread():
    seen = []
    queue = CompletionQueue(lambda batches: seen.append(
        (dict(batches), threading.get_ident())))
    queue.submit("wf1", 1)
    assert seen == [({"wf1": [1]}, threading.get_ident())]
    assert queue.pending() == 0


def _blocked_first_batch(max_batch=200, max_keys=50, workers=1):
    """A queue whose first batch blocks until ``release`` is set."""
    batches = []
    release = threading.Event()
    entered = threading.Event()

    def handle(batch):
        batches.append({k: list(v) for k, v in batch.items()})
        if len(batches) == 1:
            entered.set()
            release.wait(5)

    queue = CompletionQueue(handle, max_batch=max_batch, max_keys=max_keys,
                            workers=workers)
    return queue, batches, release, entered


def test_items_arriving_while_draining_share_the_next_batch_across_keys():
    queue, batches, release, entered = _blocked_first_batch()
    drainer = threading.Thread(target=queue.submit, args=("wf", "a"))
    drainer.start()
    assert entered.wait(5)
    for key, item in (("wf", "b"), ("other", "x"), ("wf", "c"),
                      ("third", "y")):
        queue.submit(key, item)       # returns at once: the drainer has it
    assert queue.pending() == 4
    release.set()
    drainer.join(5)
    assert batches == [{"wf": ["a"]},
                       {"wf": ["b", "c"], "other": ["x"], "third": ["y"]}]
    assert queue.pending() == 0


def test_batches_are_bounded_by_items_and_keys_in_arrival_order():
    queue, batches, release, entered = _blocked_first_batch(max_batch=3,
                                                            max_keys=2)
    drainer = threading.Thread(target=queue.submit, args=("k0", 0))
    drainer.start()
    assert entered.wait(5)
    queue.submit_many("k1", [1, 2])
    queue.submit_many("k2", [3, 4])
    queue.submit_many("k3", [5])
    release.set()
    drainer.join(5)
    assert batches[1:] == [{"k1": [1, 2], "k2": [3]},
                           {"k2": [4], "k3": [5]}]


def test_a_key_is_never_in_two_batches_at_once():
    queue, batches, release, entered = _blocked_first_batch(workers=2)
    drainer = threading.Thread(target=queue.submit, args=("wf", "a"))
    drainer.start()
    assert entered.wait(5)
    # A second drainer is allowed, but "wf" is held by the first one: the
    # second takes only "other" and leaves "wf"'s new item queued.
    queue.submit("wf", "b")
    queue.submit("other", "x")
    assert {"other": ["x"]} in batches
    assert queue.pending() == 1
    release.set()
    drainer.join(5)
    assert batches[-1] == {"wf": ["b"]}
    assert queue.pending() == 0


def test_a_failing_batch_does_not_stop_the_queue():
    handled = []

    def handle(batches):
        if batches == {"wf": ["boom"]}:
            raise RuntimeError("boom")
        handled.extend(i for items in batches.values() for i in items)

    queue = CompletionQueue(handle)
    queue.submit("wf", "boom")
    queue.submit("wf", "ok")
    assert handled == ["ok"]
    assert queue.pending() == 0


def test_wait_idle_returns_once_everything_queued_was_handled():
    handled = []
    release = threading.Event()

    def handle(batches):
        release.wait(5)
        handled.extend(i for items in batches.values() for i in items)

    queue = CompletionQueue(handle, workers=2)
    queue.submit_many_async("a", [1, 2])
    queue.submit_later("b", lambda: [3])
    assert queue.wait_idle(0.1) is False      # still held up
    release.set()
    assert queue.wait_idle(5) is True
    assert sorted(handled) == [1, 2, 3]


def test_wait_sent_waits_for_the_background_senders():
    release = threading.Event()
    sent = []

    def send(chunk):
        release.wait(5)
        sent.extend(chunk)

    current = step.Step(session=None, ctx=None)
    for i in range(3):
        current.after_commit_grouped("k", send, i)
    current.run_after_commit()
    assert step.wait_sent(0.1) is False
    release.set()
    assert step.wait_sent(5) is True
    assert sorted(sent) == [0, 1, 2]
