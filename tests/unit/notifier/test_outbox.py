"""The notifier's outbox: claims with a lease, order per execution and
publisher, retries that hold the later events back, and the backoff. On
SQLite and, when MISTRAL_CLONE_TEST_PG_URL is set, on PostgreSQL."""

import datetime

import pytest
import sqlalchemy as sa

from mistral_clone.db import models
from mistral_clone.db import session as db_session
from mistral_clone.notifier import outbox
from tests.conftest import DATABASES, each_database_url

db_url = pytest.fixture(params=DATABASES, name="db_url")(each_database_url)

T0 = datetime.datetime(2030, 1, 1, 12, 0, 0)
HOOK_A = {"type": "webhook", "url": "http://a.example/hook"}
HOOK_B = {"type": "webhook", "url": "http://b.example/hook"}
LEASE = 20


def queue(execution_id, name, publishers=(HOOK_A,), now=T0):
    with db_session.transaction() as session:
        outbox.add(session, execution_id, "proj",
                   {"ex_id": execution_id, "event": name, "timestamp": None,
                    "data": {"event": name}}, list(publishers), now=now)


def claim(now=T0, groups=10):
    with db_session.transaction() as session:
        return outbox.claim(session, now, LEASE, groups)


def events(group):
    return [row.event["event"] for row in group.rows]


def remove(group, row, now=T0):
    with db_session.transaction() as session:
        return outbox.remove(session, group, row.id, now, LEASE)


def remaining():
    with db_session.read_only() as session:
        return session.execute(
            sa.select(models.PendingNotification.execution_id,
                      models.PendingNotification.event)
            .order_by(models.PendingNotification.id)).all()


def test_a_group_is_its_events_in_order_and_claimed_once(db):
    for name in ("E1", "E2", "E3"):
        queue("ex-1", name)
    [group] = claim()
    assert group.execution_id == "ex-1"
    assert events(group) == ["E1", "E2", "E3"]
    # Another notifier, meanwhile: nothing is free.
    assert claim(T0 + datetime.timedelta(seconds=LEASE - 1)) == []


def test_a_dead_notifiers_lease_runs_out(db):
    queue("ex-1", "E1")
    queue("ex-1", "E2")
    [first] = claim()
    assert remove(first, first.rows[0])
    # The claimer dies here; its lease was renewed by the removal.
    later = T0 + datetime.timedelta(seconds=LEASE + 1)
    [taken_over] = claim(later)
    assert events(taken_over) == ["E2"]
    # The dead claimer's token no longer removes anything.
    assert not remove(first, first.rows[1], later)
    assert remove(taken_over, taken_over.rows[0], later)
    assert remaining() == []


def test_executions_and_publishers_are_separate_groups(db):
    queue("ex-1", "E1", publishers=(HOOK_A, HOOK_B))
    queue("ex-2", "F1")
    groups = claim()
    assert sorted((g.execution_id, events(g)[0], g.rows[0].publisher["url"])
                  for g in groups) == [
        ("ex-1", "E1", HOOK_A["url"]), ("ex-1", "E1", HOOK_B["url"]),
        ("ex-2", "F1", HOOK_A["url"])]
    assert claim(groups=1) == []


def test_claims_stop_at_the_number_of_groups_asked_for(db):
    queue("ex-1", "E1")
    queue("ex-2", "F1")
    [one] = claim(groups=1)
    [other] = claim(groups=1)
    assert {one.execution_id, other.execution_id} == {"ex-1", "ex-2"}


def test_a_failed_event_holds_back_the_later_ones(db):
    queue("ex-1", "E1")
    queue("ex-1", "E2")
    queue("ex-2", "F1")
    groups = {g.execution_id: g for g in claim()}
    failed = groups["ex-1"]
    due = T0 + datetime.timedelta(seconds=5)
    with db_session.transaction() as session:
        outbox.retry_later(session, failed, failed.rows[0], due)
    # Freed, but neither E1 (not due) nor E2 (behind E1) is claimable.
    assert claim(T0 + datetime.timedelta(seconds=4)) == []
    with db_session.read_only() as session:
        assert outbox.next_due(session, T0) == due
    [again] = claim(due)
    assert events(again) == ["E1", "E2"]
    assert again.rows[0].attempts == 1


def test_events_written_later_wait_for_the_claimed_ones(db):
    queue("ex-1", "E1")
    [group] = claim()
    queue("ex-1", "E2")
    assert claim() == []
    assert remove(group, group.rows[0])
    [next_group] = claim()
    assert events(next_group) == ["E2"]


def test_release_frees_the_rest_of_a_group(db):
    queue("ex-1", "E1")
    queue("ex-1", "E2")
    [group] = claim()
    assert remove(group, group.rows[0])
    with db_session.transaction() as session:
        outbox.release(session, group)
    [again] = claim()
    assert events(again) == ["E2"]


def test_a_claim_takes_at_most_a_group_size(db, monkeypatch):
    monkeypatch.setattr(outbox, "GROUP_SIZE", 3)
    for i in range(5):
        queue("ex-1", "E%d" % i)
    [group] = claim()
    assert events(group) == ["E0", "E1", "E2"]


@pytest.mark.parametrize("attempts, expected", [
    (0, 1), (1, 2), (2, 4), (5, 32), (9, 300), (200, 300)])
def test_retry_delay_doubles_up_to_its_cap(attempts, expected):
    assert outbox.retry_delay(attempts, 1, 300) == expected


def test_the_publisher_key_ignores_the_order_of_keys():
    assert outbox.publisher_key({"type": "webhook", "url": "u"}) == \
        outbox.publisher_key({"url": "u", "type": "webhook"})
    assert outbox.publisher_key(HOOK_A) != outbox.publisher_key(HOOK_B)
