"""Delivering the outbox with a fixed clock and scripted publishers: every
event once and in order across retries, the backoff, the age limit, events
refused for good, and a stopping notifier handing its events over."""

import threading

import pytest

from mistral_clone import config
from mistral_clone.notifier import delivery
from mistral_clone.notifier import outbox
from tests.unit.notifier.test_outbox import HOOK_A, HOOK_B, T0, queue
from tests.unit.notifier.test_outbox import remaining
from tests.unit.scheduler.conftest import Clock
from tests.waiting import wait_for

Outcome = delivery.Outcome


class ScriptedPublisher:
    """Answers each (publisher url, event) with the outcomes scripted for
    it, then DELIVERED; records every attempt."""

    def __init__(self, script=None):
        self.script = {key: list(outcomes)
                       for key, outcomes in (script or {}).items()}
        self.attempts = []
        self.delivered = []
        # (url, execution, event) of every delivery.
        self.deliveries = []
        self._lock = threading.Lock()

    def __call__(self, row):
        key = (row.publisher["url"], row.event["event"])
        with self._lock:
            self.attempts.append(key)
            outcomes = self.script.get(key)
            outcome = outcomes.pop(0) if outcomes else Outcome.DELIVERED
            if outcome is Outcome.DELIVERED:
                self.delivered.append(key)
                self.deliveries.append((key[0], row.event["ex_id"],
                                        key[1]))
        return outcome


@pytest.fixture
def clock():
    return Clock(T0)


@pytest.fixture
def deliverer_for(db, clock):
    made = []

    def make(publisher):
        deliverer = delivery.Deliverer(now=clock, publish_row=publisher,
                                       sweep=False)
        made.append(deliverer)
        return deliverer
    yield make
    for deliverer in made:
        deliverer.stop()


def run_until_idle(deliverer, clock, rounds=20, step_s=1):
    """Looks (with the clock moving ``step_s`` each time) until nothing is
    left in the outbox."""
    for _ in range(rounds):
        deliverer.deliver_due(wait=True)
        if not remaining():
            return
        clock.advance(seconds=step_s)
    raise AssertionError("events left: %s" % remaining())


def test_each_event_once_and_in_order_across_retries(deliverer_for,
                                                     clock):
    for name in ("E1", "E2", "E3"):
        queue("ex-1", name, publishers=(HOOK_A, HOOK_B))
    publisher = ScriptedPublisher({
        (HOOK_A["url"], "E1"): [Outcome.RETRY, Outcome.RETRY],
        (HOOK_B["url"], "E2"): [Outcome.RETRY]})
    deliverer = deliverer_for(publisher)
    run_until_idle(deliverer, clock)
    assert [e for url, e in publisher.delivered if url == HOOK_A["url"]] \
        == ["E1", "E2", "E3"]
    assert [e for url, e in publisher.delivered if url == HOOK_B["url"]] \
        == ["E1", "E2", "E3"]
    # A's E2 was never tried before E1 got through.
    a_attempts = [e for url, e in publisher.attempts if url == HOOK_A["url"]]
    assert a_attempts == ["E1", "E1", "E1", "E2", "E3"]


def test_retries_wait_longer_and_longer(deliverer_for, clock):
    queue("ex-1", "E1")
    publisher = ScriptedPublisher(
        {(HOOK_A["url"], "E1"): [Outcome.RETRY] * 3})
    deliverer = deliverer_for(publisher)
    tried_at = []
    for _ in range(20):
        before = len(publisher.attempts)
        deliverer.deliver_due(wait=True)
        if len(publisher.attempts) > before:
            tried_at.append((clock() - T0).total_seconds())
        if not remaining():
            break
        clock.advance(seconds=0.5)
    # delivery_retry_delay = 1 s, then doubled: 1, 2, 4 s apart.
    assert tried_at == [0, 1, 3, 7]


def test_an_event_failing_past_the_age_limit_is_dropped(deliverer_for,
                                                        clock, conf):
    conf.set_override("delivery_max_age", 10, "notifier")
    queue("ex-1", "E1")
    queue("ex-1", "E2")
    publisher = ScriptedPublisher(
        {(HOOK_A["url"], "E1"): [Outcome.RETRY] * 100})
    deliverer = deliverer_for(publisher)
    run_until_idle(deliverer, clock, rounds=40)
    assert publisher.delivered == [(HOOK_A["url"], "E2")]
    assert (clock() - T0).total_seconds() >= 10
    conf.clear_override("delivery_max_age", "notifier")


