"""Errors made for the user: each carries the HTTP status the API answers with.

The API turns any of them into Mistral's error body
``{"faultstring": message, "debuginfo": null}`` in one place
(``mistral_clone.api.errors``). Names follow the real Mistral's exception
classes where a client could see them.
"""


class MistralError(Exception):
    """Base of every error this project raises on purpose."""

    http_code = 500
    message = "An unknown error occurred"

    def __init__(self, message=None):
        if message is not None:
            self.message = message
        super().__init__(self.message)

    def __str__(self):
        return self.message

    @property
    def code(self):
        """WSME reads ``code`` to pick the response status."""
        return self.http_code


# 400: the request or the definition is wrong.

class InputError(MistralError):
    """Bad request input (parameters, body, workflow input)."""

    http_code = 400


class DSLParsingError(MistralError):
    """YAML that cannot be read, or a definition that breaks the DSL."""

    http_code = 400


class InvalidModelError(DSLParsingError):
    """A definition whose structure or values the DSL does not allow."""

    http_code = 400


class ExpressionGrammarError(DSLParsingError):
    """A YAQL or Jinja expression that does not parse."""

    http_code = 400


class YaqlGrammarError(ExpressionGrammarError):
    pass


class JinjaGrammarError(ExpressionGrammarError):
    pass


class InvalidActionError(MistralError):
    http_code = 400


class WorkflowError(MistralError):
    """An operation the current state of a workflow does not allow."""

    http_code = 400


class SizeLimitExceededError(MistralError):
    http_code = 400


# 401 / 403 / 404 / 409

class UnauthorizedError(MistralError):
    http_code = 401
    message = "Unauthorized"


class NotAllowedError(MistralError):
    http_code = 403
    message = "Operation not allowed"


class NotFoundError(MistralError):
    http_code = 404
    message = "Object not found"


class DuplicateEntryError(MistralError):
    http_code = 409
    message = "Database object already exists"


# Run time: these put a task or an execution in ERROR, never crash a service.

class ExpressionEvaluationError(MistralError):
    """An expression that parsed but failed to evaluate."""

    http_code = 400


class YaqlEvaluationError(ExpressionEvaluationError):
    pass


class JinjaEvaluationError(ExpressionEvaluationError):
    pass


class ActionError(MistralError):
    """An action that failed while running."""

    http_code = 400


class EngineError(MistralError):
    http_code = 500


# 503: nothing is wrong with the request; asked again later, it may pass.

class ServiceUnavailableError(MistralError):
    """A service the request needs is away for now (the API adds
    ``Retry-After``)."""

    http_code = 503
    message = "The service is unavailable for now; try again."


class NoReplyError(ServiceUnavailableError):
    """An RPC call got no answer in time, or could not reach the broker.

    Whether the other side acted is unknown: the message may have been
    lost, or may still be handled later."""

    message = "No engine answered in time; try again."


class UrlNotAllowedError(ActionError):
    """An outbound URL refused by the std.http egress policy."""

    http_code = 400
