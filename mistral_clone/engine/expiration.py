"""The execution expiration policy (``[execution_expiration_policy]``),
run by the engines as in Mistral 23.

Every ``evaluation_interval`` minutes (and when the engine starts) it
deletes the finished top-level workflow executions (SUCCESS, ERROR,
CANCELLED, less ``ignored_states``) last updated more than
``older_than`` minutes ago, then those beyond the latest
``max_finished_executions``, each with everything below it
(``db.execution_trees``). Sub-executions are never picked on their own:
they go with their top-level execution, as Mistral's cascade takes them.

Each batch (``batch_size``, 100 when 0) is one short transaction; several
engines may run the policy at once (``db.expired_executions``).
"""

import datetime
import logging
from typing import Optional

from mistral_clone import config
from mistral_clone import exceptions as exc
from mistral_clone.db import expired_executions as expired_db
from mistral_clone.db import models
from mistral_clone.engine import heartbeats

LOG = logging.getLogger(__name__)

DEFAULT_BATCH = 100


def check_config(conf=None) -> None:
    """Mistral's engine refuses to start with an ignored state that is not
    a finished one."""
    policy = (conf or config.CONF).execution_expiration_policy
    for state in policy.ignored_states:
        if state not in expired_db.FINISHED_STATES:
            raise exc.MistralError(
                "[execution_expiration_policy] ignored_states: %s is not a "
                "terminal state. The valid states are [%s]"
                % (state, ", ".join(expired_db.FINISHED_STATES)))


def _drain(stmt, batch_size: int) -> int:
    """Delete batches of what ``stmt`` selects until a batch is short."""
    deleted = 0
    while True:
        count = expired_db.delete_batch(stmt, batch_size)
        deleted += count
        if count < batch_size:
            return deleted


def run_once(conf=None, now: Optional[datetime.datetime] = None) -> int:
    """One pass of both rules until nothing is left; returns how many
    top-level executions were deleted."""
    policy = (conf or config.CONF).execution_expiration_policy
    batch_size = policy.batch_size or DEFAULT_BATCH
    deleted = 0
    if policy.older_than and policy.older_than >= 1:
        deleted += _drain(expired_db.expired(
            policy.ignored_states, (now or models.utcnow())
            - datetime.timedelta(minutes=policy.older_than)), batch_size)
    if policy.max_finished_executions and \
            policy.max_finished_executions >= 1:
        # Counted after the age rule: what it deleted is no longer kept.
        stmt = expired_db.superfluous(policy.ignored_states,
                                      policy.max_finished_executions)
        if stmt is not None:
            deleted += _drain(stmt, batch_size)
    if deleted:
        LOG.info("Expiration policy: %d finished execution(s) deleted",
                 deleted)
    return deleted


class ExpirationPolicy(heartbeats.PeriodicLook):
    name = "execution-expiration-policy"
    disabled_message = ("Expiration policy disabled: [execution_expiration_"
                        "policy] evaluation_interval is not set, or neither "
                        "older_than nor max_finished_executions is 1 or "
                        "more.")

    def enabled(self) -> bool:
        policy = self._conf.execution_expiration_policy
        return bool(policy.evaluation_interval) and (
            (policy.older_than or 0) >= 1
            or (policy.max_finished_executions or 0) >= 1)

    def first_delay(self) -> float:
        return 0.0

    def interval(self) -> float:
        return self._conf.execution_expiration_policy.evaluation_interval \
            * 60.0

    def look(self) -> bool:
        run_once(self._conf)
        return False
