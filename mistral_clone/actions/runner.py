"""The executor's entry point: resolve, instantiate and run an action.

Every failure becomes an error :class:`ActionResult` carrying the message a
user sees, worded as real Mistral words it: an unknown name or a bad input
gives the plain message (``Invalid input [...]``); an exception raised while
running gives ``The action raised an exception [action=..., action_ex_id=...,
msg='...']``.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Mapping, Optional

from mistral_clone import exceptions as exc
from mistral_clone.actions import dynamic, registry, signature
from mistral_clone.actions.base import ActionContext, ActionResult

LOG = logging.getLogger(__name__)


def instantiate_action(name: str, action_input: Optional[Mapping[str, Any]],
                       code: Optional[dynamic.CodeRef] = None):
    """A ready-to-run action; raises InvalidActionError (unknown or bad
    input, a dynamic action's code that cannot be loaded) or whatever the
    action's constructor raises (ActionError). ``code`` names the class of
    a dynamic action."""
    action_cls = dynamic.action_class(code) if code is not None \
        else registry.get_action_class(name)
    action_input = dict(action_input or {})
    signature.check_input(action_cls, action_input,
                          name if code is not None else None)
    return action_cls(**action_input)


def run_action(name: str, action_input: Optional[Mapping[str, Any]],
               ctx: Optional[ActionContext] = None,
               timeout: Optional[float] = None,
               code: Optional[dynamic.CodeRef] = None) -> ActionResult:
    """Run action ``name`` with ``action_input``; never raises. An action
    that ran longer than ``timeout`` seconds (its task's) fails when it
    ends, as Mistral's executor fails it: its result is lost. ``code``:
    the dynamic action's class (see ``actions.dynamic``)."""
    ctx = ctx or ActionContext()
    started = time.monotonic()
    result = _run(name, action_input, ctx, code)
    if timeout and time.monotonic() - started > timeout:
        return ActionResult(error=(
            "The action raised an exception [action=%s, action_ex_id=%s, "
            "msg='Timeout after %s seconds']"
            % (name, ctx.action_execution_id, timeout)))
    return result


def _run(name, action_input, ctx, code) -> ActionResult:
    try:
        action = instantiate_action(name, action_input, code)
    except Exception as e:
        LOG.warning('Cannot start action %s: %s', name, e)
        return ActionResult(error=str(e))

    try:
        # A dynamic action's class need not derive from Action.
        is_sync = getattr(action, "is_sync", None)
        sync = bool(is_sync()) if callable(is_sync) else True
        result = action.run(ctx)
    except BaseException as e:
        if isinstance(e, (KeyboardInterrupt, SystemExit)):
            raise
        msg = ("The action raised an exception [action=%r, action_ex_id=%s, "
               "msg='%s']" % (action, ctx.action_execution_id, e))
        LOG.warning(msg, exc_info=not isinstance(e, exc.MistralError))
        return ActionResult(error=msg)

    if not isinstance(result, ActionResult):
        result = ActionResult(data=result)
    result.sync = sync
    return result
