"""Continuing work that a crash left between a commit and the messages that
should have followed it.

* On start (``recover``): sub-workflows that finished while their parent
  task still runs have their result reported again.
* While an engine runs (``Sweeper``): the same for the sub-workflows that
  ended in the last moments, every ``[engine] recovery_interval`` seconds,
  so that another engine's death between its commit and its report costs
  seconds, not the time until some engine restarts. A report the parent
  already took counts once (the child carries a mark), so a report sent
  again while the first was still on its way does no harm.
* On start and in each sweep (``resend_child_updates``): a sub-workflow
  paused or resumed whose parent task did not follow (the message was lost
  with the engine that committed the change, or with the one that took
  it) is reported to its parent again. The parent follows its child's
  state as it is then, and a change it already followed changes nothing,
  so a message sent twice is applied once.

Action executions left RUNNING by a crash are not sent again here: their
executor may well be alive (only this engine restarted). When it is not,
its beats stop and the liveness checker (``engine.members``) runs them
again where the task says ``safe-rerun: true`` and fails them otherwise,
within seconds -- after a restart of the whole embedded process too, since
its executor died with it; Mistral's per-action heartbeat rules
(``engine.heartbeats``) remain for actions no process ever named.
"""

import datetime
import logging
from typing import Optional

from mistral_clone import context as mc_context
from mistral_clone.db import models
from mistral_clone.db import session as db_session
from mistral_clone.engine import heartbeats
from mistral_clone.engine import queries
from mistral_clone.rpc import clients

LOG = logging.getLogger(__name__)

# A child that ended less than this long ago is left to its own report,
# most likely still on its way.
GRACE_S = 5.0
# Each look goes back this much before the previous one's end: clocks of
# engines and database differ a little, and a commit may be slow to show.
OVERLAP_S = 60.0


def recover(updated_from: Optional[datetime.datetime] = None,
            updated_before: Optional[datetime.datetime] = None) -> int:
    """Report again the sub-workflows whose parent task still waits for
    them (those last updated in the range, when given); how many."""
    ctx = mc_context.admin_context()
    with db_session.read_only() as session:
        children = queries.completed_children_of_running_tasks(
            session, updated_from, updated_before)
    for child_id in children:
        LOG.info("Recovery: reporting sub-workflow %s again", child_id)
        clients.get_engine_client().report_subworkflow_result(ctx, child_id)
    return len(children)


def resend_child_updates() -> int:
    """Report again the pauses and resumes of sub-workflows that their
    parent task did not follow (changed at least ``GRACE_S`` ago); how
    many."""
    ctx = mc_context.admin_context()
    changed_before = models.utcnow() - datetime.timedelta(seconds=GRACE_S)
    with db_session.read_only() as session:
        children = queries.children_out_of_step(session, changed_before)
    for child_id in children:
        LOG.info("Recovery: reporting the pause or resume of sub-workflow "
                 "%s again", child_id)
        clients.get_engine_client().on_subworkflow_update(ctx, child_id,
                                                          None)
    return len(children)


class Sweeper(heartbeats.PeriodicLook):
    """The engine's thread that runs ``recover`` every ``[engine]
    recovery_interval`` seconds over the sub-workflows that ended since its
    previous look (0: never)."""

    name = "engine-recovery"
    disabled_message = "Periodic recovery is disabled."

    def enabled(self) -> bool:
        return self.interval() > 0

    def interval(self) -> float:
        return float(self._conf.engine.recovery_interval)

    def first_delay(self) -> float:
        return self.interval()

    def start(self) -> "Sweeper":
        # The look on start (``recover()``) covered what ended before.
        self._since = models.utcnow() - datetime.timedelta(seconds=GRACE_S)
        return super().start()

    def look(self) -> bool:
        until = models.utcnow() - datetime.timedelta(seconds=GRACE_S)
        recover(self._since - datetime.timedelta(seconds=OVERLAP_S), until)
        self._since = until
        resend_child_updates()
        return False
