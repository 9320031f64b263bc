"""``mistral-clone-server --server event-engine``: starts the workflows of
event triggers when their notifications arrive.

One thread keeps the listeners in step with the triggers: it re-reads them
when the API says they changed (a fanout message on ``[event_engine]
topic``) and every ``reload_interval`` seconds in case such a message was
lost, and otherwise sleeps in a blocking wait. Notifications are handled
in the listeners' own threads as they arrive: an idle event engine uses no
CPU (Mistral's polls a queue without pause).

Exactly once: the event engines share one queue per (exchange, topic), so
each notification reaches one of them; it is acknowledged after its
workflows were started (or failed for good), and the execution ids derive
from the message id, so a redelivered notification cannot start a second
execution. When the engine does not answer, the notification is handed
back to the broker and tried again.
"""

import logging
import threading
from typing import Callable, Optional

import oslo_messaging as messaging
import sqlalchemy as sa

from mistral_clone import config
from mistral_clone import exceptions as exc
from mistral_clone import keystone_trusts
from mistral_clone.db import maintenance as maintenance_db
from mistral_clone.db import models
from mistral_clone.db import retry
from mistral_clone.db import session as db_session
from mistral_clone.event_engine import definitions
from mistral_clone.event_engine import listeners
from mistral_clone.event_engine import matching
from mistral_clone.metrics import timers as timer_metrics
from mistral_clone.rpc import clients
from mistral_clone.rpc import transport

LOG = logging.getLogger(__name__)

# Seconds before a notification whose start got no answer goes back to the
# broker (so that an engine outage is not a hot loop of redeliveries).
REQUEUE_DELAY_S = 1.0
# Seconds before a failed re-read of the triggers is tried again.
RELOAD_RETRY_S = 2.0


def read_triggers(session) -> matching.TriggerTable:
    """Every event trigger of every project, with its workflow's
    namespace."""
    trigger = models.EventTrigger
    stmt = (sa.select(trigger, models.WorkflowDefinition.namespace)
            .join(models.WorkflowDefinition,
                  models.WorkflowDefinition.id == trigger.workflow_id))
    return matching.TriggerTable(
        matching.Trigger(
            id=row.id, name=row.name, project_id=row.project_id,
            scope=row.scope, exchange=row.exchange, topic=row.topic,
            event=row.event, workflow_id=row.workflow_id,
            workflow_namespace=namespace or "",
            workflow_input=dict(row.workflow_input or {}),
            workflow_params=dict(row.workflow_params or {}),
            trust_id=row.trust_id)
        for row, namespace in session.execute(stmt).all())


def _engine_start_workflow(ctx, **kwargs):
    return clients.get_engine_client().start_workflow(ctx, **kwargs)


