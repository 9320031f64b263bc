"""Action heartbeats: what the checker decides for late action executions,
that one checker wins each, and the executor-side tracking."""

import collections
import datetime

import pytest

from mistral_clone.db import models
from mistral_clone.db import session as db_session
from mistral_clone.engine import heartbeats
from mistral_clone.engine import states
from mistral_clone.executor import heartbeats as executor_heartbeats
from tests.statements import recorded

NOW = datetime.datetime(2030, 1, 1, 12, 0, 0)


@pytest.fixture
def hb_conf(db, conf):
    for name, value in (("check_interval", 1), ("max_missed_heartbeats", 2),
                        ("first_heartbeat_timeout", 10),
                        ("batch_size", 10)):
        conf.set_override(name, value, "action_heartbeat")
    yield conf
    conf.clear_override("check_interval", "action_heartbeat")
    conf.clear_override("max_missed_heartbeats", "action_heartbeat")
    conf.clear_override("first_heartbeat_timeout", "action_heartbeat")
    conf.clear_override("batch_size", "action_heartbeat")


def _ago(seconds):
    return NOW - datetime.timedelta(seconds=seconds)


def _action(last_heartbeat=None, created=None, safe_rerun=False,
            task_state=states.RUNNING, wf_state=states.RUNNING,
            state=states.RUNNING, is_sync=True, standalone=False,
            member_id=None):
    """A workflow, task and action execution; returns the action's id."""
    with db_session.transaction() as session:
        task_id = wf_id = None
        if not standalone:
            wf_id, task_id = models.new_id(), models.new_id()
            session.add(models.WorkflowExecution(
                id=wf_id, project_id="p", workflow_name="wf", state=wf_state,
                params={"env": {}}, runtime_context={}))
            session.flush()
            session.add(models.TaskExecution(
                id=task_id, project_id="p", name="t", workflow_name="wf",
                workflow_execution_id=wf_id, state=task_state))
            session.flush()
        action_id = models.new_id()
        session.add(models.ActionExecution(
            id=action_id, project_id="p", name="std.echo",
            task_execution_id=task_id, state=state, is_sync=is_sync,
            input={"output": "x"}, last_heartbeat=last_heartbeat,
            member_id=member_id,
            created_at=created or _ago(1000),
            runtime_context={"index": 0, "safe_rerun": safe_rerun,
                             "target": None}))
    return action_id


def _heartbeat_of(action_id):
    with db_session.read_only() as session:
        return session.get(models.ActionExecution, action_id).last_heartbeat


class Recorder:
    def __init__(self):
        self.reruns, self.failures = [], []

    def rerun(self, ctx, action_ex_id, name, base_input, exec_ctx, target):
        self.reruns.append((action_ex_id, name, base_input, exec_ctx,
                            target))

    def fail(self, ctx, action_ex_id, wf_ex_id):
        self.failures.append((action_ex_id, wf_ex_id))

    def check(self, now=NOW):
        return heartbeats.check_once(now=now, send_rerun=self.rerun,
                                     send_failure=self.fail)


@pytest.mark.parametrize("item, expected", [
    (heartbeats.Expired("a", None, True, states.RUNNING, "w",
                        states.RUNNING), heartbeats.RERUN),
    (heartbeats.Expired("a", None, True, states.RUNNING, "w",
                        states.PAUSED), heartbeats.RERUN),
    (heartbeats.Expired("a", None, False, states.RUNNING, "w",
                        states.RUNNING), heartbeats.FAIL),
    (heartbeats.Expired("a", None, True, states.ERROR, "w",
                        states.RUNNING), heartbeats.FAIL),
    (heartbeats.Expired("a", None, True, states.RUNNING, "w",
                        states.CANCELLED), heartbeats.FAIL),
    (heartbeats.Expired("a", None, True), heartbeats.FAIL),  # stand-alone
])
def test_decide(item, expected):
    assert heartbeats.decide(item) == expected


def test_late_action_without_safe_rerun_fails(hb_conf):
    late = _action(last_heartbeat=_ago(3))
    fresh = _action(last_heartbeat=_ago(1))
    recorder = Recorder()
    outcome = recorder.check()
    assert outcome.failed == [late] and outcome.rerun == []
    assert [f[0] for f in recorder.failures] == [late]
    assert recorder.failures[0][1] is not None  # its workflow execution
    # Claimed: its deadline moved, so it is not failed twice.
    assert _heartbeat_of(late) == NOW
    assert _heartbeat_of(fresh) == _ago(1)
    assert recorder.check().found == 0


def test_late_safe_rerun_action_is_sent_again_with_new_grace(hb_conf):
    late = _action(last_heartbeat=_ago(5), safe_rerun=True)
    recorder = Recorder()
    outcome = recorder.check()
    assert outcome.rerun == [late] and recorder.failures == []
    action_ex_id, name, base_input, exec_ctx, target = recorder.reruns[0]
    assert (action_ex_id, name, base_input, target) == (
        late, "std.echo", {"output": "x"}, None)
    assert exec_ctx["action_execution_id"] == late
    assert exec_ctx["task_execution_id"] is not None
    assert _heartbeat_of(late) == NOW + datetime.timedelta(seconds=10)
    # Not again until the new executor misses its heartbeats too.
    assert recorder.check(NOW + datetime.timedelta(seconds=11)).found == 0
    assert recorder.check(NOW + datetime.timedelta(seconds=13)).rerun == [
        late]


