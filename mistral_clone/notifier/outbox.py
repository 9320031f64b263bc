"""The notifier's outbox: events still to reach their publishers, kept in
the ``pending_notifications`` table.

The engine step that changes a state adds the event's rows (``add``) in
its own transaction, so an event exists exactly when its state change was
committed. A notifier then:

* claims groups (``claim``): the events of one workflow execution for one
  publisher, oldest first, taken only when the group's oldest row is due
  and free. The claim is a conditional UPDATE of that row plus a lease
  (``claim_id`` until ``claimed_until``): one notifier wins it, and a dead
  notifier's lease runs out so another one takes the group over;
* delivers the rows in order, removing each once delivered (``remove``,
  which also extends the lease on the rest of the group);
* after a failure, makes the row due again later (``retry_later``) and
  frees the rest: a later event never overtakes an earlier one to the
  same publisher.
"""

import dataclasses
import datetime
import hashlib
import json
import uuid
from typing import Optional

import sqlalchemy as sa

from mistral_clone.db import models

Pending = models.PendingNotification

# Most rows of one group a claim takes; the rest wait for the next claim.
GROUP_SIZE = 100


@dataclasses.dataclass(frozen=True)
class Row:
    id: int
    created_at: datetime.datetime
    attempts: int
    project_id: Optional[str]
    publisher: dict
    event: dict


@dataclasses.dataclass(frozen=True)
class Group:
    """Rows of one (execution, publisher) this notifier holds, in order;
    ``claim_id`` is the lease's token."""

    claim_id: str
    execution_id: str
    publisher_key: str
    rows: tuple


def publisher_key(publisher: dict) -> str:
    return hashlib.sha1(json.dumps(publisher, sort_keys=True,
                                   default=str).encode()).hexdigest()


def rows_for(execution_id: str, project_id: Optional[str], event: dict,
             publishers: list, now: datetime.datetime) -> list:
    """The outbox rows (column values) of ``event`` -- the publisher's
    arguments ``ex_id``, ``event``, ``timestamp``, ``data`` -- one per
    publisher."""
    return [{"created_at": now, "due_at": now, "attempts": 0,
             "project_id": project_id, "execution_id": execution_id,
             "publisher_key": publisher_key(publisher),
             "publisher": publisher, "event": event}
            for publisher in publishers]


def write(session, rows: list) -> None:
    """INSERT ``rows`` (``rows_for``) in the caller's transaction, in their
    order, which is the order they are delivered in."""
    if rows:
        # The session's connection: no autoflush of the caller's changes.
        session.connection().execute(sa.insert(Pending), rows)


def add(session, execution_id: str, project_id: Optional[str],
        event: dict, publishers: list,
        now: Optional[datetime.datetime] = None) -> None:
    """Queue ``event`` for each publisher, in the caller's transaction."""
    write(session, rows_for(execution_id, project_id, event, publishers,
                            now or models.utcnow()))


def _free(now):
    return sa.or_(Pending.claim_id.is_(None), Pending.claimed_until < now)


def _earlier_row():
    """An older row of the same group: the row is not its group's head."""
    older = sa.orm.aliased(Pending)
    return sa.exists().where(older.execution_id == Pending.execution_id,
                             older.publisher_key == Pending.publisher_key,
                             older.id < Pending.id)


def claim(session, now: datetime.datetime, lease_s: float,
          max_groups: int) -> list:
    """Claim up to ``max_groups`` groups whose oldest row is due and free
    (``Group`` list, oldest heads first)."""
    stmt = (sa.select(Pending.id, Pending.execution_id,
                      Pending.publisher_key)
            .where(Pending.due_at <= now, _free(now), ~_earlier_row())
            .order_by(Pending.id).limit(max_groups))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=Pending)
    until = now + datetime.timedelta(seconds=lease_s)
    groups = []
    for head in session.execute(stmt).all():
        claim_id = str(uuid.uuid4())
        won = session.execute(
            sa.update(Pending)
            .where(Pending.id == head.id, Pending.due_at <= now, _free(now))
            .values(claim_id=claim_id, claimed_until=until)
            .execution_options(synchronize_session=False)).rowcount
        if won != 1:
            continue
        rows = _claim_rest(session, head, claim_id, now, until)
        groups.append(Group(claim_id, head.execution_id,
                            head.publisher_key, rows))
    return groups


def _claim_rest(session, head, claim_id, now, until) -> tuple:
    """The head and the rows after it, up to GROUP_SIZE, now held under
    ``claim_id``; a row someone else still holds ends the run."""
    in_group = sa.and_(Pending.execution_id == head.execution_id,
                       Pending.publisher_key == head.publisher_key)
    later_ids = session.execute(
        sa.select(Pending.id).where(in_group, Pending.id > head.id)
        .order_by(Pending.id).limit(GROUP_SIZE - 1)).scalars().all()
    if later_ids:
        session.execute(
            sa.update(Pending)
            .where(Pending.id.in_(later_ids), _free(now))
            .values(claim_id=claim_id, claimed_until=until)
            .execution_options(synchronize_session=False))
    held = session.execute(
        sa.select(Pending.id, Pending.created_at, Pending.attempts,
                  Pending.project_id, Pending.publisher, Pending.event)
        .where(in_group, Pending.claim_id == claim_id)
        .order_by(Pending.id)).all()
    expected = [head.id] + list(later_ids)
    rows = []
    for row, expected_id in zip(held, expected):
        if row.id != expected_id:
            break
        rows.append(Row(row.id, row.created_at, row.attempts,
                        row.project_id, row.publisher, row.event))
    return tuple(rows)


def remove(session, group: Group, row_id: int, now: datetime.datetime,
           lease_s: float) -> bool:
    """Delete a delivered (or dropped) row and give the rest of the group
    a fresh lease; False when the claim was lost (the lease ran out and
    another notifier took the group over)."""
    deleted = session.execute(
        sa.delete(Pending)
        .where(Pending.id == row_id, Pending.claim_id == group.claim_id)
        .execution_options(synchronize_session=False)).rowcount
    if deleted != 1:
        return False
    session.execute(
        sa.update(Pending)
        .where(Pending.claim_id == group.claim_id)
        .values(claimed_until=now + datetime.timedelta(seconds=lease_s))
        .execution_options(synchronize_session=False))
    return True


def retry_later(session, group: Group, row: Row,
                due_at: datetime.datetime) -> None:
    """The row failed: due again at ``due_at``; the whole group is freed
    (its later rows wait behind this one)."""
    session.execute(
        sa.update(Pending)
        .where(Pending.id == row.id, Pending.claim_id == group.claim_id)
        .values(due_at=due_at, attempts=row.attempts + 1)
        .execution_options(synchronize_session=False))
    release(session, group)


def release(session, group: Group) -> None:
    """Free what is left of the group (its rows go to the next claim)."""
    session.execute(
        sa.update(Pending)
        .where(Pending.claim_id == group.claim_id)
        .values(claim_id=None, claimed_until=None)
        .execution_options(synchronize_session=False))


def next_due(session, now: datetime.datetime) -> Optional[datetime.datetime]:
    """When the next free group head is due (None: nothing waits), for a
    notifier that wants to wake up for a retry."""
    return session.execute(
        sa.select(sa.func.min(Pending.due_at))
        .where(_free(now), ~_earlier_row())).scalar()


def retry_delay(attempts: int, first_s: float, max_s: float) -> float:
    """Seconds before attempt ``attempts + 1`` of a failed row: ``first_s``,
    doubling with every failure, at most ``max_s``."""
    return min(max_s, first_s * (2 ** min(max(attempts, 0), 30)))
