"""Collecting every problem of a definition instead of stopping at the first.

Validation normally raises at the first problem: that error's message is
Mistral's ``faultstring`` and must stay as it is. Inside ``collecting()``
the same code records each problem and goes on where it safely can, so one
pass finds all of them (``lang.inspection``):

* ``report(error)``: a problem after which building can go on (an
  expression that does not parse, an unknown transition target). Raised
  when not collecting.
* ``abort(error)``: a problem that stops the element being built (its
  shape is wrong). Always raised; recorded first when collecting.
* ``element()``: a recovery point around one element (a workflow, a task,
  an action). When collecting, an error inside it is recorded and the
  element is left out; the code after the block goes on with its siblings.
  Anything else raised there is the fall-out of a problem already recorded
  (a value of the wrong type read further on) and is dropped too.
* ``attempt(func, ...)``: the same around one call; says whether it passed.

The order of the records is the order in which strict validation meets
the problems, so the first one is the error that strict validation raises.
"""

import contextlib
import contextvars

from mistral_clone import exceptions as exc

_problems = contextvars.ContextVar("mistral_clone_dsl_problems",
                                   default=None)


class Skipped(exc.DSLParsingError):
    """Leaves an element whose problems are already recorded."""

    recorded = True

    def __init__(self):
        super().__init__("Element skipped: its problems are recorded.")


@contextlib.contextmanager
def collecting():
    """Within the block, problems are recorded in the yielded list."""
    problems = []
    token = _problems.set(problems)
    try:
        yield problems
    finally:
        _problems.reset(token)


def is_collecting() -> bool:
    return _problems.get() is not None


def _record(problems: list, error) -> None:
    """Once per error, and once per (place, message): a task checked
    alone may meet again what its workflow's schema said about it."""
    if getattr(error, "recorded", False):
        return
    error.recorded = True
    key = _identity(error)
    if any(_identity(known) == key for known in problems):
        return
    problems.append(error)


def _identity(error):
    return (tuple(getattr(error, "spec_pin", ())),
            getattr(error, "spec_message", str(error)))


def report(error) -> None:
    problems = _problems.get()
    if problems is None:
        raise error
    _record(problems, error)


def abort(error):
    problems = _problems.get()
    if problems is not None:
        _record(problems, error)
    raise error


@contextlib.contextmanager
def element():
    problems = _problems.get()
    if problems is None:
        yield
        return
    try:
        yield
    except exc.DSLParsingError as e:
        _record(problems, e)
    except Exception:
        if not problems:
            raise


def attempt(func, *args) -> bool:
    """``func(*args)``; False when it failed while collecting."""
    problems = _problems.get()
    if problems is None:
        func(*args)
        return True
    passed = False
    with element():
        func(*args)
        passed = True
    return passed