def test_never_beating_action_waits_for_first_heartbeat_timeout(hb_conf):
    # Expired after first_heartbeat_timeout + max_missed * interval = 12 s.
    young = _action(created=_ago(11))
    old = _action(created=_ago(13))
    recorder = Recorder()
    assert recorder.check().failed == [old]
    assert _heartbeat_of(young) is None


def test_safe_rerun_of_finished_task_fails_instead(hb_conf):
    action_id = _action(last_heartbeat=_ago(5), safe_rerun=True,
                        task_state=states.ERROR, wf_state=states.ERROR)
    recorder = Recorder()
    assert recorder.check().failed == [action_id]
    assert recorder.reruns == []


def test_standalone_action_fails(hb_conf):
    action_id = _action(last_heartbeat=_ago(5), standalone=True)
    recorder = Recorder()
    assert recorder.check().failed == [action_id]
    assert recorder.failures == [(action_id, None)]


def test_only_running_sync_actions_are_checked(hb_conf):
    _action(last_heartbeat=_ago(5), state=states.SUCCESS)
    _action(last_heartbeat=_ago(5), is_sync=False)  # async: no executor
    assert Recorder().check().found == 0


def test_batch_size_limits_one_look(hb_conf):
    hb_conf.set_override("batch_size", 2, "action_heartbeat")
    ids = {_action(last_heartbeat=_ago(5 + i)) for i in range(3)}
    recorder = Recorder()
    assert len(recorder.check().failed) == 2
    assert len(recorder.check().failed) == 1
    assert {f[0] for f in recorder.failures} == ids


def test_one_checker_wins_a_claim(hb_conf):
    action_id = _action(last_heartbeat=_ago(5))
    with db_session.read_only() as session:
        [item] = heartbeats.find_expired(session, NOW)
    with db_session.transaction() as session:
        assert heartbeats.claim(session, item, NOW)
    with db_session.transaction() as session:
        assert not heartbeats.claim(session, item, NOW)
    assert _heartbeat_of(action_id) == NOW


def test_a_heartbeat_arriving_first_wins_over_the_checker(hb_conf):
    action_id = _action(last_heartbeat=_ago(5))
    with db_session.read_only() as session:
        [item] = heartbeats.find_expired(session, NOW)
    assert heartbeats.store([action_id], now=NOW) == 1
    with db_session.transaction() as session:
        assert not heartbeats.claim(session, item, NOW)


def test_store_updates_running_actions_only(hb_conf):
    running = _action()
    done = _action(state=states.SUCCESS)
    assert heartbeats.store([running, done, "missing", None], now=NOW) == 1
    assert _heartbeat_of(running) == NOW
    assert _heartbeat_of(done) is None


def test_store_in_one_statement(hb_conf):
    ids = [_action() for _ in range(3)]
    with recorded("UPDATE") as statements:
        assert heartbeats.store(ids, now=NOW) == 3
    assert len(statements) == 1


def test_disabled_when_interval_or_missed_is_zero(hb_conf):
    assert heartbeats.enabled()
    hb_conf.set_override("max_missed_heartbeats", 0, "action_heartbeat")
    assert not heartbeats.enabled()
    assert not executor_heartbeats.enabled()
    heartbeats.Checker().start().stop()  # no thread, returns at once


@pytest.fixture
def fresh_tracking(monkeypatch):
    """The tracking is process-wide: an API test run before in this worker
    may have left an asynchronous action in it (the executor beats for it
    until it learns the action ended)."""
    monkeypatch.setattr(executor_heartbeats, "_running",
                        collections.Counter())


def test_executor_tracks_what_it_runs(monkeypatch, fresh_tracking):
    sent = []
    monkeypatch.setattr(executor_heartbeats, "send_once",
                        lambda: sent.append(executor_heartbeats.running_ids()))
    executor_heartbeats.add("a")
    with executor_heartbeats.running("a"):
        with executor_heartbeats.running("b"):
            assert executor_heartbeats.running_ids() == ["a", "b"]
        executor_heartbeats.remove("a")
        assert executor_heartbeats.running_ids() == ["a"]
    assert executor_heartbeats.running_ids() == []
    with executor_heartbeats.running(None):  # stand-alone run_sync: no id
        assert executor_heartbeats.running_ids() == []


def test_executor_sends_all_ids_in_one_cast(monkeypatch, fresh_tracking):
    casts = []

    class Client:
        def process_action_heartbeats(self, ctx, ids):
            casts.append(list(ids))

    from mistral_clone.rpc import clients
    monkeypatch.setattr(clients, "get_engine_client", lambda: Client())
    assert executor_heartbeats.send_once() == 0
    assert casts == []
    with executor_heartbeats.running("x"), executor_heartbeats.running("y"):
        assert executor_heartbeats.send_once() == 2
    assert casts == [["x", "y"]]
