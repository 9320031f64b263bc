"""Deleting a trigger's Keystone trust, durably.

The transaction that deletes a trigger also writes a delayed call that
deletes its trust (``owe``). The deleter then deletes the trust at once and
removes the call (``delete_now``); when Keystone does not answer, or the
deleter dies first, a scheduler runs the call later, and again until
Keystone answers. So a trust never outlives its trigger for good, and
never blocks the trigger's deletion.

A one-shot cron trigger (or its last run) is deleted when that run is
claimed, but the execution it starts runs with a token of the trust, and
deleting a trust revokes its tokens: that deletion waits for the execution
to finish (``after_execution``), and, while the execution does not exist
yet, for the start still owed under ``pending_key`` (the trigger's id, see
``scheduler.cron``).
"""

import logging
from typing import Optional

import sqlalchemy as sa

from mistral_clone import keystone_trusts
from mistral_clone.db import models
from mistral_clone.db import session as db_session
from mistral_clone.scheduler import calls

LOG = logging.getLogger(__name__)

DELETE_OWED = "mistral_clone.scheduler.trust_deletion.delete_owed"
# An owed deletion runs this long after its commit unless the deleter did
# it meanwhile; then every RETRY_DELAY_S while Keystone does not answer.
OWED_DELAY_S = 30.0
RETRY_DELAY_S = 30.0
# How often a deletion that waits for an execution looks at it again.
EXECUTION_POLL_S = 10.0

FINISHED_STATES = ("SUCCESS", "ERROR", "CANCELLED")


def owe(session, trust_id: str, after_execution: Optional[str] = None,
        pending_key: Optional[str] = None,
        delay: float = OWED_DELAY_S) -> str:
    """In the transaction that deletes the trigger: the call that deletes
    ``trust_id`` (after the execution ``after_execution`` finished, if
    given); its id."""
    return calls.schedule_call(
        session, DELETE_OWED, delay, key=trust_id, trust_id=trust_id,
        after_execution=after_execution, pending_key=pending_key)


def delete_now(trust_id: str, owed_call_id: str) -> None:
    """After the commit that owes it: delete the trust and remove the owed
    call; when Keystone does not answer the call stays, for a scheduler."""
    try:
        keystone_trusts.shared().delete(trust_id)
    except Exception as e:  # noqa: BLE001 - the trigger is gone already
        LOG.warning("%s; a scheduler will try again", e)
        return
    with db_session.transaction() as session:
        calls.delete_call(session, owed_call_id)


def _still_used(session, wf_ex_id: str, pending_key: Optional[str]) -> bool:
    """The execution runs, or its start is still owed."""
    state = session.execute(
        sa.select(models.WorkflowExecution.state)
        .where(models.WorkflowExecution.id == wf_ex_id)).scalar()
    if state is not None:
        return state not in FINISHED_STATES
    if not pending_key:
        return False
    return session.execute(
        sa.select(sa.func.count()).select_from(models.DelayedCall)
        .where(models.DelayedCall.key == pending_key)).scalar() > 0


def delete_owed(trust_id: str, after_execution: Optional[str] = None,
                pending_key: Optional[str] = None) -> None:
    """The delayed call ``DELETE_OWED``."""
    delay = None
    if after_execution:
        with db_session.read_only() as session:
            if _still_used(session, after_execution, pending_key):
                delay = EXECUTION_POLL_S
    if delay is None:
        try:
            keystone_trusts.shared().delete(trust_id)
            return
        except keystone_trusts.TRANSIENT as e:
            LOG.warning("%s; trying again in %ss", e, RETRY_DELAY_S)
            delay = RETRY_DELAY_S
    with db_session.transaction() as session:
        owe(session, trust_id, after_execution, pending_key, delay)
