"""db.retry: transient database errors are retried, others are not."""

import sqlite3

import psycopg
import pytest
import sqlalchemy.exc as sa_exc

from mistral_clone.db import retry


def _operational():
    return sa_exc.OperationalError("BEGIN", {}, Exception("database is "
                                                          "locked"))


def test_transient_errors():
    assert retry.is_transient(sa_exc.TimeoutError("QueuePool limit"))
    assert retry.is_transient(_operational())
    assert not retry.is_transient(sa_exc.IntegrityError("INSERT", {},
                                                        Exception("dup")))
    assert not retry.is_transient(ValueError("x"))


def test_sqlite_errors_other_than_a_lock_are_not_transient():
    def sqlite_error(message):
        return sa_exc.OperationalError("SELECT", {},
                                       sqlite3.OperationalError(message))
    assert retry.is_transient(sqlite_error("database is locked"))
    assert retry.is_transient(sqlite_error("database table is locked"))
    assert not retry.is_transient(sqlite_error("no such table: x"))


def test_postgresql_restart_is_transient():
    shutdown = psycopg.errors.AdminShutdown(
        "terminating connection due to administrator command")
    assert retry.is_transient(sa_exc.OperationalError("SELECT", {},
                                                      shutdown))


def test_call_retries_until_success(monkeypatch):
    monkeypatch.setattr(retry, "_FIRST_DELAY_S", 0.001)
    attempts = []

    def flaky():
        attempts.append(1)
        if len(attempts) < 3:
            raise sa_exc.TimeoutError("QueuePool limit reached")
        return "done"

    assert retry.call(flaky) == "done"
    assert len(attempts) == 3


def test_call_does_not_retry_other_errors():
    attempts = []

    def broken():
        attempts.append(1)
        raise KeyError("bug")

    with pytest.raises(KeyError):
        retry.call(broken)
    assert len(attempts) == 1


def test_call_gives_up_after_max_wait(monkeypatch):
    monkeypatch.setattr(retry, "MAX_WAIT_S", 0)

    def always_busy():
        raise _operational()

    with pytest.raises(sa_exc.OperationalError):
        retry.call(always_busy)