class EventEngine:
    """``start_workflow`` (the engine client's signature) and
    ``converter`` are injectable for tests."""

    def __init__(self, conf=None, start_workflow: Optional[Callable] = None,
                 converter: Optional[definitions.EventConverter] = None):
        self._conf = conf or config.CONF
        self._start_workflow = start_workflow or _engine_start_workflow
        self._converter = converter or definitions.load(
            self._conf.event_engine.event_definitions_cfg_file)
        self._table = matching.TriggerTable()
        self._listeners = listeners.Listeners(
            self.handle, self._conf.event_engine.listener_pool_name)
        self._stop = threading.Event()
        self._changed = threading.Event()
        self._thread: Optional[threading.Thread] = None
        # Set after each re-read: tests wait for a change to take effect.
        self.reloads = 0

    # Triggers and listeners.

    def reload(self) -> None:
        """Re-read the triggers; start and stop listeners to match."""
        with db_session.read_only() as session:
            table = read_triggers(session)
        if table != self._table:
            LOG.info("Event triggers changed: %d trigger(s) on %d "
                     "exchange/topic pair(s)", len(table),
                     len(table.listened()))
        self._table = table
        self._listeners.sync(table.listened())
        self.reloads += 1

    def triggers_changed(self) -> None:
        """The API changed the triggers: re-read them now."""
        self._changed.set()

    def _reload_loop(self) -> None:
        interval = self._conf.event_engine.reload_interval
        while not self._stop.is_set():
            self._changed.clear()
            try:
                self.reload()
                delay = interval
            except Exception:  # noqa: BLE001 - the next round may pass
                retry.log_failed_round(LOG, "Reading event triggers failed")
                delay = min(interval, RELOAD_RETRY_S)
            self._changed.wait(delay)

    # Notifications.

    def handle(self, exchange: str, topic: str, ctxt, publisher_id: str,
               event_type: str, payload, metadata) -> bool:
        """Start the workflows this notification fires. False (deliver it
        again) when the engine did not answer."""
        metadata = metadata or {}
        fired = matching.triggers_to_fire(
            self._table, exchange, topic, event_type, ctxt,
            self._conf.pecan.auth_enable)
        if not fired:
            return True
        if _in_maintenance():
            # As Mistral: a notification that comes while the cluster is in
            # (or entering) maintenance starts nothing, and is not kept.
            LOG.info("In maintenance mode: event %s on %s/%s starts no "
                     "workflow", event_type, exchange, topic)
            return True
        # One line for each notification taken: which message started
        # (or, handled again, found) which executions can be traced.
        LOG.info("Event %s (message %s) on %s/%s fires %d trigger(s)",
                 event_type, metadata.get("message_id"), exchange, topic,
                 len(fired))
        event = matching.event_of(ctxt, publisher_id, event_type, payload,
                                  metadata)
        try:
            event_params = self._converter.convert(event_type, event)
        except exc.MistralError as e:
            LOG.error("Event %s (message %s) not converted, no workflow "
                      "started: %s", event_type, metadata.get("message_id"),
                      e)
            return True
        answered = True
        for trigger in fired:
            if not self._fire(trigger, metadata.get("message_id"),
                              event_params):
                answered = False
        if not answered:
            self._stop.wait(REQUEUE_DELAY_S)
        return answered

    def _fire(self, trigger: matching.Trigger, message_id,
              event_params) -> bool:
        try:
            ctx = keystone_trusts.firing_context(trigger.trust_id,
                                                 trigger.project_id)
            self._start_workflow(
                ctx, wf_identifier=trigger.workflow_id,
                wf_namespace=trigger.workflow_namespace,
                wf_ex_id=matching.execution_id(message_id, trigger),
                wf_input=trigger.workflow_input,
                description=matching.description(trigger),
                **matching.workflow_params(trigger, event_params))
        except exc.NoReplyError:
            LOG.warning("No answer from the engine for event trigger %s: "
                        "the notification will be handled again",
                        trigger.id)
            return False
        except keystone_trusts.KeystoneUnavailableError as e:
            LOG.warning("No token for event trigger %s (%s): the "
                        "notification will be handled again", trigger.id, e)
            return False
        except Exception as e:  # noqa: BLE001 - one trigger, not the others
            LOG.error("Failed to process event trigger %s: %s", trigger.id,
                      e)
            timer_metrics.event_trigger_fired(failed=True)
            return True
        timer_metrics.event_trigger_fired()
        return True

    # Life cycle.

    def start(self) -> "EventEngine":
        self._thread = threading.Thread(target=self._reload_loop,
                                        name="event-engine-reload",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        self._changed.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._listeners.stop_all()


class EventEngineEndpoint:
    """The RPC methods on ``[event_engine] topic`` (fanout casts)."""

    target = messaging.Target(version="1.0")

    def __init__(self, event_engine: EventEngine):
        self._event_engine = event_engine

    def triggers_changed(self, ctx):
        self._event_engine.triggers_changed()


class EventEngineService:
    def __init__(self):
        conf = config.CONF.event_engine
        self.event_engine = EventEngine()
        self.server = transport.get_server(
            conf.topic, conf.host, [EventEngineEndpoint(self.event_engine)])

    def start(self) -> "EventEngineService":
        self.event_engine.start()
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()
        self.server.wait()
        self.event_engine.stop()


def start() -> EventEngineService:
    return EventEngineService().start()


def _in_maintenance() -> bool:
    def read():
        with db_session.read_only() as session:
            return maintenance_db.status(session) in \
                maintenance_db.IN_MAINTENANCE
    return retry.call(read)
