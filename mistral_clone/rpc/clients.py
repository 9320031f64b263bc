"""RPC clients: how the API and the services ask the engine, the executor
and the notifier to act.

``EngineClient`` is the contract the REST API codes against. Its calls block
until the engine has committed (``call``); the engine's own wake-ups
(results, continuations) are fire-and-forget (``cast``). Errors raised by
the engine arrive as the same ``mistral_clone.exceptions`` class with the
same message, so the API answers 400/404 as the engine meant. A call
that gets no answer (timed out, or the broker could not be reached) raises
``exceptions.NoReplyError``: oslo.messaging's own errors never reach the
callers, nor their text the users.
"""

import logging
import threading
import traceback
from typing import Any, Optional

import oslo_messaging as messaging

from mistral_clone import config
from mistral_clone import effects
from mistral_clone import exceptions as exc
from mistral_clone.metrics import errors as error_metrics
from mistral_clone.rpc import deadline
from mistral_clone.rpc import serializer as rpc_serializer
from mistral_clone.rpc import transport

LOG = logging.getLogger(__name__)

# Reconnections to the broker a bounded client tries before a call gives
# up (oslo.messaging's default retries forever: a request would hang for
# as long as the broker is away).
BOUNDED_BROKER_RETRIES = 1
# What a bounded call may take beyond its reply timeout (to publish, to
# reconnect once) before its caller stops waiting.
DEADLINE_MARGIN_S = 2

_lock = threading.Lock()
_clients = {}

# Endpoints of this process by topic (``fake:/`` only): a call goes to its
# topic's endpoint here directly, its arguments, context and answer copied
# as a message would copy them. Through the fake driver it waited for the
# listener's next look, every 50 ms (a pause asked through the API took
# about 45 ms).
_local_endpoints = {}


def set_local_endpoint(topic: str, endpoint) -> None:
    """``endpoint`` answers this process's calls on ``topic`` (None: no
    longer)."""
    with _lock:
        if endpoint is None:
            _local_endpoints.pop(topic, None)
        else:
            _local_endpoints[topic] = endpoint


def local_endpoint(topic: str):
    return _local_endpoints.get(topic)


def _clean_error(error: exc.MistralError) -> exc.MistralError:
    """oslo.messaging rebuilds a remote error as a subclass named
    ``<Class>_Remote`` whose str() carries the remote traceback; give the
    caller the plain class and message instead."""
    for cls in type(error).__mro__:
        if cls.__module__ == exc.__name__:
            return cls(getattr(error, "message", str(error)))
    return error


class _Client:
    _topic: Optional[str] = None

    def __init__(self, topic: str, timeout: Optional[int] = None):
        """With ``timeout``, a bounded client: a call returns or fails
        within about that many seconds, whatever the broker does."""
        self._topic = topic
        self._client = transport.get_client(topic, timeout=timeout)
        # In-process messages never wait on a broker: only oslo.messaging's
        # own timeout is needed there.
        self._deadline = bool(timeout) and not transport.is_in_process()
        if timeout:
            self._client = self._client.prepare(
                retry=BOUNDED_BROKER_RETRIES)

    def _call(self, ctx, method: str, timeout: Optional[int] = None,
              **kwargs) -> Any:
        client = self._client.prepare(timeout=timeout) if timeout \
            else self._client
        effects.note_message()
        here = _local_endpoints.get(self._topic)
        if here is not None and transport.is_in_process():
            return _call_here(here, ctx, method, kwargs)
        try:
            if self._deadline:
                return deadline.call_within(
                    client.timeout + DEADLINE_MARGIN_S, client.call, ctx,
                    method, **kwargs)
            return client.call(ctx, method, **kwargs)
        except exc.MistralError as e:
            raise _clean_error(e) from None
        except (messaging.MessagingTimeout, deadline.DeadlineExceeded):
            LOG.warning("No answer to %s in time", method)
            error_metrics.rpc_error(method, error_metrics.TIMEOUT)
            raise exc.NoReplyError() from None
        except messaging.RemoteError:
            # The other side failed unexpectedly: not a lost reply.
            error_metrics.rpc_error(method, error_metrics.REMOTE)
            raise
        except messaging.MessagingException as e:
            # MessageDeliveryFailure: the broker could not be reached.
            LOG.warning("Could not send %s: %s", method, e)
            error_metrics.rpc_error(method, error_metrics.UNREACHABLE)
            raise exc.NoReplyError() from None

    def _cast(self, ctx, method: str, **kwargs) -> None:
        effects.note_message()
        try:
            self._client.cast(ctx, method, **kwargs)
        except messaging.MessagingException:
            error_metrics.rpc_error(method, error_metrics.UNREACHABLE)
            raise


