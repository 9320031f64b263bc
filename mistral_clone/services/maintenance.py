"""Maintenance mode, the API's half (``PUT /maintenance``).

As in Mistral 23: PAUSED is asked for and PAUSING is answered at once;
the engines then pause every running execution and, once no task is
RUNNING any more, set PAUSED (``engine.maintenance``). RUNNING is set at
once, and the engines resume the paused executions. While the mode is
not RUNNING the API refuses writes with 423 (``api.maintenance_hook``)
and the scheduler fires no cron trigger.
"""

import logging
from mistral_clone import exceptions as exc
from mistral_clone.db import maintenance as maintenance_db
from mistral_clone.db import session as db_session

LOG = logging.getLogger(__name__)


def current_status() -> str:
    with db_session.read_only() as session:
        return maintenance_db.status(session)


def change_mode(new_status) -> str:
    """Ask for ``new_status``; returns the status now in force (PAUSING
    for PAUSED, unless it was PAUSED already). Anything else is refused
    with Mistral's message, which shows the value as Python prints it
    (``None``, WSME's ``Unset``)."""
    if new_status not in maintenance_db.ALL:
        raise exc.InputError(
            "Not found %s maintenance state. List of states: %s"
            % (new_status, list(maintenance_db.ALL)))
    if new_status == maintenance_db.PAUSING:
        raise exc.InputError(
            "PAUSING is intermediate state. Consider PAUSED, RUNNING as new "
            "state")
    with db_session.transaction() as session:
        row = maintenance_db.lock(session)
        current = row.status
        if current == new_status:
            return current
        if new_status == maintenance_db.PAUSED:
            if current == maintenance_db.PAUSING:
                return current
            maintenance_db.move(session, current, maintenance_db.PAUSING,
                                resume_pending=False)
            LOG.info("Maintenance: pausing every running execution")
            return maintenance_db.PAUSING
        maintenance_db.move(session, current, maintenance_db.RUNNING,
                            resume_pending=True)
        LOG.info("Maintenance: leaving, resuming the paused executions")
        return maintenance_db.RUNNING
