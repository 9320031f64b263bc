"""One engine step: one DB transaction, then what it decided to send.

Messages (actions for the executors, wake-ups for other engines,
notifications) are queued on the step and sent only after the commit, so a
crash can lose a message but never announce a state that was not stored.
"""

import contextlib
import logging
from typing import Callable

import sqlalchemy as sa

from mistral_clone import exceptions as exc
from mistral_clone.db import models
from mistral_clone.db import session as db_session
from mistral_clone.engine.provider import DbDataProvider

LOG = logging.getLogger(__name__)


class Step:
    def __init__(self, session, ctx):
        self.session = session
        self.ctx = ctx
        self._after_commit = []
        self.provider = DbDataProvider(session)

    def after_commit(self, fn: Callable, *args, **kwargs) -> None:
        self._after_commit.append((fn, args, kwargs))

    def run_after_commit(self) -> None:
        for fn, args, kwargs in self._after_commit:
            try:
                fn(*args, **kwargs)
            except Exception:  # noqa: BLE001 - the state is committed
                LOG.exception("Post-commit operation %s failed", fn)


@contextlib.contextmanager
def step(ctx):
    """A step in one transaction; the post-commit queue runs after it."""
    with db_session.transaction() as session:
        current = Step(session, ctx)
        yield current
    current.run_after_commit()


def lock_workflow(session, wf_ex_id: str) -> models.WorkflowExecution:
    """The workflow execution row, locked for this transaction
    (``SELECT ... FOR UPDATE``; SQLite's write transaction is exclusive)."""
    stmt = sa.select(models.WorkflowExecution).where(
        models.WorkflowExecution.id == wf_ex_id
    ).with_for_update().execution_options(populate_existing=True)
    wf_ex = session.execute(stmt).scalars().first()
    if wf_ex is None:
        raise exc.NotFoundError(
            "WorkflowExecution not found [id=%s]" % wf_ex_id)
    return wf_ex