_SERIALIZER = rpc_serializer.ContextSerializer()


def _call_here(endpoint, ctx, method: str, kwargs: dict) -> Any:
    """A call answered by ``endpoint`` in this thread, as the RPC server
    would answer it: the context and arguments copied through the
    serializer, an expected error raised as its own class, any other as
    ``RemoteError``, the answer copied back."""
    here_ctx = _SERIALIZER.deserialize_context(
        _SERIALIZER.serialize_context(ctx))
    args = {key: _SERIALIZER.deserialize_entity(
        here_ctx, _SERIALIZER.serialize_entity(ctx, value))
        for key, value in kwargs.items()}
    try:
        answer = getattr(endpoint, method)(here_ctx, **args)
    except messaging.ExpectedException as e:
        raise _clean_error(e.exc_info[1]) from None
    except exc.MistralError as e:
        raise _clean_error(e) from None
    except Exception as e:  # noqa: BLE001 - as the RPC server reports it
        error_metrics.rpc_error(method, error_metrics.REMOTE)
        raise messaging.RemoteError(type(e).__name__, str(e),
                                    traceback.format_exc()) from None
    return _SERIALIZER.deserialize_entity(
        ctx, _SERIALIZER.serialize_entity(here_ctx, answer))


# The key of ``start_action``'s answer that asks for a call with
# ``run_now``: the action runs synchronously, for as long as it takes.
RUN_NOW = "run_now"


