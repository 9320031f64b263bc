"""The scheduler service: two polling threads over the database.

* delayed calls: every ``[scheduler] fixed_delay`` (+ up to ``random_delay``)
  seconds, claim the due calls and run them in a small worker pool; a call
  scheduled in this process with a shorter delay wakes the poll early, so
  short timers fire on time without a thread sleeping per call.
* cron triggers (when ``[cron_trigger] enabled``): every
  ``[cron_trigger] execution_interval`` seconds, or sooner when a trigger is
  due sooner, fire the due triggers (see ``scheduler.cron``).

Any number of schedulers may run on the same database; the claims in
``calls`` and ``cron`` make each timer and each trigger time fire once.
"""

import concurrent.futures
import datetime
import logging
import random
import threading
import time
from typing import Callable, Optional

from mistral_clone import config
from mistral_clone.db import models
from mistral_clone.db import retry
from mistral_clone.db import session as db_session
from mistral_clone.engine import step as step_mod
from mistral_clone.engine import timers  # noqa: F401 - registers targets
from mistral_clone.metrics import queues
from mistral_clone.metrics import timers as timer_metrics
from mistral_clone.scheduler import calls
from mistral_clone.scheduler import cron

LOG = logging.getLogger(__name__)


def _default_start_workflow(ctx, **kwargs):
    from mistral_clone.rpc import clients
    return clients.get_engine_client().start_workflow(ctx, **kwargs)


TIMERS_DUE = "mistral_scheduler_timers_due"
TIMERS_RUNNING = "mistral_scheduler_timers_running"


