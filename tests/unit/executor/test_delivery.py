"""An executor keeps the results it sent until they are known stored, and
sends again those an engine lost."""

import pytest

from mistral_clone.executor import delivery
from mistral_clone.executor import heartbeats


class _Engines:
    def __init__(self):
        self.running = set()
        self.asked = []
        self.sent = []
        self.down = False

    def ask(self, ctx, ids):
        if self.down:
            raise TimeoutError("no engine answered")
        self.asked.append(sorted(ids))
        return [i for i in ids if i in self.running]

    def send(self, ctx, items):
        self.sent.append([i["action_ex_id"] for i in items])


class _Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def setup():
    engines, clock = _Engines(), _Clock()
    unconfirmed = delivery.Unconfirmed(engines.ask, engines.send, clock)
    yield engines, clock, unconfirmed
    unconfirmed.stop()
    for action_ex_id in unconfirmed.held():
        heartbeats.remove(action_ex_id)


def _item(action_ex_id, sync=True, error=None):
    return {"action_ex_id": action_ex_id, "wf_ex_id": "wf",
            "result": {"data": 1, "error": error, "sync": sync}}


def test_results_are_kept_and_beaten_until_stored(setup):
    engines, clock, unconfirmed = setup
    unconfirmed.sent(None, [_item("a1"), _item("a2")])
    assert unconfirmed.held() == ["a1", "a2"]
    assert {"a1", "a2"} <= set(heartbeats.running_ids())
    # Too young to ask about.
    assert unconfirmed.check_once() == 0 and engines.asked == []
    clock.now += delivery.FIRST_CHECK_S
    engines.running = {"a2"}            # a1 stored, a2 lost
    assert unconfirmed.check_once() == 1
    assert engines.sent == [["a2"]]
    assert unconfirmed.held() == ["a2"]
    assert "a1" not in heartbeats.running_ids()
    # Asked again later, after a longer wait; stored this time.
    clock.now += delivery.FIRST_CHECK_S
    assert unconfirmed.check_once() == 0 and len(engines.asked) == 1
    clock.now += delivery.FIRST_CHECK_S
    engines.running = set()
    unconfirmed.check_once()
    assert unconfirmed.held() == []
    assert "a2" not in heartbeats.running_ids()


def test_no_engine_answering_keeps_everything(setup):
    engines, clock, unconfirmed = setup
    unconfirmed.sent(None, [_item("b1")])
    clock.now += delivery.FIRST_CHECK_S
    engines.down = True
    assert unconfirmed.check_once() == 0
    assert unconfirmed.held() == ["b1"] and engines.sent == []


def test_first_answers_of_async_actions_are_not_kept(setup):
    _engines, _clock, unconfirmed = setup
    unconfirmed.sent(None, [_item("c1", sync=False),
                            _item("c2", sync=False, error="boom")])
    assert unconfirmed.held() == ["c2"]