class EngineClient(_Client):
    """Calls on the ``[engine] topic``."""

    def start_workflow(self, ctx, wf_identifier: str, wf_namespace: str = "",
                       wf_ex_id: Optional[str] = None,
                       wf_input: Optional[dict] = None,
                       description: str = "", **params) -> dict:
        return self._call(ctx, "start_workflow", wf_identifier=wf_identifier,
                          wf_namespace=wf_namespace or "", wf_ex_id=wf_ex_id,
                          wf_input=wf_input or {},
                          description=description or "", params=params)

    def start_action(self, ctx, action_name: str, action_input: dict,
                     description: Optional[str] = None, namespace: str = "",
                     action_ex_id: Optional[str] = None,
                     run_now: bool = True, **params) -> dict:
        """The action execution ``action_ex_id`` (a new id when None; the
        one of that id when it exists). With ``run_now`` false the engine
        answers at once (this client's reply timeout): the action
        execution when the action runs in the background, else only
        ``{RUN_NOW: True}``, asking for a second call with ``run_now``,
        which runs it and waits as long as RPC allows."""
        return self._call(ctx, "start_action", action_name=action_name,
                          action_input=action_input or {},
                          description=description, namespace=namespace or "",
                          params=params, action_ex_id=action_ex_id,
                          run_now=run_now,
                          timeout=_sync_timeout() if run_now else None)

    def on_action_complete(self, ctx, action_ex_id: str, result: dict,
                           wf_action: bool = False,
                           async_: bool = False) -> Optional[dict]:
        if async_:
            self._cast(ctx, "on_action_complete", action_ex_id=action_ex_id,
                       result=result, wf_action=wf_action)
            return None
        return self._call(ctx, "on_action_complete",
                          action_ex_id=action_ex_id, result=result,
                          wf_action=wf_action)

    def pause_workflow(self, ctx, wf_ex_id: str) -> dict:
        return self._call(ctx, "pause_workflow", wf_ex_id=wf_ex_id)

    def resume_workflow(self, ctx, wf_ex_id: str,
                        env: Optional[dict] = None) -> dict:
        return self._call(ctx, "resume_workflow", wf_ex_id=wf_ex_id, env=env)

    def stop_workflow(self, ctx, wf_ex_id: str, state: str,
                      message: Optional[str] = None) -> dict:
        return self._call(ctx, "stop_workflow", wf_ex_id=wf_ex_id,
                          state=state, message=message)

    def rerun_workflow(self, ctx, task_ex_id: str, reset: bool = True,
                       env: Optional[dict] = None) -> dict:
        return self._call(ctx, "rerun_workflow", task_ex_id=task_ex_id,
                          reset=reset, env=env)

    def skip_task(self, ctx, task_ex_id: str) -> dict:
        return self._call(ctx, "skip_task", task_ex_id=task_ex_id)

    # Wake-ups between services (no answer awaited).

    def report_action_results(self, ctx, results: list) -> None:
        """Results of executors' actions, several per message: dicts of
        ``action_ex_id``, ``result`` and ``wf_ex_id``; all of them ran with
        the message's context."""
        self._cast(ctx, "report_action_results", results=results)

    def still_running_actions(self, ctx, action_ex_ids: list,
                              timeout: Optional[int] = None) -> list:
        """Which of these action executions are still RUNNING: an
        executor's check that the results it sent were stored."""
        return self._call(ctx, "still_running_actions",
                          action_ex_ids=list(action_ex_ids), timeout=timeout)

    def report_subworkflow_result(self, ctx, wf_ex_id: str,
                                  parent_wf_ex_id: Optional[str] = None
                                  ) -> None:
        """Sub-workflow ``wf_ex_id`` ended (its parent execution, when the
        sender knows it)."""
        self._cast(ctx, "report_subworkflow_result", wf_ex_id=wf_ex_id,
                   parent_wf_ex_id=parent_wf_ex_id)

    def start_accepted(self, ctx, wf_ex_id: str) -> None:
        """The API accepted execution ``wf_ex_id``: run its first
        tasks."""
        self._cast(ctx, "start_accepted", wf_ex_id=wf_ex_id)

    def start_accepted_many(self, ctx, starts: list) -> None:
        """The API accepted these executions (``[execution id, caller's
        context on the wire]`` each): run their first tasks."""
        self._cast(ctx, "start_accepted_many", starts=starts)

    def continue_workflow(self, ctx, wf_ex_id: str) -> None:
        self._cast(ctx, "continue_workflow", wf_ex_id=wf_ex_id)

    def process_action_heartbeats(self, ctx, action_ex_ids: list) -> None:
        """An executor is still running these action executions."""
        self._cast(ctx, "process_action_heartbeats",
                   action_ex_ids=list(action_ex_ids))

    def on_subworkflow_update(self, ctx, wf_ex_id: str,
                              state: Optional[str]) -> None:
        """A sub-workflow paused or resumed (``state``; None: as it is
        when the message is handled): its task and parent follow."""
        self._cast(ctx, "on_subworkflow_update", wf_ex_id=wf_ex_id,
                   state=state)

    def on_action_update(self, ctx, action_ex_id: str, state: str) -> dict:
        """An async action set to PAUSED or RUNNING (no result yet)."""
        return self._call(ctx, "on_action_update",
                          action_ex_id=action_ex_id, state=state)


class ExecutorClient(_Client):
    """Calls on the ``[executor] topic``; with a ``server`` (a task's
    ``target``) only the executors listening under that name (their
    ``[executor] host``) receive them, as in Mistral."""

    def __init__(self, topic: str, server: Optional[str] = None):
        super().__init__(topic)
        self.topic = topic
        self.server = server
        if server:
            self._client = self._client.prepare(server=server)

    def run_action(self, ctx, action_ex_id: str, action_name: str,
                   action_input: dict, exec_ctx: dict,
                   reply: bool = True) -> None:
        """Run asynchronously; the result goes back to an engine."""
        self._cast(ctx, "run_action", action_ex_id=action_ex_id,
                   action_name=action_name, action_input=action_input,
                   exec_ctx=exec_ctx, reply=reply)

    def run_actions(self, ctx, actions: list) -> None:
        """``run_action`` for several actions (dicts of its arguments) in
        one message; each result goes back on its own."""
        self._cast(ctx, "run_actions", actions=actions)

    def run_action_sync(self, ctx, action_ex_id: Optional[str],
                        action_name: str, action_input: dict,
                        exec_ctx: dict) -> dict:
        """Run and wait: the result as ``{"data", "error", "cancel",
        "sync"}``."""
        return self._call(ctx, "run_action_sync", action_ex_id=action_ex_id,
                          action_name=action_name, action_input=action_input,
                          exec_ctx=exec_ctx, timeout=_sync_timeout())


