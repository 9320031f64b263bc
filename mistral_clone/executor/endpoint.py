"""The executor's RPC endpoint: run actions in a worker pool and send their
results back to an engine, several per message when they finish together."""

import concurrent.futures
import logging
import threading
import time
from typing import Optional

import oslo_messaging as messaging

from mistral_clone import actions
from mistral_clone import context as mc_context
from mistral_clone import work_counts
from mistral_clone.actions import dynamic
from mistral_clone.actions import registry
from mistral_clone.executor import delivery
from mistral_clone.executor import heartbeats
from mistral_clone.executor import liveness
from mistral_clone.executor import result_groups
from mistral_clone.metrics import actions as action_metrics
from mistral_clone.rpc import clients
from mistral_clone.rpc import results as rpc_results
from mistral_clone.rpc import serializer
from mistral_clone.rpc import transport

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
    code = dynamic.code_of(exec_ctx)
    started = time.perf_counter()
    with heartbeats.running(action_ex_id):
        result = actions.run_action(action_name, action_input,
                                    _action_context(ctx, exec_ctx),
                                    timeout=exec_ctx.get("timeout"),
                                    code=code)
    action_metrics.observe_run(action_name, code is not None,
                               result.error is not None,
                               time.perf_counter() - started, _registered)
    work_counts.add("actions")
    return serializer.to_primitive({
        "data": result.data, "error": result.error,
        "cancel": bool(result.cancel), "sync": bool(result.sync)})


def _registered(action_name: str) -> bool:
    return registry.find_action(action_name) is not None


# The executor endpoint serving ``[executor] topic`` in this process on the
# in-process (``fake:/``) transport, if any: the engine of the same process
# hands it actions directly, with no message (see ``local_executor``).
_local = None


def local_executor() -> "Optional[ExecutorEndpoint]":
    """This process's executor when messages cannot leave the process
    anyway (``fake:/``): a cast to it would only copy the arguments through
    JSON and wake an RPC thread that hands them to the same pool."""
    return _local


def set_local_executor(endpoint: "Optional[ExecutorEndpoint]") -> None:
    global _local
    _local = endpoint


def _local_engine_queue():
    """The engine's result queue of this process when results would only
    travel through the in-process transport to it (``rpc.results``)."""
    queue = rpc_results.local_engine_queue()
    if queue is None or not transport.is_in_process():
        return None
    return queue


