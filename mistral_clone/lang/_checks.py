"""Small validation helpers shared by the spec modules.

Expression syntax is checked with ``mistral_clone.expressions.validate``
(yaql's parser, Jinja's sandboxed parser; the operator's
``[expressions] allowed_languages`` applies).
"""

from mistral_clone import exceptions as exc
from mistral_clone import expressions as expr_lang
from mistral_clone.lang import _collect
from mistral_clone.lang._errors import located


def expression(value, path, pin=None) -> None:
    """Check the expressions in one value (a non-string is ignored).

    A bad one is reported (``_collect.report``): raised, or recorded when
    collecting every problem.
    """
    if not isinstance(value, str):
        return
    try:
        expr_lang.validate(value)
    except exc.ExpressionGrammarError as e:
        _collect.report(located(type(e), e.message, path,
                                detail=repr(value), pin=pin))


def expressions(part, path) -> None:
    """Check a string, or the strings directly inside a list or dict.

    Like Mistral, nested containers are not descended into.
    """
    if isinstance(part, str):
        expression(part, path)
    elif isinstance(part, (list, tuple)):
        for i, item in enumerate(part):
            expression(item, list(path) + [i])
    elif isinstance(part, dict):
        for key, item in part.items():
            expression(item, list(path) + [key])


def invalid(message: str, path, cls=exc.InvalidModelError, pin=None):
    """An InvalidModelError (or ``cls``) located at ``path`` (pointing at
    ``pin`` when it is more exact)."""
    return located(cls, message, path, pin=pin)
