"""Mistral's error body, made in one place.

Every exception an API method raises is classified here (``fault_of``):
a MistralError carries its status and a message made for the user; a
database error is logged and answered with a short message (503 when the
database is only unavailable for now); every 503 carries ``Retry-After``
(``with_retry_after``); a nesting too deep for the parser is
a 400; anything else is logged and answered with a generic 500, never with
its text, which may hold SQL or driver detail.

WSME-exposed methods get the body from WSME (``{"faultcode",
"faultstring", "debuginfo"}``) through ``install()``. Plain pecan endpoints
(text/plain definition bodies) use ``@renders_errors``, whose body is only
``{"faultstring": ...}``, as Mistral 23 answers on those endpoints. The
request guard (``api.guard``) answers with ``fault_response``.

A transient database error is remembered in the request's environ
(``database_unavailable``): ``api.replay`` runs such a request again, or
answers 503 with a ``Retry-After`` header.
"""

import functools
import inspect
import json
import logging

import pecan
import sqlalchemy.exc as sa_exc
import webob
import wsme.api

from mistral_clone import exceptions as exc
from mistral_clone.db import retry

LOG = logging.getLogger(__name__)

INTERNAL_ERROR = "Internal server error; the API log has the details."
DATABASE_UNAVAILABLE = "The database is busy or unavailable; try again."
# Seconds a client is asked to wait after a 503 (``Retry-After``).
RETRY_AFTER_S = 5
_STATUS_KEY = "mistral_clone.fault_status"
_DATABASE_KEY = "mistral_clone.database_unavailable"


def fault_body(message, error=None):
    """``{"faultstring": ...}``, plus ``errors`` (every problem, located)
    for a definition that failed validation (``lang.parse_located``)."""
    body = {"faultstring": message}
    located = getattr(error, "located_errors", None)
    if located:
        body["errors"] = [problem.to_dict() for problem in located]
    return body


def fault_of(error: BaseException) -> tuple:
    """(HTTP status, message for the user) of an exception."""
    if isinstance(error, exc.MistralError):
        return error.http_code, error.message
    code = getattr(error, "code", None)  # WSME's and webob's client errors
    if isinstance(code, int) and 400 <= code < 500:
        return code, getattr(error, "faultstring", str(error))
    if isinstance(error, RecursionError):
        return 400, "Invalid request: data nested too deep."
    if isinstance(error, (sa_exc.SQLAlchemyError, sa_exc.DBAPIError)):
        if retry.is_transient(error):
            LOG.warning("Database unavailable for now: %s",
                        retry.first_line(error))
            return 503, DATABASE_UNAVAILABLE
        LOG.error("Database error: %s", error)
        return 500, "A database error occurred; the API log has the details."
    LOG.error("Unexpected error: %r", error, exc_info=error)
    return 500, INTERNAL_ERROR


def fault_response(status, message):
    body = {"faultcode": "Client" if status < 500 else "Server",
            "faultstring": message, "debuginfo": None}
    return with_retry_after(
        webob.Response(status=status, json_body=body, charset="UTF-8"))


def with_retry_after(response):
    """A 503 always says when to try again (``Retry-After``), whatever
    was unavailable."""
    if response.status_int == 503 and "Retry-After" not in response.headers:
        response.headers["Retry-After"] = str(RETRY_AFTER_S)
    return response


def remember(environ, error: BaseException) -> None:
    """Note in ``environ`` that a transient database error failed the
    request (``database_unavailable``)."""
    if retry.is_transient(error):
        environ[_DATABASE_KEY] = True


def database_unavailable(environ) -> bool:
    """Did a transient database error fail this request?"""
    return bool(environ.get(_DATABASE_KEY))


def _format_wsme_exception(excinfo, debug=False):
    """``wsme.api.format_exception``: the message and status of
    ``fault_of``. WSME sets the status from the exception's ``code``; a
    status it would not pick is left for the guard to apply."""
    error = excinfo[1]
    status, message = fault_of(error)
    remember(pecan.request.environ, error)
    if status != getattr(error, "code", None):
        pecan.request.environ[_STATUS_KEY] = status
    return {"faultcode": "Client" if status < 500 else "Server",
            "faultstring": message, "debuginfo": None}


def status_override(environ):
    """The status ``fault_of`` chose where WSME could not set it."""
    return environ.get(_STATUS_KEY)


def install() -> None:
    """Idempotent."""
    wsme.api.format_exception = _format_wsme_exception


# The Content-Type of every answer of Mistral 23's definition endpoints
# (POST/PUT of text/plain workflows, workbooks and actions, and their
# validation), successes and errors, as it writes it.
DEFINITION_JSON = "application/json;charset=utf-8"
# The same for its code sources' POST/PUT (text/plain modules): no charset.
CODE_SOURCE_JSON = "application/json"


def _check_arguments(signature, args, kwargs) -> None:
    """Pecan calls a method without a path segment it takes when the path
    lacks it (``PUT /v2/code_sources``): WSME's 400 for a missing argument,
    not a crash (Mistral 23: 500; found by schemathesis)."""
    try:
        signature.bind(*args, **kwargs)
    except TypeError:
        given = set(list(signature.parameters)[:len(args)]) | set(kwargs)
        for name, param in signature.parameters.items():
            if param.default is param.empty and name not in given and \
                    param.kind is param.POSITIONAL_OR_KEYWORD:
                raise exc.InputError('Missing argument: "%s"' % name)
        raise exc.NotFoundError("The resource could not be found.")


def renders_errors(func=None, content_type: str = DEFINITION_JSON):
    """Turn an error raised by a pecan-exposed method into Mistral's JSON
    error body with the right status (as ``@renders_errors``, or
    ``@renders_errors(content_type=...)``)."""
    if func is None:
        return functools.partial(renders_errors, content_type=content_type)
    signature = inspect.signature(func)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            _check_arguments(signature, args, kwargs)
            return func(*args, **kwargs)
        except webob.exc.HTTPException:
            raise
        except Exception as e:  # never an HTML 500 page
            status, message = fault_of(e)
            remember(pecan.request.environ, e)
            body = fault_body(message, e)
        pecan.response.status = status
        pecan.response.content_type = content_type
        pecan.response.text = json.dumps(body)
        return pecan.response

    return wrapper
