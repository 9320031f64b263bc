"""Back-pressure on executors' results: an engine whose drainers fall
behind stops taking messages (``CompletionQueue.wait_for_room``,
``[engine] max_queued_results``), and a RabbitMQ consumer holds a bounded
number of unacknowledged messages (``transport.RABBIT_PREFETCH``), so a
backlog waits in the broker, not in one engine's memory."""

import threading

from oslo_config import cfg

from mistral_clone.engine import endpoint as endpoint_mod
from mistral_clone.rpc import transport
from mistral_clone.rpc.results import CompletionQueue
from tests.unit.engine.test_completions import _blocked_first_batch


def test_wait_for_room_holds_the_caller_until_the_drainer_takes_items():
    queue, batches, release, entered = _blocked_first_batch(max_batch=2)
    drainer = threading.Thread(target=queue.submit, args=("wf", "a"))
    drainer.start()
    assert entered.wait(5)
    queue.submit_many("wf", ["b", "c", "d"])    # waiting behind "a"
    assert queue.wait_for_room(4, timeout=0)     # 3 waiting: room
    assert not queue.wait_for_room(3, timeout=0.1)
    waiter_done = threading.Event()
    threading.Thread(target=lambda: queue.wait_for_room(3, 5) and
                     waiter_done.set()).start()
    assert not waiter_done.wait(0.2)
    release.set()                                # the drainer moves on
    assert waiter_done.wait(5)
    drainer.join(5)
    assert [item for batch in batches for item in batch["wf"]] == \
        ["a", "b", "c", "d"]
    assert queue.wait_for_room(1, timeout=0)


def test_queued_count_follows_items_in_and_out():
    seen = []
    queue = CompletionQueue(lambda batches: seen.append(dict(batches)))
    queue.submit_many("wf", [1, 2, 3])
    assert queue.wait_for_room(1, timeout=0)     # all handled
    assert seen == [{"wf": [1, 2, 3]}]


def test_rabbit_consumers_prefetch_a_bounded_number_unless_configured():
    conf = cfg.ConfigOpts()
    transport._bound_prefetch(conf, "rabbit://u:p@host:5672/vhost")
    assert conf.oslo_messaging_rabbit.rabbit_qos_prefetch_count == \
        transport.RABBIT_PREFETCH
    conf.set_override("rabbit_qos_prefetch_count", 7,
                      group="oslo_messaging_rabbit")
    transport._bound_prefetch(conf, "rabbit://u:p@host:5672/vhost")
    assert conf.oslo_messaging_rabbit.rabbit_qos_prefetch_count == 7
    fake = cfg.ConfigOpts()
    transport._bound_prefetch(fake, "fake:/")
    assert "oslo_messaging_rabbit" not in fake


class _RecordingQueue:
    def __init__(self, room):
        self.room = room
        self.calls = []

    def wait_for_room(self, limit, timeout):
        self.calls.append(("wait", limit, timeout))
        return self.room

    def submit_many_async(self, key, items):
        self.calls.append(("submit", key, len(items)))

    def pending(self):
        return 0


def _endpoint_with(queue):
    endpoint = endpoint_mod.EngineEndpoint.__new__(
        endpoint_mod.EngineEndpoint)                    # no RPC, no DB
    endpoint.completions = queue
    return endpoint


def test_an_engine_waits_for_room_before_queueing_results(conf):
    conf.set_override("max_queued_results", 3, "engine")
    queue = _RecordingQueue(room=True)
    _endpoint_with(queue).report_action_results(None, [
        {"action_ex_id": "a1", "wf_ex_id": "wf1", "result": {}},
        {"action_ex_id": "a2", "wf_ex_id": "wf1", "result": {}}])
    assert queue.calls == [("wait", 3, endpoint_mod.ROOM_WAIT_S),
                           ("submit", "wf1", 2)]
    # Past the wait they are queued anyway (nothing is dropped).
    late = _RecordingQueue(room=False)
    _endpoint_with(late).report_action_results(None, [
        {"action_ex_id": "a3", "wf_ex_id": "wf2", "result": {}}])
    assert late.calls[-1] == ("submit", "wf2", 1)
    # 0: no bound, no wait.
    conf.set_override("max_queued_results", 0, "engine")
    free = _RecordingQueue(room=False)
    _endpoint_with(free).report_action_results(None, [
        {"action_ex_id": "a4", "wf_ex_id": "wf3", "result": {}}])
    assert free.calls == [("submit", "wf3", 1)]
