"""The executor service: an RPC server on ``[executor] topic``.

It listens twice on that topic: under a unique server name (its share of
the topic's work) and under its ``[executor] host`` (the host name when
that is ``0.0.0.0``), the name a task's ``target:`` routes to, as in
Mistral.
"""

import logging
import socket

import oslo_messaging as messaging

from mistral_clone import config
from mistral_clone import work_counts
from mistral_clone.executor import endpoint as executor_endpoint
from mistral_clone.executor import heartbeats
from mistral_clone.executor import liveness
from mistral_clone.executor.endpoint import ExecutorEndpoint
from mistral_clone.metrics import queues
from mistral_clone.rpc import serializer as rpc_serializer
from mistral_clone.rpc import transport

LOG = logging.getLogger(__name__)


def target_name(host: str) -> str:
    """The server name tasks reach with ``target: <name>``."""
    return host if host and host != "0.0.0.0" else socket.gethostname()


ACTIONS_RUNNING = "mistral_executor_actions_running"
ACTIONS_WAITING = "mistral_executor_actions_waiting"
RESULTS_UNSENT = "mistral_executor_results_unsent"


class ExecutorService:
    def __init__(self, topic=None):
        conf = config.CONF.executor
        topic = topic or conf.topic
        self.topic = topic
        self.endpoint = ExecutorEndpoint(conf.workers)
        self.server = transport.get_server(topic, conf.host,
                                           [self.endpoint])
        self.target_server = messaging.get_rpc_server(
            transport.get_transport(),
            messaging.Target(topic=topic, server=target_name(conf.host)),
            [self.endpoint], executor="threading",
            serializer=rpc_serializer.ContextSerializer(),
            access_policy=messaging.DefaultRPCAccessPolicy)

    def start(self) -> "ExecutorService":
        # The RPC threads only hand run_action to the worker pool (or run
        # run_action_sync): as many as there are workers, not
        # oslo.messaging's 64 per server, each with its own stack.
        pool_size = max(8, config.CONF.executor.workers)
        self.server.start(override_pool_size=pool_size)
        self.target_server.start(override_pool_size=pool_size)
        if self.topic == config.CONF.executor.topic and \
                transport.is_in_process():
            executor_endpoint.set_local_executor(self.endpoint)
        heartbeats.start()
        liveness.start()
        self._watch_queues()
        return self

    def _watch_queues(self) -> None:
        queues.watch(ACTIONS_RUNNING,
                     "Actions this executor's workers are running.",
                     self.endpoint.running)
        queues.watch(ACTIONS_WAITING,
                     "Actions this executor accepted that wait for a free "
                     "worker.", self.endpoint.waiting)
        queues.watch(RESULTS_UNSENT,
                     "Results of finished actions waiting for their "
                     "message to an engine.", self.endpoint.unsent)

    def stop(self) -> None:
        queues.unwatch(ACTIONS_RUNNING, self.endpoint.running)
        queues.unwatch(ACTIONS_WAITING, self.endpoint.waiting)
        queues.unwatch(RESULTS_UNSENT, self.endpoint.unsent)
        if executor_endpoint.local_executor() is self.endpoint:
            executor_endpoint.set_local_executor(None)
        transport.stop_servers((self.server, self.target_server))
        # Heartbeats go on while the running actions finish.
        abandoned = self.endpoint.shutdown(
            config.CONF.graceful_shutdown_timeout or None)
        heartbeats.stop()
        liveness.stop(abandoned)
        LOG.info(work_counts.executor_summary())


def start(topic=None) -> ExecutorService:
    return ExecutorService(topic).start()
