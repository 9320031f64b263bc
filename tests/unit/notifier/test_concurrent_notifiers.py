"""Several notifiers on one database (SQLite, and PostgreSQL when
MISTRAL_CLONE_TEST_PG_URL is set): each event is delivered once, and the
events of one execution in order, whichever notifier sends them."""

import threading

import pytest

from mistral_clone.notifier import delivery
from mistral_clone.notifier import outbox
from tests.conftest import DATABASES, each_database_url
from tests.unit.notifier.test_delivery import ScriptedPublisher
from tests.unit.notifier.test_outbox import HOOK_A, HOOK_B, queue, remaining
from tests.waiting import wait_for

db_url = pytest.fixture(params=DATABASES, name="db_url")(each_database_url)

EXECUTIONS = 6
EVENTS = 8


def test_notifiers_racing_deliver_each_event_once_in_order(db,
                                                          monkeypatch):
    # Small claims: an execution's events change hands between notifiers.
    monkeypatch.setattr(outbox, "GROUP_SIZE", 2)
    for i in range(EVENTS):
        for ex in range(EXECUTIONS):
            queue("ex-%d" % ex, "E%d" % i, publishers=(HOOK_A, HOOK_B),
                  now=None)
    publisher = ScriptedPublisher()
    notifiers = [delivery.Deliverer(publish_row=publisher, sweep=False)
                 for _ in range(3)]
    stop = threading.Event()

    def run(notifier):
        while not stop.is_set() and remaining():
            notifier.deliver_due(wait=True)

    threads = [threading.Thread(target=run, args=(n,)) for n in notifiers]
    for thread in threads:
        thread.start()
    try:
        wait_for(lambda: not remaining(), timeout=120, interval=0.05)
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
        for notifier in notifiers:
            notifier.stop()
    assert len(publisher.attempts) == EXECUTIONS * EVENTS * 2
    deliveries = publisher.deliveries
    assert len(deliveries) == len(set(deliveries)) == \
        EXECUTIONS * EVENTS * 2
    for url in (HOOK_A["url"], HOOK_B["url"]):
        for ex in range(EXECUTIONS):
            assert [e for u, x, e in deliveries
                    if (u, x) == (url, "ex-%d" % ex)] == \
                ["E%d" % i for i in range(EVENTS)]
