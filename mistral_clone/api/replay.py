"""Requests that a transient database error failed are run again.

A lost connection, a restarting server or a deadlock
(``db.retry.is_transient``) says nothing about the request itself. While
the request has left no trace (``effects``: no write transaction reached
its commit, no message was sent) running it again is safe, whatever it
is: every read, and every write whose transaction rolled back. It runs
again after a short, growing delay for up to ``[api]
database_retry_timeout`` seconds. After that, or when the failed attempt
had already committed or sent something, the answer is 503 with a short
message (``errors.fault_of``), never the driver's text; the guard adds
``Retry-After``.

Each attempt gets a copy of the WSGI environ and the body read once, so
nothing one attempt parsed or consumed leaks into the next.
"""

import io
import logging
import random
import time

import webob

from mistral_clone import effects
from mistral_clone.api import errors

LOG = logging.getLogger(__name__)

_FIRST_DELAY_S = 0.05
_MAX_DELAY_S = 1.0


class Answer:
    """One attempt's outcome: a response, or the exception that escaped
    the application (a hook's), and the environ it ran with."""

    def __init__(self, environ, response=None, error=None):
        self.environ = environ
        self.response = response
        self.error = error

    @property
    def database_unavailable(self) -> bool:
        return errors.database_unavailable(self.environ)


def answer(app, environ, timeout: float) -> Answer:
    """Run the request against ``app``, again while a transient database
    error fails it and running it again is safe."""
    body = webob.Request(environ).body
    deadline = time.monotonic() + timeout
    delay = _FIRST_DELAY_S
    attempt = 1
    while True:
        outcome, repeatable = _attempt(app, environ, body)
        if not outcome.database_unavailable:
            return outcome
        wait = delay * (0.5 + random.random())
        if not repeatable or time.monotonic() + wait > deadline:
            return outcome
        LOG.info("The database failed %s %s for now (attempt %d); "
                 "running it again", environ.get("REQUEST_METHOD"),
                 environ.get("PATH_INFO"), attempt)
        time.sleep(wait)
        delay = min(delay * 2, _MAX_DELAY_S)
        attempt += 1


def _attempt(app, environ, body: bytes):
    copy = dict(environ)
    copy.pop("webob.adhoc_attrs", None)
    copy["wsgi.input"] = io.BytesIO(body)
    with effects.watched() as ledger:
        try:
            outcome = Answer(copy, webob.Request(copy).get_response(app))
        except Exception as e:  # noqa: BLE001 - the guard answers it
            errors.remember(copy, e)
            outcome = Answer(copy, error=e)
    if outcome.response is not None:
        status = errors.status_override(copy)
        if status:
            outcome.response.status = status
    return outcome, ledger.repeatable
