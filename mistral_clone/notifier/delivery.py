"""Delivering the outbox (``notifier.outbox``) to the publishers.

A notifier looks for due events when an engine wakes it up after a commit,
every ``[notifier] delivery_sweep_interval`` seconds besides (a wake-up
lost with a crashed engine or broker costs that much), and when a retry
it scheduled itself is due. Each look claims up to one group per free
worker thread (``[notifier] delivery_workers``); a worker delivers its
group's events in order:

* delivered (or refused for good: ``publishers.Undeliverable``, an unknown
  publisher): the row is deleted;
* failed: the row is due again after ``delivery_retry_delay`` seconds,
  doubled after every failure up to ``delivery_max_retry_delay``, and the
  rest of the group waits behind it; an event still failing
  ``delivery_max_age`` seconds after it was written is logged and dropped.

Delivery is at least once: a notifier that dies between a webhook's
answer and the deletion of its row leaves the event to be sent again by
whichever notifier takes the group over once the lease has run out.
"""

import concurrent.futures
import copy
import datetime
import enum
import heapq
import logging
import threading
import time
from typing import Callable, Optional

from mistral_clone import config
from mistral_clone import context as mc_context
from mistral_clone.db import models
from mistral_clone.db import retry
from mistral_clone.db import session as db_session
from mistral_clone.notifier import outbox
from mistral_clone.notifier import publishers as publishers_mod

LOG = logging.getLogger(__name__)


class Outcome(enum.Enum):
    DELIVERED = "delivered"
    RETRY = "retry"
    DROP = "drop"


def publish(row: outbox.Row) -> Outcome:
    """Hand one event to its publisher; what became of it."""
    params = copy.deepcopy(row.publisher)
    name = params.pop("type", None)
    params.pop("event_types", None)
    publisher = publishers_mod.PUBLISHERS.get(name)
    if publisher is None:
        LOG.error("Unknown notification publisher type: %s; event %s "
                  "dropped", name, row.event.get("event"))
        return Outcome.DROP
    ctx = mc_context.RequestContext(project_id=row.project_id)
    try:
        publisher(ctx, row.event.get("ex_id"), row.event.get("data"),
                  row.event.get("event"), row.event.get("timestamp"),
                  **params)
    except publishers_mod.Undeliverable as refused:
        LOG.error('Event %s for publisher "%s" dropped: %s',
                  row.event.get("event"), name, refused)
        return Outcome.DROP
    except Exception as error:  # noqa: BLE001 - any other: try again
        LOG.warning('Event %s for publisher "%s" not delivered (attempt '
                    '%d), trying again later: %s', row.event.get("event"),
                    name, row.attempts + 1, error)
        return Outcome.RETRY
    return Outcome.DELIVERED


def _in_transaction(fn, *args):
    def attempt():
        with db_session.transaction() as session:
            return fn(session, *args)
    return retry.call(attempt)


