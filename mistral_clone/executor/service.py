"""The executor service: an RPC server on ``[executor] topic``."""

import logging

from mistral_clone import config
from mistral_clone.executor.endpoint import ExecutorEndpoint
from mistral_clone.rpc import transport

LOG = logging.getLogger(__name__)


class ExecutorService:
    def __init__(self, topic=None):
        conf = config.CONF.executor
        self.endpoint = ExecutorEndpoint(conf.workers)
        self.server = transport.get_server(topic or conf.topic, conf.host,
                                           [self.endpoint])

    def start(self) -> "ExecutorService":
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()
        self.server.wait()
        self.endpoint.shutdown()


def start(topic=None) -> ExecutorService:
    return ExecutorService(topic).start()