class SchedulerService:
    """``now`` and ``start_workflow`` are injectable (tests use a fixed
    clock and a fake engine); by default the real clock and the engine
    client."""

    def __init__(self, conf=None,
                 now: Callable[[], datetime.datetime] = models.utcnow,
                 start_workflow: Optional[Callable] = None,
                 cron_enabled: Optional[bool] = None):
        self._conf = conf or config.CONF
        self._now = now
        self._start_workflow = start_workflow or _default_start_workflow
        self._cron_enabled = (self._conf.cron_trigger.enabled
                              if cron_enabled is None else cron_enabled)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._wake_at: Optional[datetime.datetime] = None
        self._lock = threading.Lock()
        self._in_flight: set = set()
        self._saturated = False
        self._freed = False
        self._workers = self._conf.scheduler.workers
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=self._workers, thread_name_prefix="scheduler-call")
        self._threads: list = []

    # Life cycle.

    def start(self) -> "SchedulerService":
        calls.add_wake_listener(self.wake)
        queues.watch(TIMERS_DUE,
                     "Durable timers due now that no scheduler has taken "
                     "(read from the database at each scrape).",
                     self.count_due)
        queues.watch(TIMERS_RUNNING,
                     "Durable timers this scheduler took and is running.",
                     self.running)
        loops = [("scheduler-calls", self._calls_loop)]
        if self._cron_enabled:
            loops.append(("scheduler-cron", self._cron_loop))
        for name, target in loops:
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self, timeout: float = 10) -> None:
        queues.unwatch(TIMERS_DUE, self.count_due)
        queues.unwatch(TIMERS_RUNNING, self.running)
        calls.remove_wake_listener(self.wake)
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout)
        self._pool.shutdown(wait=True)

    def wake(self, run_at: datetime.datetime) -> None:
        """A call is due at ``run_at``: poll then if that is sooner."""
        with self._lock:
            if self._wake_at is None or run_at < self._wake_at:
                self._wake_at = run_at
        self._wake.set()

    # Delayed calls.

    def count_due(self) -> int:
        with db_session.read_only() as session:
            return calls.count_due(
                session, self._now(),
                self._conf.scheduler.captured_job_timeout)

    def running(self) -> int:
        with self._lock:
            return len(self._in_flight)

    def run_due_calls(self, wait: bool = False) -> int:
        """One poll: claim due calls and hand them to the pool; with
        ``wait`` return only when they have run. Returns how many."""
        conf = self._conf.scheduler
        with self._lock:
            free = self._workers - len(self._in_flight)
        limit = min(free, conf.batch_size) if conf.batch_size else free
        if limit <= 0:
            return 0
        with db_session.transaction() as session:
            claimed = calls.claim_due_calls(
                session, self._now(), conf.captured_job_timeout, limit)
        with self._lock:
            self._in_flight.update(c.id for c in claimed)
            self._saturated = len(claimed) == limit == free
        futures = [self._pool.submit(self._run_call, c) for c in claimed]
        if wait:
            concurrent.futures.wait(futures)
        return len(claimed)

    def _run_call(self, call: calls.ClaimedCall) -> None:
        try:
            run_call(call)
        finally:
            with self._lock:
                self._in_flight.discard(call.id)
                # The last poll left due calls behind for want of a
                # worker: look again now that one is free.
                if self._saturated:
                    self._freed = True
                    self._wake.set()

    def _poll_delay(self) -> float:
        conf = self._conf.scheduler
        return conf.fixed_delay + random.uniform(0, conf.random_delay or 0)

    def _calls_loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_due_calls()
            except Exception:  # noqa: BLE001 - the next poll may pass
                retry.log_failed_round(LOG, "Scheduler poll failed")
            self._sleep_until_next_poll()

    def _sleep_until_next_poll(self) -> None:
        """Wait for the next poll: the poll delay, or less when a call of
        this process is due sooner or a busy pool freed a worker. Waits use
        the real clock whatever ``now`` is (an injected clock may stand
        still)."""
        deadline = time.monotonic() + self._poll_delay()
        while not self._stop.is_set():
            self._wake.clear()
            with self._lock:
                wake_at, freed = self._wake_at, self._freed
                self._freed = False
            if freed:
                break
            remaining = deadline - time.monotonic()
            if wake_at is not None:
                remaining = min(remaining, (
                    wake_at - models.utcnow()).total_seconds())
            if remaining <= 0:
                break
            self._wake.wait(remaining)
        with self._lock:
            if self._wake_at is not None and \
                    self._wake_at <= models.utcnow():
                self._wake_at = None

    # Cron triggers.

    def process_cron_triggers(self) -> Optional[int]:
        """How many triggers fired; None in maintenance."""
        return cron.process_due_triggers(self._start_workflow, self._now)

    def _cron_loop(self) -> None:
        interval = max(0.05, float(self._conf.cron_trigger.execution_interval))
        while not self._stop.is_set():
            try:
                due_at = None
                if self.process_cron_triggers() is not None:
                    with db_session.read_only() as session:
                        due_at = cron.next_due_time(session)
            except Exception:  # noqa: BLE001 - the next poll may pass
                retry.log_failed_round(LOG, "Cron trigger poll failed")
                due_at = None
            delay = interval
            if due_at is not None:
                until_due = (due_at - self._now()).total_seconds()
                delay = min(interval, max(0.01, until_due))
            self._stop.wait(delay)


def run_call(call: calls.ClaimedCall) -> None:
    """Run one claimed call and remove it. A target that takes a
    ``session`` runs in the transaction that removes the row (its effect
    and the timer's end commit together); another one runs first and its
    row is removed after. A failing call is logged and removed, not
    retried. An expression too slow for the transaction is evaluated with
    no lock held and the call runs again (``engine.step.call``)."""
    try:
        step_mod.call(None, _run_target, call)
        timer_metrics.timer_fired()
        return
    except Exception:
        LOG.exception("Delayed call %s(%s) failed", call.func_name,
                      call.func_args)
    timer_metrics.timer_fired(failed=True)
    with db_session.transaction() as session:
        calls.finish_call(session, call)


def _run_target(call: calls.ClaimedCall) -> None:
    target = calls.resolve_target(call.func_name)
    if calls.takes_session(target):
        with db_session.transaction() as session:
            if calls.finish_call(session, call):
                target(session=session, **call.func_args)
        return
    target(**call.func_args)
    with db_session.transaction() as session:
        calls.finish_call(session, call)


def start() -> SchedulerService:
    """``mistral-clone-server --server scheduler``."""
    return SchedulerService().start()
