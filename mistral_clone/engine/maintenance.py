"""Maintenance mode, the engines' half (the API's: ``services.maintenance``).

Every engine looks at the maintenance row each ``LOOK_INTERVAL_S``:

* PAUSING: it pauses every RUNNING workflow execution (top-level ones
  first: their sub-executions pause with them) through its own endpoint,
  as a user's pause would; once no task execution is RUNNING (their
  actions ended) it moves the mode to PAUSED, from PAUSING only, so one
  engine does it and a return to RUNNING meanwhile wins.
* RUNNING with ``resume_pending`` (set by the API's return to RUNNING): it
  resumes every PAUSED workflow execution (Mistral 23 resumes them all,
  not only those the maintenance paused), then clears the flag. Another
  engine doing the same finds them resumed: resuming is a no-op then.

Pauses and resumes go through the endpoint's steps, each in its own
transaction, so a crash halfway leaves the rest to the next look.
"""

import logging

from mistral_clone import context as mc_context
from mistral_clone import exceptions as exc
from mistral_clone.db import maintenance as maintenance_db
from mistral_clone.db import session as db_session
from mistral_clone.engine import heartbeats
from mistral_clone.engine import queries
from mistral_clone.engine import states

LOG = logging.getLogger(__name__)

LOOK_INTERVAL_S = 1.0

def _context(project_id: str):
    return mc_context.RequestContext(project_id=project_id, is_admin=True,
                                     roles=["admin"])


class Driver(heartbeats.PeriodicLook):
    """``endpoint``: the engine endpoint whose ``pause_workflow`` and
    ``resume_workflow`` it calls in this process."""

    name = "engine-maintenance"
    disabled_message = "Maintenance mode is not followed."

    def __init__(self, endpoint, conf=None):
        super().__init__(conf)
        self._endpoint = endpoint

    def enabled(self) -> bool:
        return True

    def first_delay(self) -> float:
        return 0.0

    def interval(self) -> float:
        return LOOK_INTERVAL_S

    def look(self) -> bool:
        with db_session.read_only() as session:
            status = maintenance_db.status(session)
            resume = maintenance_db.resume_pending(session)
        if status == maintenance_db.PAUSING:
            self.pause_all()
        elif status == maintenance_db.RUNNING and resume:
            self.resume_all()
        return False

    def pause_all(self) -> None:
        if not self._for_each(states.RUNNING, maintenance_db.PAUSING,
                              self._endpoint.pause_workflow, "pause"):
            return
        with db_session.transaction() as session:
            if queries.any_task_running(session) or \
                    queries.executions_in_state(session, states.RUNNING):
                return
            if maintenance_db.move(session, maintenance_db.PAUSING,
                                   maintenance_db.PAUSED):
                LOG.info("Maintenance: every execution is paused (PAUSED)")

    def resume_all(self) -> None:
        if not self._for_each(states.PAUSED, maintenance_db.RUNNING,
                              self._endpoint.resume_workflow, "resume"):
            return
        with db_session.transaction() as session:
            if maintenance_db.finish_resume(session):
                LOG.info("Maintenance: the paused executions are resumed")

    def _for_each(self, state: str, mode: str, method, verb: str) -> bool:
        """``method`` on every execution in ``state`` while the mode stays
        ``mode``; False when it changed meanwhile."""
        with db_session.read_only() as session:
            found = queries.executions_in_state(session, state)
        for wf_ex_id, project_id in found:
            if not self._still(mode):
                return False
            self._call(method, verb, wf_ex_id, project_id)
        return True

    @staticmethod
    def _still(status: str) -> bool:
        with db_session.read_only() as session:
            return maintenance_db.status(session) == status

    @staticmethod
    def _call(method, verb: str, wf_ex_id: str, project_id: str) -> None:
        try:
            method(_context(project_id), wf_ex_id)
        except exc.MistralError as e:
            # It ended or changed meanwhile: nothing to do.
            LOG.debug("Maintenance: cannot %s %s: %s", verb, wf_ex_id, e)
