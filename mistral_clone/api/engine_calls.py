"""The API's calls to the engine, each waiting a bounded time.

A request that asks the engine to act waits at most ``[api]
engine_reply_timeout`` seconds for its answer. No answer
(``exceptions.NoReplyError``: the engine died or is stuck, or the broker is
away) does not say whether the engine acted: the message may be lost, or
may still be handled later. So, where the outcome is in the database, the
API reads it and answers with it as if the engine had; otherwise it answers
503 (``ServiceUnavailableError``, to which the API adds ``Retry-After``)
with a short message saying what to do, never a 500 after the RPC timeout.

Starting an execution waits for no engine: the API writes it and an
engine picks it up (``engine.accepting``). Starting a stand-alone action
is idempotent by its id (the engine returns the action execution of an
id it already has), and the API always sends an id, its own when the
client gave none. So after no answer the API looks that id up, sends the
start once more when it is not there, and only then answers 503 naming
the id to retry with: a client that retries with it gets exactly one.
"""

import logging
from typing import Callable, Optional

from mistral_clone import exceptions as exc
from mistral_clone.config import CONF
from mistral_clone.db import models
from mistral_clone.engine import accepting
from mistral_clone.rpc import clients as rpc
from mistral_clone.services import action_executions as ax_service
from mistral_clone.services import executions as ex_service

LOG = logging.getLogger(__name__)

# Sends of one start before the API answers 503.
START_SENDS = 2


def engine() -> rpc.EngineClient:
    """The engine client whose calls wait ``engine_reply_timeout``."""
    return rpc.get_engine_client(
        reply_timeout=CONF.api.engine_reply_timeout)


def new_execution_id() -> str:
    """The id the API gives an execution the client did not name: the
    database's default id (a UUID, as Mistral's ids are)."""
    return models.new_id()


def created_execution(ctx, ex_id: str) -> Optional[dict]:
    """The execution ``ex_id`` as a create answers with it, or None."""
    found = ex_service.find_execution(ctx, ex_id)
    if found is not None:
        found.pop("published_global", None)
    return found


def start_workflow(ctx, ex_id: str, definition, wf_input: dict,
                   description: str, params: dict) -> dict:
    """The execution ``ex_id`` of the workflow definition that
    ``definition(session)`` reads, accepted: written RUNNING, its first
    tasks left to an engine (``engine.accepting``), so the answer waits
    for no engine."""
    return accepting.accept(ctx, definition, ex_id, wf_input, description,
                            params)


def created_action(ctx, action_ex_id: str) -> Optional[dict]:
    """The action execution ``action_ex_id`` as a create answers with it,
    or None."""
    try:
        return ax_service.get_action_execution(ctx, action_ex_id)
    except exc.NotFoundError:
        return None


def start_action(ctx, action_ex_id: str, action_name: str,
                 action_input: dict, description: Optional[str],
                 namespace: str, params: dict) -> dict:
    """``POST /v2/action_executions``: the action execution started in the
    background, or the outcome of the action run now.

    The first call (sent at most twice, as a start of an execution is)
    waits ``engine_reply_timeout``: an engine answers it at once, with the
    action execution ``action_ex_id`` when the action runs in the
    background, or asking for a call that runs it now; only that one waits
    as long as the action may take."""
    def call(run_now: bool) -> dict:
        return engine().start_action(
            ctx, action_name, action_input, description=description,
            namespace=namespace, action_ex_id=action_ex_id,
            run_now=run_now, **params)

    for attempt in range(1, START_SENDS + 1):
        try:
            values = call(run_now=False)
            break
        except exc.NoReplyError:
            LOG.warning("No engine answered the start of action execution "
                        "%s (send %d of %d)", action_ex_id, attempt,
                        START_SENDS)
        found = created_action(ctx, action_ex_id)
        if found is not None:
            return found
    else:
        raise exc.ServiceUnavailableError(
            "No engine answered in time; action %s was not started yet. "
            "Send this request again with \"id\": \"%s\" to get exactly "
            "one action execution." % (action_name, action_ex_id))
    if not values.get(rpc.RUN_NOW):
        return values
    try:
        return call(run_now=True)
    except exc.NoReplyError:
        found = created_action(ctx, action_ex_id)
        if found is not None:
            return found
    raise exc.ServiceUnavailableError(
        "No engine answered in time; action %s may have run or be running. "
        "Check GET /v2/action_executions before sending this request "
        "again." % action_name)


def call_or_read(call: Callable[[], dict],
                 outcome: Callable[[], Optional[dict]],
                 unanswered: str) -> dict:
    """``call()``'s answer; when no engine answered, ``outcome()`` (the
    result read from the database, or None while it is not there), else
    a 503 saying ``unanswered``."""
    try:
        return call()
    except exc.NoReplyError:
        LOG.warning("No engine answer: %s", unanswered)
    result = outcome()
    if result is not None:
        return result
    raise exc.ServiceUnavailableError(unanswered)
