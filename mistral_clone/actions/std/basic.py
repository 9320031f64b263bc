"""Actions that need nothing outside the process: noop, echo, fail, sleep."""

from __future__ import annotations

import logging
import time
from typing import Any

from mistral_clone import exceptions as exc
from mistral_clone.actions.base import Action, ActionContext, ActionResult

LOG = logging.getLogger(__name__)

_REAL_MODULE = 'mistral.actions.std_actions'


def _non_negative(value: Any, convert) -> float:
    """``convert(value)`` clamped at 0; 0 when it is not a number."""
    try:
        number = convert(value)
    except (TypeError, ValueError):
        return 0
    return number if number > 0 else 0


class NoOpAction(Action):
    class_path = _REAL_MODULE + '.NoOpAction'

    def run(self, ctx: ActionContext) -> None:
        LOG.debug('Running no-op action')
        return None


class AsyncNoOpAction(NoOpAction):
    """Does nothing and leaves its result to be delivered through the API."""

    class_path = _REAL_MODULE + '.AsyncNoOpAction'

    def is_sync(self) -> bool:
        return False


class EchoAction(Action):
    """Returns ``output`` unchanged, after ``delay`` seconds if given."""

    class_path = _REAL_MODULE + '.EchoAction'

    def __init__(self, output, delay=0):
        self.output = output
        self.delay = _non_negative(delay, float)

    def run(self, ctx: ActionContext) -> Any:
        LOG.debug('Running echo action [delay=%s]', self.delay)
        if self.delay:
            time.sleep(self.delay)
        return self.output

    def test(self, ctx: ActionContext) -> Any:
        return 'Echo'


class FailAction(Action):
    """Always fails: with ``error_data`` as the error result when given."""

    class_path = _REAL_MODULE + '.FailAction'

    def __init__(self, error_data=None):
        self.error_data = error_data

    def __repr__(self) -> str:
        return 'Fail action'

    def run(self, ctx: ActionContext) -> ActionResult:
        LOG.debug('Running fail action')
        if self.error_data:
            return ActionResult(error=self.error_data)
        raise exc.ActionError('Fail action expected exception.')

    test = run


class SleepAction(Action):
    """Sleeps ``seconds`` (a whole number; anything else counts as 0)."""

    class_path = _REAL_MODULE + '.SleepAction'

    def __init__(self, seconds=1):
        self.seconds = _non_negative(seconds, int)

    def run(self, ctx: ActionContext) -> None:
        LOG.info('Running sleep action [seconds=%s]', self.seconds)
        if self.seconds:
            time.sleep(self.seconds)
        return None

    def test(self, ctx: ActionContext) -> None:
        return None


class TestDictAction(Action):
    """Builds ``{key_prefix + i: val}`` for i in range(size)."""

    class_path = _REAL_MODULE + '.TestDictAction'
    __test__ = False  # not a pytest test class

    def __init__(self, size=0, key_prefix='', val=''):
        self.size = size
        self.key_prefix = key_prefix
        self.val = val

    def run(self, ctx: ActionContext) -> dict:
        try:
            size = int(self.size)
        except (TypeError, ValueError):
            raise exc.ActionError(
                "std.test_dict: 'size' must be an integer, got %r" % self.size
            )
        return {'%s%s' % (self.key_prefix, i): self.val for i in range(size)}

    def test(self, ctx: ActionContext) -> dict:
        return {}
