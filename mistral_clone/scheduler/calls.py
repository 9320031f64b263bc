"""The delayed-call store: durable timers kept in the ``delayed_calls`` table.

A caller schedules ``func_name(**func_args)`` inside its own transaction, so
the timer exists exactly when the caller's step committed. A scheduler claims
due rows with a conditional UPDATE of ``claimed_at`` (plus ``FOR UPDATE SKIP
LOCKED`` on PostgreSQL, so schedulers do not queue behind each other): one
claim wins, so a call fires once whatever the number of schedulers. A claim
older than ``[scheduler] captured_job_timeout`` counts as abandoned (its
scheduler died) and can be claimed again.

Targets are found by name: first among the names given to
``register_target``, else as an import path ``package.module.function``
(the form that works in every process, whichever registered what).
"""

import dataclasses
import datetime
import importlib
import inspect
import json
import logging
import threading
from typing import Callable, Optional

import sqlalchemy as sa

from mistral_clone.db import models

LOG = logging.getLogger(__name__)

DelayedCall = models.DelayedCall

_targets: dict = {}
_targets_lock = threading.Lock()

_wake_listeners: list = []
_WAKE_KEY = "mistral_clone.scheduler.wake_at"


@dataclasses.dataclass(frozen=True)
class ClaimedCall:
    """A due call this scheduler has claimed; ``claimed_at`` is the claim's
    token: the row is removed only while it still carries it."""

    id: str
    func_name: str
    func_args: dict
    key: Optional[str]
    claimed_at: datetime.datetime


def register_target(name: str, func: Callable) -> None:
    """Make ``func`` callable by ``schedule_call(session, name, ...)``."""
    if not callable(func):
        raise TypeError("Scheduler target %r is not callable" % name)
    with _targets_lock:
        _targets[name] = func


def unregister_target(name: str) -> None:
    with _targets_lock:
        _targets.pop(name, None)


def resolve_target(name: str) -> Callable:
    """The callable named ``name``: registered, or by its import path."""
    func = _targets.get(name)
    if func is not None:
        return func
    module_name, _, attr = name.rpartition(".")
    if not module_name:
        raise LookupError("Unknown scheduler target: %s" % name)
    try:
        module = importlib.import_module(module_name)
        func = getattr(module, attr)
    except (ImportError, AttributeError) as e:
        raise LookupError("Unknown scheduler target: %s (%s)" % (name, e))
    if not callable(func):
        raise LookupError("Scheduler target is not callable: %s" % name)
    return func


def takes_session(func: Callable) -> bool:
    """A target with a ``session`` parameter runs in the transaction that
    removes its row, so its effect and the timer's end commit together. It
    must do its work in that session: on SQLite a second write transaction
    opened meanwhile would wait for this one."""
    try:
        return "session" in inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False


def schedule_call(session, func_name: str, delay_seconds: float,
                  key: Optional[str] = None, **func_args) -> str:
    """Insert a timer in the caller's transaction; returns its id.

    ``func_args`` must be JSON values (they are stored as JSON and given back
    to the target as keyword arguments). ``key`` groups calls for
    ``delete_calls`` (e.g. a task execution id).
    """
    resolve_target(func_name)  # a typo fails now, not when the timer fires
    try:
        json.dumps(func_args)
    except (TypeError, ValueError) as e:
        raise ValueError("Arguments of %s are not JSON values: %s"
                         % (func_name, e))
    run_at = models.utcnow() + datetime.timedelta(
        seconds=max(0.0, float(delay_seconds)))
    call = DelayedCall(id=models.new_id(), run_at=run_at,
                       func_name=func_name, func_args=func_args, key=key,
                       created_at=models.utcnow())
    session.add(call)
    _wake_after_commit(session, run_at)
    return call.id


def delete_call(session, call_id: str) -> bool:
    """Remove the call ``call_id`` whoever claimed it; False when it was
    gone."""
    result = session.execute(
        sa.delete(DelayedCall).where(DelayedCall.id == call_id)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def delete_calls(session, key: str, func_name: Optional[str] = None) -> int:
    """Remove the calls scheduled under ``key`` (only those of
    ``func_name`` when given); returns how many were removed."""
    stmt = sa.delete(DelayedCall).where(DelayedCall.key == key)
    if func_name is not None:
        stmt = stmt.where(DelayedCall.func_name == func_name)
    return session.execute(stmt).rowcount


def _due_clause(now, captured_job_timeout):
    stale = now - datetime.timedelta(seconds=captured_job_timeout)
    return sa.and_(DelayedCall.run_at <= now,
                   sa.or_(DelayedCall.claimed_at.is_(None),
                          DelayedCall.claimed_at < stale))


def claim_due_calls(session, now: datetime.datetime,
                    captured_job_timeout: float,
                    limit: Optional[int] = None) -> list:
    """Claim due calls (oldest first); returns the ones this caller won."""
    due = _due_clause(now, captured_job_timeout)
    stmt = (sa.select(DelayedCall.id, DelayedCall.func_name,
                      DelayedCall.func_args, DelayedCall.key)
            .where(due).order_by(DelayedCall.run_at))
    if limit:
        stmt = stmt.limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    claimed = []
    for row in session.execute(stmt).all():
        result = session.execute(
            sa.update(DelayedCall)
            .where(DelayedCall.id == row.id, due)
            .values(claimed_at=now)
            .execution_options(synchronize_session=False))
        if result.rowcount == 1:
            claimed.append(ClaimedCall(row.id, row.func_name,
                                       dict(row.func_args or {}), row.key,
                                       now))
    return claimed


def count_due(session, now: datetime.datetime,
              captured_job_timeout: float) -> int:
    """How many calls a scheduler could claim now."""
    return session.execute(
        sa.select(sa.func.count()).select_from(DelayedCall)
        .where(_due_clause(now, captured_job_timeout))).scalar()


def finish_call(session, call: ClaimedCall) -> bool:
    """Remove a claimed call; False when the claim was lost meanwhile
    (another scheduler took it over, or ``delete_calls`` removed it)."""
    result = session.execute(
        sa.delete(DelayedCall)
        .where(DelayedCall.id == call.id,
               DelayedCall.claimed_at == call.claimed_at)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def next_run_at(session) -> Optional[datetime.datetime]:
    """When the earliest unclaimed call is due (None: no call)."""
    return session.execute(
        sa.select(sa.func.min(DelayedCall.run_at))
        .where(DelayedCall.claimed_at.is_(None))).scalar()


# Waking the schedulers of this process when a call is due soon.

def add_wake_listener(listener: Callable) -> None:
    """``listener(run_at)`` is called after a transaction that scheduled a
    call commits (with the earliest ``run_at`` of that transaction)."""
    _wake_listeners.append(listener)


def remove_wake_listener(listener: Callable) -> None:
    try:
        _wake_listeners.remove(listener)
    except ValueError:
        pass


def _wake_after_commit(session, run_at):
    earliest = session.info.get(_WAKE_KEY)
    if earliest is None:
        sa.event.listen(session, "after_commit", _notify_listeners,
                        once=True)
        sa.event.listen(session, "after_rollback", _forget_wake, once=True)
    if earliest is None or run_at < earliest:
        session.info[_WAKE_KEY] = run_at


def _forget_wake(session):
    session.info.pop(_WAKE_KEY, None)


def _notify_listeners(session):
    run_at = session.info.pop(_WAKE_KEY, None)
    if run_at is None:
        return
    for listener in list(_wake_listeners):
        try:
            listener(run_at)
        except Exception:
            LOG.exception("Scheduler wake listener failed")
