"""The executor's RPC endpoint: run actions in a worker pool and send each
result back to an engine."""

import concurrent.futures
import logging

import oslo_messaging as messaging

from mistral_clone import actions
from mistral_clone.rpc import serializer

LOG = logging.getLogger(__name__)


def _action_context(ctx, exec_ctx: dict) -> actions.ActionContext:
    fields = {k: v for k, v in (exec_ctx or {}).items()
              if k in actions.ActionContext.__dataclass_fields__}
    security = {}
    if ctx is not None:
        security = {"auth_token": ctx.auth_token,
                    "project_id": ctx.project_id,
                    "user_id": ctx.user_id}
    return actions.ActionContext(security=security, **fields)


def run(ctx, action_ex_id, action_name, action_input, exec_ctx) -> dict:
    """Run one action; never raises. The result as a plain dict."""
    exec_ctx = dict(exec_ctx or {}, action_execution_id=action_ex_id)
    result = actions.run_action(action_name, action_input,
                                _action_context(ctx, exec_ctx))
    return serializer.to_primitive({
        "data": result.data, "error": result.error,
        "cancel": bool(result.cancel), "sync": bool(result.sync)})


class ExecutorEndpoint:
    target = messaging.Target(version="1.0")

    def __init__(self, workers: int):
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="mistral-action")

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def run_action(self, ctx, action_ex_id, action_name, action_input,
                   exec_ctx, reply=True):
        self._pool.submit(self._run_and_report, ctx, action_ex_id,
                          action_name, action_input, exec_ctx, reply)

    def run_action_sync(self, ctx, action_ex_id, action_name, action_input,
                        exec_ctx):
        return run(ctx, action_ex_id, action_name, action_input, exec_ctx)

    @staticmethod
    def _run_and_report(ctx, action_ex_id, action_name, action_input,
                        exec_ctx, reply):
        from mistral_clone.rpc import clients
        try:
            result = run(ctx, action_ex_id, action_name, action_input,
                         exec_ctx)
        except Exception as e:  # noqa: BLE001 - report, never lose it
            LOG.exception("Action %s failed unexpectedly", action_name)
            result = {"data": None, "error": str(e), "cancel": False,
                      "sync": True}
        if not reply:
            return
        try:
            clients.get_engine_client()._cast(
                ctx, "report_action_result", action_ex_id=action_ex_id,
                result=result,
                wf_ex_id=(exec_ctx or {}).get("workflow_execution_id"))
        except Exception:  # noqa: BLE001 - logged; recovery resends
            LOG.exception("Cannot report the result of action execution "
                          "%s", action_ex_id)
