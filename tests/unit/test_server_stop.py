"""How ``mistral-clone-server`` stops its services and RPC servers: the
slow stops (seconds each on RabbitMQ) run together where nothing depends
on their order."""

import threading

from mistral_clone.cmd import server
from mistral_clone.rpc import transport


class Recorded:
    """A service (or RPC server) whose stop waits at ``barrier`` (None:
    does not wait) and notes when it ran."""

    def __init__(self, name, log, barrier=None):
        self.name, self.log, self.barrier = name, log, barrier

    def stop(self):
        if self.barrier is not None:
            self.barrier.wait(10)  # broken unless all arrive together
        self.log.append(("stop", self.name))

    def wait(self):
        self.log.append(("wait", self.name))


def test_every_service_has_its_stop_tier():
    names = [name for tier in server.STOP_TIERS for name in tier]
    assert sorted(names) == sorted(server.SERVICES)


def test_services_stop_in_tiers_the_independent_ones_together():
    log = []
    together = threading.Barrier(3)
    started = [(name, Recorded(name, log, together if name in (
        "event-engine", "notifier", "scheduler") else None))
        for name in server.ORDER]
    server.stop_services(started)
    order = [name for _, name in log]
    assert order[0] == "api"
    assert sorted(order[1:4]) == ["event-engine", "notifier", "scheduler"]
    assert order[4:] == ["executor", "engine"]


def test_a_failing_stop_does_not_keep_the_others_running():
    log = []

    class Failing(Recorded):
        def stop(self):
            raise RuntimeError("broken")

    server.stop_services([("engine", Recorded("engine", log)),
                          ("notifier", Failing("notifier", log)),
                          ("scheduler", Recorded("scheduler", log))])
    assert [name for _, name in log] == ["scheduler", "engine"]


def test_rpc_servers_stop_together_then_wait():
    log = []
    together = threading.Barrier(3)
    transport.stop_servers([Recorded(n, log, together) for n in "abc"])
    assert sorted(log[:3]) == [("stop", "a"), ("stop", "b"), ("stop", "c")]
    assert log[3:] == [("wait", "a"), ("wait", "b"), ("wait", "c")]
