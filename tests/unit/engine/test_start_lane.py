"""The engine's start lane and the API's start hints: queues and threads
only (what a start does is tested through the API and real processes)."""

import threading

from mistral_clone.engine import start_hints
from mistral_clone.engine import start_lane
from tests.waiting import wait_for


def test_the_lane_starts_each_queued_execution_once_oldest_first():
    started = []
    release = threading.Event()

    def start(pairs):
        release.wait(10)
        started.append(pairs)

    lane = start_lane.StartLane(start, workers=1, batch=2)
    lane.offer([("c1", "a")])
    wait_for(lambda: lane.pending() == 1 and not lane._queue)
    # "b" twice while queued: one start.
    lane.offer([("c2", "b"), ("c3", "c"), ("c2", "b"), ("c4", "d")])
    assert lane.pending() == 4
    release.set()
    assert lane.wait_idle(10)
    assert started == [[("c1", "a")], [("c2", "b"), ("c3", "c")],
                       [("c4", "d")]]
    lane.stop(5)


def test_the_lane_runs_at_most_its_workers_at_once():
    running, most = [], []
    lock = threading.Lock()
    release = threading.Event()

    def start(pairs):
        [(_ctx, wf_ex_id)] = pairs
        with lock:
            running.append(wf_ex_id)
            most.append(len(running))
        release.wait(10)
        with lock:
            running.remove(wf_ex_id)

    lane = start_lane.StartLane(start, workers=2)
    lane.offer([(None, str(i)) for i in range(6)])
    wait_for(lambda: len(running) == 2)
    assert lane.pending() == 6
    release.set()
    assert lane.wait_idle(10)
    assert max(most) == 2
    lane.stop(5)


def test_a_full_lane_leaves_the_rest_to_the_sweep_and_a_failure_goes_on():
    started = []
    release = threading.Event()

    def start(pairs):
        [(_ctx, wf_ex_id)] = pairs
        release.wait(10)
        if wf_ex_id == "x":
            raise RuntimeError("boom")
        started.append(wf_ex_id)

    lane = start_lane.StartLane(start, workers=1, limit=2)
    lane.offer([(None, "x")])
    wait_for(lambda: not lane._queue)
    lane.offer([(None, "y"), (None, "z"), (None, "dropped")])
    release.set()
    assert lane.wait_idle(10)
    assert started == ["y", "z"]
    lane.stop(5)


def test_a_stopped_lane_starts_nothing_more():
    started = []
    lane = start_lane.StartLane(started.append)
    lane.stop(5)
    lane.offer([(None, "a")])
    assert lane.pending() == 0 and started == []


def test_starts_give_way_to_running_work_for_a_bounded_time(monkeypatch):
    """While the engine has results of running executions to absorb, a
    batch of starts waits (and grows); never longer than YIELD_MAX_S."""
    started = []
    busy = [True]
    lane = start_lane.StartLane(started.append, workers=1, batch=10,
                                yield_to=lambda: busy[0])
    monkeypatch.setattr(start_lane, "YIELD_MAX_S", 30)
    lane.offer([("c", "a")])
    wait_for(lambda: lane._threads)
    lane.offer([("c", "b")])
    assert not started
    busy[0] = False
    wait_for(lambda: started)
    # Both in one batch: the second came while the first gave way.
    assert started == [[("c", "a"), ("c", "b")]]
    # Work that never ends holds a batch back only so long.
    busy[0] = True
    monkeypatch.setattr(start_lane, "YIELD_MAX_S", 0.05)
    lane.offer([("c", "x")])
    wait_for(lambda: len(started) == 2, 10)
    lane.stop(5)


def test_hints_queued_while_one_is_sent_share_the_next_message():
    sent = []
    first_sent = threading.Event()
    release = threading.Event()

    def send(ctx, starts):
        sent.append((ctx, starts))
        first_sent.set()
        release.wait(10)

    sender = start_hints.HintSender(send, max_hints=3)
    sender.offer("ctx1", "a", {"project_id": "p1"})
    assert first_sent.wait(10)
    for i, wf_ex_id in enumerate("bcde"):
        sender.offer("ctx%d" % (i + 2), wf_ex_id, {"project_id": "p%d" % i})
    release.set()
    assert sender.wait_sent(10)
    assert [ctx for ctx, _ in sent] == ["ctx1", "ctx2", "ctx5"]
    assert [[i for i, _ in starts] for _, starts in sent] == [
        ["a"], ["b", "c", "d"], ["e"]]
    assert sent[1][1][0] == ["b", {"project_id": "p0"}]


def test_a_hint_that_cannot_be_sent_does_not_stop_the_sender():
    sent = []

    def send(ctx, starts):
        if starts[0][0] == "lost":
            raise ConnectionError("broker away")
        sent.append(starts[0][0])

    sender = start_hints.HintSender(send)
    sender.offer(None, "lost", {})
    assert sender.wait_sent(10)
    sender.offer(None, "next", {})
    assert sender.wait_sent(10)
    assert sent == ["next"]
