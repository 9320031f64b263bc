"""Mistral's error body, made in one place.

WSME-exposed methods get it from WSME (it reads ``exc.code``):
``{"faultcode", "faultstring", "debuginfo"}``. Plain pecan endpoints
(text/plain definition bodies) use ``@renders_errors``, whose body is only
``{"faultstring": ...}``, as Mistral 23 answers on those endpoints.
"""

import functools
import json
import logging

import pecan
import webob

from mistral_clone import exceptions as exc

LOG = logging.getLogger(__name__)


def fault_body(message):
    return {"faultstring": message}


def renders_errors(func):
    """Turn a MistralError (or any error) raised by a pecan-exposed method
    into Mistral's JSON error body with the right status."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except exc.MistralError as e:
            status = e.http_code
            body = fault_body(e.message)
        except webob.exc.HTTPException:
            raise
        except Exception as e:  # never an HTML 500 page
            LOG.exception("Unexpected error in %s", func.__name__)
            status, body = 500, fault_body(str(e))
        pecan.response.status = status
        pecan.response.content_type = "application/json"
        pecan.response.text = json.dumps(body)
        return pecan.response

    return wrapper
