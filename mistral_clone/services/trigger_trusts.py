"""The trust of a trigger being created (auth on): made from the caller
before the row is written, deleted again when the row is not written, so
that a failed create leaves neither a row nor a trust behind."""

import contextlib
import logging
from typing import Iterator, Optional

from mistral_clone import keystone_trusts
from mistral_clone.db import session as db_session
from mistral_clone.scheduler import trust_deletion

LOG = logging.getLogger(__name__)


@contextlib.contextmanager
def new_trust(ctx) -> Iterator[Optional[str]]:
    """The id of a new trust from ``ctx``'s caller to the service user
    (None with auth off: no trust, as in Mistral). A Keystone refusal is
    the create's error (``keystone_trusts``' 401/403/503)."""
    if not keystone_trusts.enabled():
        yield None
        return
    trust_id = keystone_trusts.shared().create(ctx)
    try:
        yield trust_id
    except BaseException:
        _delete_unused(trust_id)
        raise


def _delete_unused(trust_id: str) -> None:
    try:
        with db_session.transaction() as session:
            owed = trust_deletion.owe(session, trust_id)
    except Exception:  # noqa: BLE001 - the create's own error matters more
        LOG.exception("Could not record the deletion of unused trust %s; "
                      "deleting it now", trust_id)
        owed = None
    if owed:
        trust_deletion.delete_now(trust_id, owed)
        return
    try:
        keystone_trusts.shared().delete(trust_id)
    except Exception:  # noqa: BLE001
        LOG.exception("Could not delete unused trust %s", trust_id)
