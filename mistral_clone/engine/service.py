"""The engine service: an RPC server on ``[engine] topic``; on start it
recovers work a previous run left half-done (see ``recovery``)."""

import logging

from mistral_clone import config
from mistral_clone.engine import recovery
from mistral_clone.engine.endpoint import EngineEndpoint
from mistral_clone.rpc import transport

LOG = logging.getLogger(__name__)


class EngineService:
    def __init__(self):
        conf = config.CONF.engine
        self.server = transport.get_server(conf.topic, conf.host,
                                           [EngineEndpoint()])

    def start(self, recover: bool = True) -> "EngineService":
        # ``[engine] rpc_workers`` threads, not oslo.messaging's 64: each
        # busy thread may hold a database connection.
        self.server.start(
            override_pool_size=config.CONF.engine.rpc_workers)
        if recover:
            try:
                recovery.recover()
            except Exception:  # noqa: BLE001 - never block the start
                LOG.exception("Recovery of running executions failed")
        return self

    def stop(self) -> None:
        self.server.stop()
        self.server.wait()


def start(recover: bool = True) -> EngineService:
    return EngineService().start(recover)