class Deliverer:
    """The delivery threads of one notifier. ``now`` and ``publish_row``
    are injectable (tests use a fixed clock and scripted publishers);
    ``sweep`` False looks only when woken or when its own retry is due."""

    def __init__(self, conf=None,
                 now: Callable[[], datetime.datetime] = models.utcnow,
                 publish_row: Callable[[outbox.Row], Outcome] = publish,
                 sweep: bool = True):
        self._conf = (conf or config.CONF).notifier
        self._now = now
        self._publish = publish_row
        self._sweep = sweep
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._in_flight = 0
        # Due times of the retries this notifier scheduled (a heap).
        self._retries: list = []
        self._workers = self._conf.delivery_workers
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=self._workers, thread_name_prefix="notifier-deliver")
        self._thread: Optional[threading.Thread] = None

    def start(self) -> "Deliverer":
        self._thread = threading.Thread(target=self._loop,
                                        name="notifier-outbox", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 30) -> None:
        """Stop looking; workers finish the event they are sending and
        free the rest of their groups for another notifier."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._pool.shutdown(wait=True)

    def wake(self) -> None:
        """An engine committed events: look now."""
        self._wake.set()

    # One look.

    def deliver_due(self, wait: bool = False) -> int:
        """Claim due groups for the free workers and hand them over; with
        ``wait`` return once they are delivered. Returns how many groups."""
        with self._lock:
            free = self._workers - self._in_flight
        if free <= 0:
            return 0
        # No retry here on a database error: the next look is the retry.
        with db_session.transaction() as session:
            groups = outbox.claim(session, self._now(),
                                  self._conf.delivery_lease_time, free)
        with self._lock:
            self._in_flight += len(groups)
        futures = [self._pool.submit(self._deliver_group, group)
                   for group in groups]
        if wait:
            concurrent.futures.wait(futures)
        return len(groups)

    def _deliver_group(self, group: outbox.Group) -> None:
        try:
            for row in group.rows:
                if self._stop.is_set():
                    _in_transaction(outbox.release, group)
                    return
                if not self._deliver_row(group, row):
                    return
        except Exception:  # noqa: BLE001 - the lease hands it over
            LOG.exception("Delivery of the events of execution %s "
                          "stopped; they are taken up again once its "
                          "lease runs out", group.execution_id)
        finally:
            with self._lock:
                self._in_flight -= 1
            # A worker is free: there may be groups it left waiting.
            self._wake.set()

    def _deliver_row(self, group: outbox.Group, row: outbox.Row) -> bool:
        """Deliver one row; False when the group stops here."""
        outcome = self._publish(row)
        now = self._now()
        if outcome is Outcome.RETRY:
            age = (now - row.created_at).total_seconds()
            if age < self._conf.delivery_max_age:
                self._retry(group, row, now)
                return False
            LOG.error("Event %s of execution %s dropped: still failing "
                      "after %d attempts over %.0f s ([notifier] "
                      "delivery_max_age)", row.event.get("event"),
                      group.execution_id, row.attempts + 1, age)
        return _in_transaction(outbox.remove, group, row.id, now,
                               self._conf.delivery_lease_time)

    def _retry(self, group, row, now) -> None:
        delay = outbox.retry_delay(row.attempts,
                                   self._conf.delivery_retry_delay,
                                   self._conf.delivery_max_retry_delay)
        due_at = now + datetime.timedelta(seconds=delay)
        _in_transaction(outbox.retry_later, group, row, due_at)
        with self._lock:
            heapq.heappush(self._retries, due_at)

    # The loop.

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.deliver_due()
            except Exception as error:  # noqa: BLE001 - next look retries
                if retry.is_transient(error):
                    LOG.warning("Notifier look for due events failed, "
                                "trying again: %s", error)
                else:
                    LOG.exception("Notifier look for due events failed")
            self._sleep()

    def _sleep(self) -> None:
        """Until woken, the sweep interval is over, or this notifier's
        earliest retry is due. Waits use the real clock whatever ``now``
        is."""
        deadline = time.monotonic() + self._conf.delivery_sweep_interval \
            if self._sweep else None
        while not self._stop.is_set():
            if self._wake.is_set():
                self._wake.clear()
                return
            remaining = None if deadline is None else \
                deadline - time.monotonic()
            until_retry = self._until_next_retry()
            if until_retry is not None:
                if until_retry <= 0:
                    return
                remaining = until_retry if remaining is None else \
                    min(remaining, until_retry)
            if remaining is not None and remaining <= 0:
                return
            self._wake.wait(remaining)

    def _until_next_retry(self) -> Optional[float]:
        """Seconds until this notifier's next retry (past ones are
        forgotten once reported as due; None: no retry)."""
        now = models.utcnow()
        with self._lock:
            if not self._retries:
                return None
            until = (self._retries[0] - now).total_seconds()
            if until <= 0:
                while self._retries and self._retries[0] <= now:
                    heapq.heappop(self._retries)
            return until
