"""``api.replay`` through the request guard: which requests a transient
database error makes run again, and what the others answer."""

import psycopg
import pytest
import sqlalchemy.exc as sa_exc
import webob
import webtest

from mistral_clone import config
from mistral_clone import effects
from mistral_clone.api import errors
from mistral_clone.api import guard


def lost_connection():
    return sa_exc.OperationalError(
        "SELECT * FROM workflow_executions_v2", {},
        psycopg.OperationalError("server closed the connection "
                                 "unexpectedly"))


class FlakyApp:
    """Fails its first ``failures`` calls with ``error`` after doing
    ``before_failing``; answers 200 with the body it read after that."""

    def __init__(self, failures, error=None, before_failing=None):
        self.failures = failures
        self.error = error or lost_connection()
        self.before_failing = before_failing or (lambda: None)
        self.bodies = []

    def __call__(self, environ, start_response):
        body = webob.Request(environ).body
        self.bodies.append(body)
        if len(self.bodies) <= self.failures:
            self.before_failing()
            raise self.error
        return webob.Response(json_body={"read": body.decode()})(
            environ, start_response)


@pytest.fixture
def retry_for():
    config.parse_args([])

    def set_timeout(seconds):
        config.CONF.set_override("database_retry_timeout", seconds, "api")
        return config.CONF

    yield set_timeout
    config.CONF.clear_override("database_retry_timeout", "api")


def test_a_read_runs_again_until_the_database_answers(retry_for):
    flaky = FlakyApp(failures=3)
    app = webtest.TestApp(guard.RequestGuard(flaky, retry_for(30)))
    assert app.get("/v2/executions").status_int == 200
    assert len(flaky.bodies) == 4


def test_a_write_runs_again_with_the_same_body(retry_for):
    flaky = FlakyApp(failures=2)
    app = webtest.TestApp(guard.RequestGuard(flaky, retry_for(30)))
    resp = app.post_json("/v2/environments", {"name": "e"})
    assert resp.json["read"] == '{"name": "e"}'
    assert flaky.bodies == [b'{"name": "e"}'] * 3


@pytest.mark.parametrize("effect", [effects.note_commit,
                                    effects.note_message])
def test_work_that_left_a_trace_is_not_run_again(retry_for, effect):
    flaky = FlakyApp(failures=1, before_failing=effect)
    app = webtest.TestApp(guard.RequestGuard(flaky, retry_for(30)))
    resp = app.post_json("/v2/environments", {"name": "e"}, status=503)
    assert len(flaky.bodies) == 1
    assert resp.headers["Retry-After"] == str(errors.RETRY_AFTER_S)
    assert resp.json["faultstring"] == errors.DATABASE_UNAVAILABLE


def test_after_the_timeout_503_without_driver_text(retry_for):
    flaky = FlakyApp(failures=10 ** 6)
    app = webtest.TestApp(guard.RequestGuard(flaky, retry_for(0.3)))
    resp = app.get("/v2/executions", status=503)
    assert resp.headers["Retry-After"] == str(errors.RETRY_AFTER_S)
    assert resp.json == {"faultcode": "Server", "faultstring":
                         errors.DATABASE_UNAVAILABLE, "debuginfo": None}
    assert len(flaky.bodies) > 1


def test_an_error_that_would_fail_again_is_answered_at_once(retry_for):
    missing_table = sa_exc.ProgrammingError(
        "SELECT", {}, psycopg.errors.UndefinedTable("no such table"))
    flaky = FlakyApp(failures=1, error=missing_table)
    app = webtest.TestApp(guard.RequestGuard(flaky, retry_for(30)))
    resp = app.get("/v2/executions", status=500)
    assert len(flaky.bodies) == 1
    assert "Retry-After" not in resp.headers
    assert "table" not in resp.text


def test_every_503_says_when_to_try_again(retry_for):
    def busy(environ, start_response):
        return webob.Response(status=503, json_body={
            "faultstring": "No engine answered."})(environ, start_response)

    app = webtest.TestApp(guard.RequestGuard(busy, retry_for(30)))
    resp = app.get("/v2/executions", status=503)
    assert resp.headers["Retry-After"] == str(errors.RETRY_AFTER_S)
    assert resp.json == {"faultstring": "No engine answered."}


def test_nothing_is_noted_outside_watched_work():
    effects.note_commit()
    with effects.watched() as ledger:
        assert ledger.repeatable
        effects.note_message()
    assert not ledger.repeatable
    with effects.watched() as ledger:
        pass
    assert ledger.repeatable
