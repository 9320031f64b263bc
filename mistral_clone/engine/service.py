"""The engine service: an RPC server on ``[engine] topic``, another on its
liveness topic for the beats of the processes that run actions; on start
it recovers work a previous run left half-done (see ``recovery``), and
while it runs it checks the action heartbeats (see ``heartbeats``) and the
executors' liveness (see ``members``)."""

import logging

from mistral_clone import config
from mistral_clone import exceptions as exc
from mistral_clone import work_counts
from mistral_clone.engine import accepting
from mistral_clone.engine import expiration
from mistral_clone.engine import heartbeats
from mistral_clone.engine import maintenance
from mistral_clone.engine import members
from mistral_clone.engine import recovery
from mistral_clone.engine import scheduler_watch
from mistral_clone.engine import start_lane
from mistral_clone.engine import step
from mistral_clone.engine.endpoint import EngineEndpoint
from mistral_clone.executor import heartbeats as executor_heartbeats
from mistral_clone.executor import liveness as executor_liveness
from mistral_clone.metrics import queues
from mistral_clone.rpc import clients
from mistral_clone.rpc import results as rpc_results
from mistral_clone.rpc import transport

LOG = logging.getLogger(__name__)


def check_config(conf=None) -> None:
    """Mistral's engine refuses a [yaql] set-up it cannot honour: output
    data left unconverted while the input is converted (frozen)."""
    conf = conf or config.CONF
    if conf.yaql.convert_input_data and not conf.yaql.convert_output_data:
        raise exc.MistralError(
            "The config property 'yaql.convert_output_data' is set to False "
            "so 'yaql.convert_input_data' must also be set to False.")


RESULTS_WAITING = "mistral_engine_results_waiting"
SENDS_WAITING = "mistral_engine_sends_waiting"


class EngineService:
    def __init__(self):
        check_config()
        expiration.check_config()
        conf = config.CONF.engine
        self.endpoint = EngineEndpoint()
        self.server = transport.get_server(conf.topic, conf.host,
                                           [self.endpoint])
        self.liveness_server = transport.get_server(
            clients.liveness_topic(), conf.host,
            [members.LivenessEndpoint()])
        self.checker = heartbeats.Checker()
        self.member_checker = members.Checker()
        self.sweeper = recovery.Sweeper()
        self.start_sweeper = accepting.Sweeper()
        self.maintenance = maintenance.Driver(self.endpoint)
        self.expiration = expiration.ExpirationPolicy()
        self.scheduler_watch = scheduler_watch.SchedulerWatch()

    def start(self, recover: bool = True) -> "EngineService":
        """``recover``: take over the work of dead processes (what a
        previous run left half-done, and the actions whose executors
        stopped sending heartbeats) and run the engines' periodic duties
        (maintenance mode, the expiration policy, the scheduler watch);
        off only in tests, whose database changes under the engine."""
        # ``[engine] rpc_workers`` threads, not oslo.messaging's 64: each
        # busy thread may hold a database connection.
        self.server.start(
            override_pool_size=config.CONF.engine.rpc_workers)
        if transport.is_in_process():
            clients.set_local_endpoint(config.CONF.engine.topic,
                                       self.endpoint)
        # A beat is one short UPDATE: a few threads keep up with hundreds
        # of executors.
        self.liveness_server.start(override_pool_size=4)
        # Actions this engine runs itself (inline, past a step's limit)
        # send heartbeats as an executor's do, and make it a member.
        executor_heartbeats.start()
        executor_liveness.start()
        self._watch_queues()
        try:
            members.register_this_process()
        except Exception as e:  # noqa: BLE001 - its first beat registers it
            LOG.warning("Cannot register this process's member: %s", e)
        if recover:
            self.checker.start()
            self.member_checker.start()
            try:
                recovery.recover()
                recovery.resend_child_updates()
            except Exception:  # noqa: BLE001 - never block the start
                LOG.exception("Recovery of running executions failed")
            self.sweeper.start()
            self.start_sweeper.start()
            self.maintenance.start()
            self.expiration.start()
            self.scheduler_watch.start()
        return self

    def _watch_queues(self) -> None:
        queues.watch(RESULTS_WAITING,
                     "Action results this engine received and has not "
                     "absorbed yet.", self.endpoint.completions.pending)
        queues.watch(SENDS_WAITING,
                     "Message sends of committed engine steps still "
                     "running in the background.", step.sending)

    def stop(self) -> None:
        queues.unwatch(RESULTS_WAITING, self.endpoint.completions.pending)
        queues.unwatch(SENDS_WAITING, step.sending)
        self.scheduler_watch.stop()
        self.expiration.stop()
        self.maintenance.stop()
        self.sweeper.stop()
        self.start_sweeper.stop()
        self.checker.stop()
        self.member_checker.stop()
        executor_heartbeats.stop()
        executor_liveness.stop()
        # A stopped engine takes no more results, not even in-process ones.
        if rpc_results.local_engine_queue() is self.endpoint.completions:
            rpc_results.set_local_engine_queue(None)
        if start_lane.local() is self.endpoint.starts:
            start_lane.set_local(None)
        if clients.local_endpoint(config.CONF.engine.topic) is \
                self.endpoint:
            clients.set_local_endpoint(config.CONF.engine.topic, None)
        transport.stop_servers((self.server, self.liveness_server))
        # Hints still queued are the sweep's (their start rows stay).
        self.endpoint.starts.stop(config.CONF.graceful_shutdown_timeout
                                  or None)
        # What it took stays its to finish: the results it acknowledged
        # (their senders count them delivered) and the messages of what
        # it committed, within the graceful shutdown time.
        timeout = config.CONF.graceful_shutdown_timeout or None
        if not self.endpoint.completions.wait_idle(timeout):
            LOG.warning("Stopping with %d action result(s) not handled",
                        self.endpoint.completions.pending())
        if not self.endpoint.aside.wait_idle(timeout):
            LOG.warning("Stopping with %d batch(es) of action results "
                        "waiting for a slow expression",
                        self.endpoint.aside.running())
        if not step.wait_sent(timeout):
            LOG.warning("Stopping with messages of committed steps unsent")
        LOG.info(work_counts.engine_summary())


def start(recover: bool = True) -> EngineService:
    return EngineService().start(recover)
