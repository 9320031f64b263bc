"""Results an executor sent and does not yet know stored.

An engine acknowledges a results message as soon as it has queued the
results for its next step: an engine killed at that moment takes them with
it, and the actions would stay RUNNING although they ran. So an executor
keeps every result it sent (and keeps sending heartbeats for its action)
until the action execution is no longer RUNNING in the database: every
``CHECK_INTERVAL_S`` it asks an engine about the results sent at least
``FIRST_CHECK_S`` ago, forgets those that were stored and sends the others
again, to whichever engine takes them, waiting longer each time. An engine
takes a result once: the same result arriving again for an action
execution that is no longer RUNNING is ignored.

Asynchronous actions' first answers (``sync: False``) are not kept: their
action executions stay RUNNING until someone else completes them.
"""

import dataclasses
import logging
import threading
import time
from typing import Callable, Optional

from mistral_clone import context as mc_context
from mistral_clone.executor import heartbeats

LOG = logging.getLogger(__name__)

CHECK_INTERVAL_S = 5.0
# A result younger than this is left to its engine's queue, which may be
# long under load: asking earlier would only send it twice.
FIRST_CHECK_S = 15.0
MAX_WAIT_S = 300.0
# Most action executions asked about in one call.
MAX_ASK = 1000


@dataclasses.dataclass
class _Sent:
    ctx: object
    item: dict          # {"action_ex_id", "result", "wf_ex_id"}
    due: float          # when to ask about it
    wait: float         # the pause before the next question after that


def _first_answer_of_async(result: dict) -> bool:
    return result.get("sync") is False and result.get("error") is None \
        and not result.get("cancel")


class Unconfirmed:
    """The results of one executor in flight to the engines.

    ``ask(ctx, ids) -> still running ids`` and ``send(ctx, items)`` reach
    the engines (injected: the executor's RPC clients)."""

    def __init__(self, ask: Callable, send: Callable,
                 clock: Callable[[], float] = time.monotonic):
        self._ask = ask
        self._send = send
        self._clock = clock
        self._lock = threading.Lock()
        self._sent = {}
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def sent(self, ctx, items: list) -> None:
        """These results went out (or their message failed): keep them
        until they are known stored, beating for their actions."""
        now = self._clock()
        with self._lock:
            for item in items:
                if _first_answer_of_async(item.get("result") or {}):
                    continue
                action_ex_id = item["action_ex_id"]
                if action_ex_id not in self._sent:
                    heartbeats.add(action_ex_id)
                self._sent[action_ex_id] = _Sent(
                    ctx, item, now + FIRST_CHECK_S, FIRST_CHECK_S)
            self._ensure_thread()

    def held(self) -> list:
        with self._lock:
            return sorted(self._sent)

    def check_once(self) -> int:
        """Ask about the results that are due; forget the stored ones,
        send the others again. How many were sent again."""
        now = self._clock()
        with self._lock:
            due = [(i, s) for i, s in self._sent.items() if s.due <= now]
        due = due[:MAX_ASK]
        if not due:
            return 0
        try:
            running = set(self._ask(mc_context.admin_context(),
                                    [i for i, _ in due]))
        except Exception as e:  # noqa: BLE001 - no engine now: later
            LOG.warning("Cannot check %d sent result(s) yet: %s", len(due), e)
            return 0
        again = []
        with self._lock:
            for action_ex_id, entry in due:
                if self._sent.get(action_ex_id) is not entry:
                    continue        # sent again meanwhile
                if action_ex_id not in running:
                    del self._sent[action_ex_id]
                    heartbeats.remove(action_ex_id)
                    continue
                entry.wait = min(entry.wait * 2, MAX_WAIT_S)
                entry.due = now + entry.wait
                again.append(entry)
        for ctx, items in mc_context.group_by_caller(
                (entry.ctx, entry.item) for entry in again):
            LOG.warning("Sending %d action result(s) again (not stored "
                        "yet): %s", len(items),
                        ", ".join(i["action_ex_id"] for i in items))
            try:
                self._send(ctx, items)
            except Exception:  # noqa: BLE001 - kept: sent at the next due
                LOG.exception("Cannot send action results again")
        return len(again)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)

    def _ensure_thread(self) -> None:
        if self._thread is None and not self._stop.is_set():
            self._thread = threading.Thread(
                target=self._loop, name="executor-result-check",
                daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(CHECK_INTERVAL_S):
            try:
                self.check_once()
            except Exception:  # noqa: BLE001 - the next look may pass
                LOG.exception("Checking sent action results failed")
