"""Retry a whole transaction on transient database errors.

Under load a step may find no free pooled connection (``pool_timeout``), a
SQLite database busy beyond its timeout, a PostgreSQL deadlock or
serialization failure, or a connection dropped by the server. None of these
says anything about the work itself: the transaction was rolled back, so
running the same function again is safe. A result that reaches an engine
must never be dropped for such a reason; it waits and tries again.
"""

import logging
import random
import sqlite3
import sys
import time
from typing import Callable, TypeVar

import sqlalchemy.exc as sa_exc

from mistral_clone.metrics import errors as error_metrics

LOG = logging.getLogger(__name__)

T = TypeVar("T")

# Give up after this long: the database is gone, not busy; the caller's own
# error handling takes over.
MAX_WAIT_S = 600.0
_FIRST_DELAY_S = 0.05
_MAX_DELAY_S = 2.0
# SQLITE_BUSY says "database is locked", SQLITE_LOCKED "database table is
# locked".
_SQLITE_BUSY = "locked"


def is_transient(error: BaseException) -> bool:
    """Is ``error`` a database condition that a new attempt may not meet?"""
    if isinstance(error, sa_exc.TimeoutError):
        return True            # no free connection in the pool
    if isinstance(error, sa_exc.DBAPIError):
        if error.connection_invalidated:
            return True
        if isinstance(error.orig, sqlite3.Error):
            # SQLite also calls a missing table or a broken file an
            # OperationalError; only a lock held elsewhere passes.
            return isinstance(error, sa_exc.OperationalError) and \
                _SQLITE_BUSY in str(error.orig).lower()
        # PostgreSQL deadlock / serialization failure / lost connection /
        # server shutting down: all OperationalError.
        return isinstance(error, sa_exc.OperationalError)
    return False


def first_line(error: BaseException) -> str:
    """The driver's message without the SQL and parameters SQLAlchemy
    appends on the next lines."""
    return str(error).split("\n", 1)[0]


def log_failed_round(log: logging.Logger, message: str, *args) -> None:
    """From inside the ``except`` of a polling loop's round: one warning
    line when the database is unavailable for now (the next round may
    pass; a traceback a second during an outage says nothing more), the
    traceback for anything else."""
    error = sys.exc_info()[1]
    if error is not None and is_transient(error):
        log.warning(message + " (the database is unavailable for now: %s)",
                    *args, first_line(error))
    else:
        log.exception(message, *args)


def call(fn: Callable[..., T], *args, **kwargs) -> T:
    """``fn(*args, **kwargs)``, run again (with a growing, jittered delay)
    while it fails on a transient database error. ``fn`` must open its own
    transaction, so that each attempt starts from committed state."""
    deadline = time.monotonic() + MAX_WAIT_S
    delay = _FIRST_DELAY_S
    attempt = 1
    while True:
        try:
            return fn(*args, **kwargs)
        except Exception as e:  # noqa: BLE001 - filtered just below
            if not is_transient(e) or time.monotonic() >= deadline:
                raise
            LOG.warning("Transient database error (attempt %d) in %s, "
                        "trying again: %s", attempt,
                        getattr(fn, "__qualname__", fn), first_line(e))
            error_metrics.database_retry()
        time.sleep(delay * (0.5 + random.random()))
        delay = min(delay * 2, _MAX_DELAY_S)
        attempt += 1
