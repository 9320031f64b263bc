"""The maintenance mode's row (``models.MaintenanceStatus``): read it,
change it only from the value a caller saw, and hand the resuming that
follows a return to RUNNING to one engine at a time.

The row is created by migration 009; a database without it (made by
hand) reads as RUNNING, and the first change creates it."""

import sqlalchemy as sa

from mistral_clone.db import models

RUNNING = "RUNNING"
PAUSING = "PAUSING"
PAUSED = "PAUSED"
ALL = (PAUSING, PAUSED, RUNNING)
# What blocks new work (API writes, cron firings).
IN_MAINTENANCE = (PAUSING, PAUSED)

_ROW_ID = 1
_Row = models.MaintenanceStatus


def status(session) -> str:
    value = session.execute(
        sa.select(_Row.status).where(_Row.id == _ROW_ID)).scalar()
    return value or RUNNING


def lock(session):
    """The row, locked for this transaction (created if missing)."""
    row = session.execute(
        sa.select(_Row).where(_Row.id == _ROW_ID).with_for_update()
    ).scalar_one_or_none()
    if row is None:
        row = _Row(id=_ROW_ID, status=RUNNING, resume_pending=False)
        session.add(row)
        session.flush()
    return row


def move(session, expected: str, new: str, **values) -> bool:
    """Set ``new`` where the status is still ``expected``; False when
    another process changed it first."""
    result = session.execute(
        sa.update(_Row).where(_Row.id == _ROW_ID, _Row.status == expected)
        .values(status=new, changed_at=models.utcnow(), **values)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def resume_pending(session) -> bool:
    return bool(session.execute(
        sa.select(_Row.resume_pending).where(_Row.id == _ROW_ID)).scalar())


def finish_resume(session) -> bool:
    """Clear ``resume_pending`` if the mode is still RUNNING."""
    result = session.execute(
        sa.update(_Row).where(_Row.id == _ROW_ID, _Row.status == RUNNING,
                              _Row.resume_pending.is_(True))
        .values(resume_pending=False)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1