class ExecutorEndpoint:
    target = messaging.Target(version="1.0")

    def __init__(self, workers: int):
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="mistral-action")
        # Results waiting for their message to an engine: one sender thread
        # sends what finished while its previous message was on its way.
        self._results = rpc_results.CompletionQueue(
            self._report_results, max_batch=MAX_RESULTS_PER_MESSAGE,
            workers=1, max_keys=1)
        # Results sent and not yet known stored (sent again if lost).
        self.unconfirmed = delivery.Unconfirmed(_ask_still_running,
                                                _send_results)
        # Accepted actions no worker has started yet: a token per
        # submission -> (ctx, run_action's arguments). A worker takes its
        # action out before running it; ``shutdown`` hands the rest back.
        self._waiting = {}
        self._waiting_lock = threading.Lock()
        # Actions a worker is running now (under ``_waiting_lock``).
        self._running = 0

    def waiting(self) -> int:
        """Accepted actions waiting for a free worker."""
        with self._waiting_lock:
            return len(self._waiting)

    def running(self) -> int:
        """Actions the workers are running."""
        with self._waiting_lock:
            return self._running

    def unsent(self) -> int:
        """Results waiting for their message to an engine."""
        return self._results.pending()

    def shutdown(self, timeout: Optional[float] = None) -> list:
        """Stop after the listeners did: the accepted actions no worker
        has started go back to the topic (never run here, another executor
        runs them; none lost), the running ones get ``timeout`` seconds
        (None: as long as they take) to finish and report. Returns the ids
        of the actions this process will never report (for the goodbye)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._waiting_lock:
            waiting, self._waiting = self._waiting, {}
        for _ctx, action in waiting.values():
            heartbeats.remove(action["action_ex_id"])
        abandoned = _hand_back(waiting.values())
        finisher = threading.Thread(target=self._pool.shutdown,
                                    kwargs={"wait": True}, daemon=True)
        finisher.start()
        finisher.join(timeout)
        if finisher.is_alive():
            # Beating for a result sent but not yet known stored is not
            # running: that result may well be stored.
            still_running = sorted(set(heartbeats.running_ids()) -
                                   set(self.unconfirmed.held()))
            LOG.warning("Stopping with actions still running: %s",
                        ", ".join(still_running))
            abandoned.extend(still_running)
        self.unconfirmed.stop()
        return abandoned

    def run_action(self, ctx, action_ex_id, action_name, action_input,
                   exec_ctx, reply=True, target=None):
        self.run_actions(ctx, [{
            "action_ex_id": action_ex_id, "action_name": action_name,
            "action_input": action_input, "exec_ctx": exec_ctx,
            "reply": reply, "target": target}])

    def _take(self, ctx, action_ex_id, action_name, action_input, exec_ctx,
              reply, target, group=None):
        # Alive (heartbeats) from now on, while it waits for a worker too.
        heartbeats.add(action_ex_id)
        token = object()
        with self._waiting_lock:
            self._waiting[token] = (ctx, {
                "action_ex_id": action_ex_id, "action_name": action_name,
                "action_input": action_input, "exec_ctx": exec_ctx,
                "reply": reply, "target": target})
        try:
            self._pool.submit(self._run_and_report, token, ctx,
                              action_ex_id, action_name, action_input,
                              exec_ctx, reply, group)
        except Exception:
            with self._waiting_lock:
                self._waiting.pop(token, None)
            heartbeats.remove(action_ex_id)
            raise

    def run_actions(self, ctx, actions):
        """Several ``run_action`` in one message (dicts of its
        arguments)."""
        # Announced together (one beat) before any of them starts; those
        # an engine sent again are claimed first (one call), and a copy
        # another executor claimed is not run here.
        again = [a["action_ex_id"] for a in actions
                 if a["action_ex_id"] and _sent_again(a)]
        # A copy of an action this process has already taken (its first
        # message came late) is not run twice here.
        here = set(heartbeats.running_ids()) if again else set()
        liveness.accepted_now([a["action_ex_id"] for a in actions
                               if a["action_ex_id"] and not _sent_again(a)])
        won = set(liveness.claim([i for i in again if i not in here])) \
            if again else set()
        taken = []
        for action in actions:
            if action["action_ex_id"] in again and \
                    action["action_ex_id"] not in won:
                LOG.info("Action execution %s is claimed elsewhere or no "
                         "longer running: not run here",
                         action["action_ex_id"])
            else:
                taken.append(action)
        # Their results leave together (``result_groups``).
        replying = sum(1 for a in taken if a.get("reply", True))
        group = result_groups.ResultGroup(replying, self._deliver) \
            if replying > 1 else None
        for action in taken:
            reply = action.get("reply", True)
            self._take(ctx, action["action_ex_id"], action["action_name"],
                       action["action_input"], action["exec_ctx"],
                       reply, action.get("target"),
                       group if reply else None)

    def _report_results(self, batches: dict) -> None:
        """Send finished actions' results to the engines, one message per
        caller (the engine handles them with the message's context), and
        keep them until they are known stored (``delivery``)."""
        by_caller = mc_context.group_by_caller(
            (ctx, {"action_ex_id": action_ex_id, "result": result,
                   "wf_ex_id": wf_ex_id})
            for items in batches.values()
            for ctx, action_ex_id, result, wf_ex_id in items)
        for ctx, results in by_caller:
            try:
                _send_results(ctx, results)
            except Exception:  # noqa: BLE001 - kept: sent again later
                LOG.exception("Cannot report the results of action "
                              "executions %s; trying again later",
                              ", ".join(r["action_ex_id"] for r in results))
            self.unconfirmed.sent(ctx, results)

    def run_action_sync(self, ctx, action_ex_id, action_name, action_input,
                        exec_ctx):
        return run(ctx, action_ex_id, action_name, action_input, exec_ctx)

    def _run_and_report(self, token, ctx, action_ex_id, action_name,
                        action_input, exec_ctx, reply, group=None):
        with self._waiting_lock:
            if self._waiting.pop(token, None) is None:
                if group is not None:
                    group.skip()
                return      # handed back by ``shutdown``
            self._running += 1
        try:
            self._run_and_report_tracked(
                ctx, action_ex_id, action_name, action_input, exec_ctx,
                reply, group)
        finally:
            heartbeats.remove(action_ex_id)
            with self._waiting_lock:
                self._running -= 1

    def _run_and_report_tracked(self, ctx, action_ex_id, action_name,
                                action_input, exec_ctx, reply, group=None):
        try:
            result = run(ctx, action_ex_id, action_name, action_input,
                         exec_ctx)
        except Exception as e:  # noqa: BLE001 - report, never lose it
            LOG.exception("Action %s failed unexpectedly", action_name)
            result = {"data": None, "error": str(e), "cancel": False,
                      "sync": True}
        if not reply:
            return
        item = (ctx, action_ex_id, result,
                (exec_ctx or {}).get("workflow_execution_id"))
        if group is not None:
            group.add(item)
        else:
            self._deliver([item])

    def _deliver(self, items: list) -> None:
        """Results ``(ctx, action execution id, result, workflow execution
        id)`` on their way to the engines."""
        queue = _local_engine_queue()
        local, remote = {}, []
        for ctx, action_ex_id, result, wf_ex_id in items:
            if queue is not None and wf_ex_id:
                # Same process, same transport: straight into the engine's
                # batches of this execution (what its RPC handler would do).
                local.setdefault(wf_ex_id, []).append(
                    (ctx, action_ex_id, result))
            else:
                remote.append((ctx, action_ex_id, result, wf_ex_id))
        if local:
            queue.submit_groups_async(local)
        if remote:
            self._results.submit_many_async(None, remote)


MAX_RESULTS_PER_MESSAGE = 100


def _hand_back(waiting) -> list:
    """Send accepted, never started actions (``(ctx, arguments)``) back to
    their topic (or their target executor) for another executor; the ids
    of those that could not go back."""
    if not waiting:
        return []
    if transport.is_in_process():
        # One process: it stops as a whole (see engine.members).
        return [action["action_ex_id"] for _ctx, action in waiting]
    kept = []
    for ctx, batch in mc_context.group_by_caller(
            waiting, lambda action: action.get("target")):
        try:
            clients.get_executor_client(batch[0].get("target")).run_actions(
                ctx, batch)
            LOG.info("Handed back %d action(s) not started here",
                     len(batch))
        except Exception:  # noqa: BLE001 - logged; recovered as abandoned
            LOG.exception("Cannot hand back action executions %s",
                          ", ".join(a["action_ex_id"] for a in batch))
            kept.extend(a["action_ex_id"] for a in batch)
    return kept


def _sent_again(action: dict) -> bool:
    return bool((action.get("exec_ctx") or {}).get(liveness.CLAIM_FIRST))


def _send_results(ctx, results: list) -> None:
    clients.get_engine_client().report_action_results(ctx, results)


def _ask_still_running(ctx, action_ex_ids: list) -> list:
    return clients.get_engine_client().still_running_actions(
        ctx, action_ex_ids, timeout=ASK_TIMEOUT_S)


# Seconds an executor waits for an engine's answer about its sent results.
ASK_TIMEOUT_S = 10
