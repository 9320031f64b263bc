"""The engine's durable timers, seen from the scheduler.

Each target is registered with the scheduler under the short name stored
in ``delayed_calls.func_name`` (``policies`` names them) and runs in the
scheduler's claiming transaction, so a timer's end and its effect commit
together: it locks the task's workflow execution and hands the timer to a
``Conductor`` (``Conductor.on_timer``). Importing this module registers
them: every process that fires timers imports it.
"""

import functools
from typing import Optional

from mistral_clone import context as mc_context
from mistral_clone import scheduler
from mistral_clone.expressions import limits
from mistral_clone.engine import conductor as conductor_mod
from mistral_clone.engine import policies
from mistral_clone.engine import queries
from mistral_clone.engine import states
from mistral_clone.engine import step as step_mod
from mistral_clone.engine import store as store_mod

NAMES = (policies.CONTINUE_TASK, policies.COMPLETE_TASK,
         policies.FAIL_IF_INCOMPLETE, policies.REFRESH_JOIN)

# Import paths of earlier versions, for rows written before the short
# names (migration 004 renames stored rows).
LEGACY_NAMES = {
    "mistral_clone.engine.policies.continue_task": policies.CONTINUE_TASK,
    "mistral_clone.engine.policies.complete_task": policies.COMPLETE_TASK,
    "mistral_clone.engine.policies.fail_if_incomplete":
        policies.FAIL_IF_INCOMPLETE,
}


def fire(target: str, session, task_ex_id: str,
         ctx: Optional[dict] = None, **args) -> None:
    """Run the timer ``target`` of a task in the scheduler's
    transaction."""
    task_ex = queries.task(session, task_ex_id)
    if task_ex is None:
        return
    wf_ex = queries.lock_workflow(session, task_ex.workflow_execution_id)
    session.refresh(task_ex)
    if states.is_completed(wf_ex.state):
        return
    request_ctx = mc_context.RequestContext.from_wire(ctx) if ctx \
        else mc_context.admin_context()
    store = store_mod.DbStore(step_mod.step_in(session, request_ctx))
    conductor = conductor_mod.Conductor(store)
    with limits.in_transaction():
        if not conductor.on_timer(target, wf_ex, task_ex, args):
            store.schedule_timer(target, 0, task_ex, args)


def register() -> None:
    for name in NAMES:
        scheduler.register_target(name, functools.partial(fire, name))
    for legacy, name in LEGACY_NAMES.items():
        scheduler.register_target(legacy, functools.partial(fire, name))


register()
