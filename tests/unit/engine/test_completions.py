"""CompletionQueue: one drainer per key, batches in arrival order, nothing
lost when a batch fails."""

import threading

from mistral_clone.engine.completions import CompletionQueue


def test_single_item_is_handled_in_the_caller_thread():
    seen = []
    queue = CompletionQueue(lambda key, items: seen.append(
        (key, list(items), threading.get_ident())))
    queue.submit("wf1", 1)
    assert seen == [("wf1", [1], threading.get_ident())]
    assert queue.pending() == 0


def test_items_arriving_while_draining_join_the_next_batch():
    batches = []
    release = threading.Event()
    entered = threading.Event()

    def handle(key, items):
        batches.append((key, list(items)))
        if len(batches) == 1:
            entered.set()
            release.wait(5)

    queue = CompletionQueue(handle, max_batch=2)
    drainer = threading.Thread(target=queue.submit, args=("wf", "a"))
    drainer.start()
    assert entered.wait(5)
    for item in ("b", "c", "d"):
        queue.submit("wf", item)          # returns at once: queued
    queue.submit("other", "x")            # another key drains by itself
    assert queue.pending() == 3
    release.set()
    drainer.join(5)
    assert batches == [("wf", ["a"]), ("other", ["x"]),
                       ("wf", ["b", "c"]), ("wf", ["d"])]
    assert queue.pending() == 0


def test_a_failing_batch_does_not_stop_the_key():
    handled = []

    def handle(key, items):
        if items == ["boom"]:
            raise RuntimeError("boom")
        handled.extend(items)

    queue = CompletionQueue(handle)
    queue.submit("wf", "boom")
    queue.submit("wf", "ok")
    assert handled == ["ok"]
