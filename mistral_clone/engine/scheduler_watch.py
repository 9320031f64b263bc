"""A warning from the engines when durable timers or cron triggers are
overdue and no scheduler took them: without a scheduler service, retries
with a delay, wait-before/after, timeouts and cron triggers never fire and
their executions stay RUNNING silently.

Every engine looks every ``interval()`` seconds for timers due more than
``[engine] overdue_timer_warning`` seconds ago and still unclaimed (and
cron triggers as late, when ``[cron_trigger] enabled`` and the cluster is
not in maintenance) and logs one warning per look that finds some."""

import datetime
import logging

from mistral_clone.db import maintenance as maintenance_db
from mistral_clone.db import models
from mistral_clone.db import session as db_session
from mistral_clone.engine import heartbeats
from mistral_clone.engine import queries

LOG = logging.getLogger(__name__)

MAX_INTERVAL_S = 30.0

HINT = ("no scheduler service has taken them: is one running "
        "(mistral-clone-server --server scheduler, or --server all)?")


class SchedulerWatch(heartbeats.PeriodicLook):
    name = "scheduler-watch"
    disabled_message = "Overdue timers are not watched."

    def _grace(self) -> float:
        return float(self._conf.engine.overdue_timer_warning)

    def enabled(self) -> bool:
        return self._grace() > 0

    def interval(self) -> float:
        return min(MAX_INTERVAL_S, max(1.0, self._grace() / 2))

    def first_delay(self) -> float:
        return self.interval()

    def look(self) -> bool:
        now = models.utcnow()
        late = now - datetime.timedelta(seconds=self._grace())
        with db_session.read_only() as session:
            count, earliest = queries.unclaimed_timers_due_before(
                session, late)
            if count:
                LOG.warning(
                    "%d timer(s) (wait-before/after, retry delays, "
                    "timeouts) are overdue by up to %d s and %s", count,
                    (now - earliest).total_seconds(), HINT)
            if not self._conf.cron_trigger.enabled or \
                    maintenance_db.status(session) != maintenance_db.RUNNING:
                return False
            count, earliest = queries.cron_triggers_due_before(session, late)
            if count:
                LOG.warning("%d cron trigger(s) are overdue by up to %d s "
                            "and %s", count,
                            (now - earliest).total_seconds(), HINT)
        return False