def test_an_event_refused_for_good_is_dropped_at_once(deliverer_for,
                                                      clock):
    queue("ex-1", "E1")
    queue("ex-1", "E2")
    publisher = ScriptedPublisher({(HOOK_A["url"], "E1"): [Outcome.DROP]})
    deliverer = deliverer_for(publisher)
    deliverer.deliver_due(wait=True)
    assert publisher.attempts == [(HOOK_A["url"], "E1"),
                                  (HOOK_A["url"], "E2")]
    assert remaining() == []


def test_a_stopping_notifier_hands_its_events_over(db, clock):
    queue("ex-1", "E1")
    queue("ex-1", "E2")
    release = threading.Event()
    started = threading.Event()

    def slow(row):
        started.set()
        release.wait(10)
        return Outcome.DELIVERED

    first = delivery.Deliverer(now=clock, publish_row=slow, sweep=False)
    first.deliver_due()
    assert started.wait(10)
    stopper = threading.Thread(target=first.stop)
    stopper.start()
    release.set()
    stopper.join(10)
    # E1 went out; E2 is free at once, with no lease to wait for.
    publisher = ScriptedPublisher()
    second = delivery.Deliverer(now=clock, publish_row=publisher,
                                sweep=False)
    try:
        second.deliver_due(wait=True)
    finally:
        second.stop()
    assert publisher.delivered == [(HOOK_A["url"], "E2")]


def delivered_by_the_loop(sweep_interval, wake):
    """Start a notifier's loop, queue an event (waking it up or not):
    what it delivered."""
    config.CONF.set_override("delivery_sweep_interval", sweep_interval,
                             "notifier")
    publisher = ScriptedPublisher()
    deliverer = delivery.Deliverer(publish_row=publisher).start()
    try:
        queue("ex-1", "E1", now=None)
        if wake:
            deliverer.wake()
        wait_for(lambda: publisher.delivered, timeout=30)
    finally:
        deliverer.stop()
        config.CONF.clear_override("delivery_sweep_interval", "notifier")
    return publisher.delivered


def test_the_loop_delivers_what_it_is_woken_for(db):
    assert delivered_by_the_loop(3600, wake=True) == [(HOOK_A["url"], "E1")]


def test_the_sweep_finds_events_nobody_woke_it_for(db):
    assert delivered_by_the_loop(0.2, wake=False) == [(HOOK_A["url"], "E1")]


def test_unknown_publisher_types_are_dropped():
    row = outbox.Row(1, T0, 0, "proj", {"type": "no-such"},
                     {"ex_id": "x", "event": "E", "timestamp": None,
                      "data": {}})
    assert delivery.publish(row) is Outcome.DROP


def test_noop_publisher_delivers():
    row = outbox.Row(1, T0, 0, "proj", {"type": "noop"},
                     {"ex_id": "x", "event": "E", "timestamp": None,
                      "data": {}})
    assert delivery.publish(row) is Outcome.DELIVERED


def test_events_sent_in_a_message_by_an_older_engine_go_to_the_outbox(db):
    """``notify_many`` (what engines sent before the outbox): its events
    are queued per workflow execution and delivered like the others."""
    from mistral_clone import context as mc_context
    from mistral_clone.notifier import service

    class Woken:
        count = 0

        def wake(self):
            self.count += 1

    woken = Woken()
    endpoint = service.NotifierEndpoint(woken)
    ctx = mc_context.RequestContext(project_id="proj")
    endpoint.notify_many(ctx, [
        {"ex_id": "wf-1", "event": "WORKFLOW_LAUNCHED", "timestamp": None,
         "data": {"id": "wf-1"}, "publishers": [HOOK_A]},
        {"ex_id": "task-1", "event": "TASK_LAUNCHED", "timestamp": None,
         "data": {"id": "task-1", "workflow_execution_id": "wf-1"},
         "publishers": [HOOK_A, HOOK_B]}])
    assert woken.count == 1
    assert [(ex_id, event["event"]) for ex_id, event in remaining()] == [
        ("wf-1", "WORKFLOW_LAUNCHED"), ("wf-1", "TASK_LAUNCHED"),
        ("wf-1", "TASK_LAUNCHED")]
