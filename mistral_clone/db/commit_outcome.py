"""Whether a commit that lost its connection was stored.

A connection that dies while COMMIT is on its way leaves the outcome
unknown to the client: the server may have committed and only the answer
was lost. Running the transaction again is then harmless for the data
(every step is guarded by row locks and states) but not for what was to
follow the commit: the messages queued for after it (an action for an
executor) would never leave, and the work would wait for ever. So before
a write transaction commits on PostgreSQL its transaction id is taken
(one short query), and when the commit fails for a transient reason the
server is asked, once it answers again, what became of that id.
"""

import logging
import time
from typing import Optional

import sqlalchemy as sa

from mistral_clone.db import retry

LOG = logging.getLogger(__name__)

# How long an outcome may stay "in progress" (the server has not noticed
# the lost connection yet) before the commit counts as lost.
_IN_PROGRESS_WAIT_S = 30.0
_IN_PROGRESS_POLL_S = 0.1


def transaction_id(session) -> Optional[int]:
    """The id of the session's transaction, None when it wrote nothing
    (nothing to lose then). Pending changes are flushed first (the commit
    would flush them anyway): they are what gives it an id. Through the
    session, so that rows queued to go out before its next statement
    (``engine.rows``) are written first too."""
    session.flush()
    return session.execute(
        sa.text("SELECT txid_current_if_assigned()")).scalar()


def was_committed(engine, xact_id: int) -> bool:
    """Did transaction ``xact_id`` commit? Waits for the database to
    answer (``retry.call``)."""
    deadline = time.monotonic() + _IN_PROGRESS_WAIT_S
    while True:
        status = retry.call(_status_of, engine, xact_id)
        if status != "in progress" or time.monotonic() > deadline:
            LOG.warning("A commit lost its connection; transaction %s was "
                        "%s", xact_id, status)
            return status == "committed"
        time.sleep(_IN_PROGRESS_POLL_S)


def _status_of(engine, xact_id: int) -> Optional[str]:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT txid_status(:xact_id)"),
                            {"xact_id": xact_id}).scalar()
