"""Durable timers and cron triggers.

Public API (the engine codes against exactly this):

* ``schedule_call(session, func_name, delay_seconds, key=None, **func_args)
  -> str``: a timer written in the caller's transaction; ``func_name(
  **func_args)`` runs once, about ``delay_seconds`` after the commit.
* ``delete_calls(session, key, func_name=None) -> int``: cancel timers.
* ``register_target(name, func)``: a short name for a target; otherwise
  ``func_name`` is an import path ``package.module.function``. A target with
  a ``session`` parameter runs inside the transaction that removes its timer.

The service (``mistral_clone.scheduler.service.start()``) fires them, and the
cron triggers.
"""

from mistral_clone.scheduler.calls import delete_calls
from mistral_clone.scheduler.calls import register_target
from mistral_clone.scheduler.calls import resolve_target
from mistral_clone.scheduler.calls import schedule_call
from mistral_clone.scheduler.calls import unregister_target

__all__ = ["delete_calls", "register_target", "resolve_target",
           "schedule_call", "unregister_target"]