class LivenessClient(_Client):
    """Casts on the engines' liveness topic (``liveness_topic``): the beats
    of the processes that run actions, served apart from the engine topic
    so that a backlog of results never delays them."""

    def beat(self, ctx, member_id: str, host: str, pid: int,
             accepted: list, first: bool) -> None:
        """``member_id`` is alive and accepted ``accepted`` (action
        execution ids) since its previous beat; ``first`` after its
        start."""
        self._cast(ctx, "member_beat", member_id=member_id, host=host,
                   pid=pid, accepted=list(accepted), first=first)

    def claim(self, ctx, member_id: str, host: str, pid: int,
              action_ex_ids: list, timeout: Optional[int] = None) -> list:
        """``member_id`` is about to start these action executions: which
        of them it may start (see ``engine.members.claim_actions``)."""
        return self._call(ctx, "member_claim", member_id=member_id,
                          host=host, pid=pid,
                          action_ex_ids=list(action_ex_ids), timeout=timeout)

    def goodbye(self, ctx, member_id: str, accepted: list,
                abandoned: list) -> None:
        """``member_id`` stops: ``abandoned`` (action execution ids) will
        never be reported by it."""
        self._cast(ctx, "member_goodbye", member_id=member_id,
                   accepted=list(accepted), abandoned=list(abandoned))


class NotifierClient(_Client):
    def deliver_pending(self, ctx) -> None:
        """Events were committed to the outbox: one notifier looks now."""
        self._cast(ctx, "deliver_pending")


class EventEngineClient(_Client):
    """Fanout casts on ``[event_engine] topic``: every event engine hears
    them."""

    def __init__(self, topic: str):
        super().__init__(topic)
        # A notice is a hint (event engines also re-read on their own):
        # give up on a broker that is away rather than hold the request.
        self._client = self._client.prepare(fanout=True,
                                            retry=BOUNDED_BROKER_RETRIES)

    def triggers_changed(self, ctx) -> None:
        """Event triggers were added, changed or deleted: re-read them."""
        try:
            self._cast(ctx, "triggers_changed")
        except messaging.MessagingException as e:
            LOG.warning("Could not tell the event engines that triggers "
                        "changed (they re-read them periodically): %s", e)


def _sync_timeout() -> int:
    # Synchronous actions may run long; wait as long as RPC allows.
    return max(int(getattr(config.CONF, "rpc_response_timeout", 60)), 60)


def _cached(key, factory):
    with _lock:
        client = _clients.get(key)
        if client is None:
            client = factory()
            _clients[key] = client
        return client


def get_engine_client(reply_timeout: Optional[int] = None
                      ) -> EngineClient:
    """With ``reply_timeout`` (seconds), a client whose calls wait that
    long at most for an answer, and give up on a broker that stays
    unreachable after one reconnection; without it, calls wait
    ``rpc_response_timeout`` and retry the broker for ever."""
    topic = config.CONF.engine.topic
    return _cached(("engine", transport.transport_url(), topic,
                    reply_timeout),
                   lambda: EngineClient(topic, timeout=reply_timeout))


def get_executor_client(target: Optional[str] = None) -> ExecutorClient:
    topic = config.CONF.executor.topic
    return _cached(("executor", transport.transport_url(), topic, target),
                   lambda: ExecutorClient(topic, target))


def liveness_topic(conf=None) -> str:
    """The topic the engines hear beats on, next to ``[engine] topic``."""
    return "%s_liveness" % (conf or config.CONF).engine.topic


def get_liveness_client() -> LivenessClient:
    topic = liveness_topic()
    return _cached(("liveness", transport.transport_url(), topic),
                   lambda: LivenessClient(topic))


def get_notifier_client() -> NotifierClient:
    topic = config.CONF.notifier.topic
    return _cached(("notifier", transport.transport_url(), topic),
                   lambda: NotifierClient(topic))


def get_event_engine_client() -> EventEngineClient:
    topic = config.CONF.event_engine.topic
    return _cached(("event_engine", transport.transport_url(), topic),
                   lambda: EventEngineClient(topic))


def cleanup() -> None:
    with _lock:
        _clients.clear()
    transport.cleanup()
