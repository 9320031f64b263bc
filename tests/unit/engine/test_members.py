"""Executors' liveness: the engines store members' beats, take a silent
member for dead once (whatever the number of engines) with all its running
actions, and handle a goodbye; the executor side gathers the actions
accepted together into one beat."""

import datetime
import threading

import pytest
import sqlalchemy as sa

from mistral_clone.db import models
from mistral_clone.db import session as db_session
from mistral_clone.engine import members
from mistral_clone.engine import states
from mistral_clone.executor import liveness
from tests.unit.engine import test_heartbeats

NOW = datetime.datetime(2030, 1, 1, 12, 0, 0)
MEMBER = "11111111-1111-1111-1111-111111111111"


# The process-wide member a functional test run before in the same worker
# left beating (its beats reach each test's database): not one of theirs.
_LEFT_BEHIND = set()


@pytest.fixture(autouse=True)
def no_member_in_this_process(monkeypatch):
    """These tests play the engines of other processes: this test process
    runs no actions of its own (a functional test run before in the same
    worker may have left its process-wide member and tracked actions)."""
    own = liveness.member_id()
    if own:
        _LEFT_BEHIND.add(own)
    monkeypatch.setattr(liveness, "_member", None)
    # Nor do actions an earlier test of this worker left tracked run here.
    monkeypatch.setattr(liveness.executor_heartbeats, "running_ids",
                        lambda: [])


def _ago(seconds):
    return NOW - datetime.timedelta(seconds=seconds)


def _action(member_id=None, safe_rerun=False, state=states.RUNNING):
    """A running workflow and task with one action execution; its id."""
    return test_heartbeats._action(created=_ago(100), safe_rerun=safe_rerun,
                                   state=state, member_id=member_id)


def _row(model, row_id):
    with db_session.read_only() as session:
        row = session.get(model, row_id)
        return None if row is None else {
            c.key: getattr(row, c.key)
            for c in sa.inspect(model).column_attrs}


def _members():
    with db_session.read_only() as session:
        return [member_id for member_id in session.execute(
            sa.select(models.ExecutorMember.id)).scalars()
            if member_id not in _LEFT_BEHIND]


class Recorder:
    def __init__(self):
        self.reruns, self.failures = [], []

    def rerun(self, ctx, action_ex_id, name, base_input, exec_ctx, target):
        self.reruns.append(action_ex_id)

    def fail(self, ctx, action_ex_id, wf_ex_id):
        self.failures.append(action_ex_id)

    def check(self, now):
        return members.check_once(now=now, send_rerun=self.rerun,
                                  send_failure=self.fail)


def test_first_beat_registers_and_names_the_accepted_actions(db):
    running, finished = _action(), _action(state=states.SUCCESS)
    assert members.store_beat(MEMBER, "h", 42, [running, finished],
                              now=_ago(5)) is False
    member = _row(models.ExecutorMember, MEMBER)
    assert (member["host"], member["pid"]) == ("h", 42)
    assert member["last_beat"] == _ago(5)
    assert _row(models.ActionExecution, running)["member_id"] == MEMBER
    assert _row(models.ActionExecution, finished)["member_id"] is None

    assert members.store_beat(MEMBER, "h", 42, [], now=NOW) is True
    assert _row(models.ExecutorMember, MEMBER)["last_beat"] == NOW
    assert _row(models.ExecutorMember, MEMBER)["started_at"] == _ago(5)


def test_a_silent_member_hands_all_its_actions_over_at_once(db, conf):
    conf.set_override("liveness_timeout", 10, "executor")
    members.store_beat(MEMBER, "h", 1, now=_ago(11))
    safe = _action(MEMBER, safe_rerun=True)
    unsafe = _action(MEMBER)
    other = _action("22222222-2222-2222-2222-222222222222")
    unnamed = _action()

    recorder = Recorder()
    outcome = recorder.check(NOW)
    assert recorder.reruns == [safe] and outcome.rerun == [safe]
    assert recorder.failures == [unsafe] and outcome.failed == [unsafe]
    assert _members() == []
    for action_id in (safe, unsafe):
        assert _row(models.ActionExecution, action_id)["member_id"] is None
    # A re-run waits for its first heartbeat as a new action does.
    assert _row(models.ActionExecution, safe)["last_heartbeat"] > NOW
    assert _row(models.ActionExecution, unsafe)["last_heartbeat"] == NOW
    for action_id in (other, unnamed):
        assert _row(models.ActionExecution, action_id)["last_heartbeat"] \
            is None

    # Handled once: nothing more on the next look.
    again = Recorder()
    again.check(NOW + datetime.timedelta(seconds=30))
    assert again.reruns == [] and again.failures == []


def test_a_member_that_beats_in_time_is_alive(db, conf):
    conf.set_override("liveness_timeout", 10, "executor")
    members.store_beat(MEMBER, now=_ago(9))
    _action(MEMBER)
    recorder = Recorder()
    recorder.check(NOW)
    assert (recorder.reruns, recorder.failures) == ([], [])
    assert _members() == [MEMBER]


def test_one_engine_takes_a_dead_member(db, conf):
    """Two engines read the same silent member: the conditional DELETE
    lets one of them take it; a beat after the read saves it."""
    members.store_beat(MEMBER, now=_ago(60))
    action_id = _action(MEMBER)
    first = members.take_over_member(MEMBER, _ago(60), NOW)
    second = members.take_over_member(MEMBER, _ago(60), NOW)
    assert first.failures == [(action_id, _wf_of(action_id))]
    assert second is None

    members.store_beat(MEMBER, now=_ago(60))
    members.store_beat(MEMBER, now=_ago(1))
    assert members.take_over_member(MEMBER, _ago(60), NOW) is None
    assert _members() == [MEMBER]


def test_engines_racing_for_many_members_handle_each_once(db, conf):
    conf.set_override("liveness_timeout", 10, "executor")
    ids = ["%08d-0000-0000-0000-000000000000" % i for i in range(4)]
    actions = []
    for member_id in ids:
        members.store_beat(member_id, now=_ago(30))
        actions.append(_action(member_id))
    recorders = [Recorder(), Recorder()]
    threads = [threading.Thread(target=r.check, args=(NOW,))
               for r in recorders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    failed = recorders[0].failures + recorders[1].failures
    assert sorted(failed) == sorted(actions)


def _wf_of(action_id):
    with db_session.read_only() as session:
        action = session.get(models.ActionExecution, action_id)
        return session.get(models.TaskExecution,
                           action.task_execution_id).workflow_execution_id


def test_goodbye_handles_what_it_abandoned_now(db):
    members.store_beat(MEMBER, now=NOW)
    abandoned = _action(MEMBER, safe_rerun=True)
    reported = _action(MEMBER)
    late = _action()
    takeover = members.say_goodbye(MEMBER, accepted=[late],
                                   abandoned=[abandoned, late], now=NOW)
    assert [r[0] for r in takeover.reruns] == [abandoned]
    assert takeover.failures == [(late, _wf_of(late))]
    assert _members() == []
    # Its result is on its way: Mistral's per-action rules remain.
    row = _row(models.ActionExecution, reported)
    assert (row["member_id"], row["last_heartbeat"]) == (None, None)


class Beats:
    def __init__(self):
        self.sent = []
        self.goodbyes = []
        self.fail_next = False
        self.cond = threading.Condition()

    def beat(self, member, accepted, first):
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("broker away")
        with self.cond:
            self.sent.append((list(accepted), first))
            self.cond.notify_all()

    def goodbye(self, member, accepted, abandoned):
        self.goodbyes.append((list(accepted), list(abandoned)))

    def wait(self, count):
        with self.cond:
            assert self.cond.wait_for(lambda: len(self.sent) >= count, 30)


def test_actions_accepted_together_travel_in_one_beat():
    beats = Beats()
    member = liveness.Member(60, True, beats.beat, beats.goodbye).start()
    beats.wait(1)                       # registration, at start
    with member._cond:                  # a burst, seen at once
        for i in range(5):
            member.accepted("a%d" % i)
    beats.wait(2)
    member.stop(["a3"])
    assert beats.sent == [([], True), (["a0", "a1", "a2", "a3", "a4"],
                                       False)]
    assert beats.goodbyes == [([], ["a3"])]


def test_a_failed_beat_keeps_its_actions_for_the_next():
    beats = Beats()
    member = liveness.Member(60, True, beats.beat, beats.goodbye)
    member.accepted("a")
    beats.fail_next = True
    with pytest.raises(RuntimeError):
        member.beat_once()
    assert member.beat_once() == 1
    assert beats.sent == [(["a"], True)]


def test_actions_are_announced_before_they_start():
    beats = Beats()
    member = liveness.Member(60, True, beats.beat, beats.goodbye)
    member.accepted_now(["a1", "a2"])       # from the caller's thread
    assert beats.sent == [(["a1", "a2"], True)]
    # Broker away: the next regular beat carries them.
    beats.fail_next = True
    member.accepted_now(["a3"])
    assert member.beat_once() == 1
    assert beats.sent[-1] == (["a3"], False)


def test_a_beat_does_not_take_an_action_another_member_claimed(db):
    action = _action()
    other = "22222222-2222-2222-2222-222222222222"
    members.claim_actions(other, "h", 2, [action], now=NOW)
    members.store_beat(MEMBER, "h", 1, [action], now=NOW)
    assert _row(models.ActionExecution, action)["member_id"] == other


def test_actions_are_claimed_before_they_start(monkeypatch):
    calls = []

    def send_claim(member, ids):
        calls.append(ids)
        if len(calls) == 1:
            raise TimeoutError("no engine answered")
        return ids[:1]

    monkeypatch.setattr(liveness.time, "sleep", lambda _s: None)
    beats = Beats()
    member = liveness.Member(60, True, beats.beat, beats.goodbye, send_claim)
    # No engine at first: tried again; then only what was won.
    assert member.claim(["a1", "a2"]) == ["a1"]
    assert calls == [["a1", "a2"], ["a1", "a2"]]
    # On one process: all of them, no call.
    in_process = liveness.Member(60, False, beats.beat, beats.goodbye,
                                 send_claim)
    assert in_process.claim(["b"]) == ["b"] and len(calls) == 2


def test_one_claim_wins_each_action(db):
    first, second = _action(), _action()
    other = "22222222-2222-2222-2222-222222222222"
    assert members.claim_actions(MEMBER, "h", 1, [first], now=NOW) == \
        [first]
    # A copy sent again reaches another member: refused; the first member
    # may claim its own again.
    assert members.claim_actions(other, "h", 2, [first, second],
                                 now=NOW) == [second]
    assert members.claim_actions(MEMBER, "h", 1, [first], now=NOW) == \
        [first]
    assert _row(models.ActionExecution, first)["member_id"] == MEMBER
    assert _row(models.ActionExecution, second)["member_id"] == other


def test_unclaimed_actions_are_sent_again_with_growing_pauses(db, conf):
    lost = _action()        # created 100 s ago (see _action)
    sent = []

    def send_rerun(ctx, action_ex_id, name, base_input, exec_ctx, target):
        assert exec_ctx[liveness.CLAIM_FIRST] is True
        sent.append(action_ex_id)

    assert members.resend_unnamed(now=NOW, send_rerun=send_rerun) == 1
    assert sent == [lost]
    # Not again before a pause as long as its age (100 s).
    assert members.resend_unnamed(now=_at(50), send_rerun=send_rerun) == 0
    assert members.resend_unnamed(now=_at(101), send_rerun=send_rerun) == 1
    # Once claimed, never.
    members.claim_actions(MEMBER, "h", 1, [lost], now=_at(102))
    assert members.resend_unnamed(now=_at(1000), send_rerun=send_rerun) == 0
    assert sent == [lost, lost]


def test_in_process_member_sends_no_ids_and_no_goodbye():
    beats = Beats()
    member = liveness.Member(60, False, beats.beat, beats.goodbye)
    member.accepted("a")
    member.start()
    beats.wait(1)
    member.stop(["a"], goodbye=member.tracks_accepted)
    assert beats.sent == [([], True)]
    assert beats.goodbyes == []


def test_an_action_taken_over_by_its_heartbeats_leaves_its_member(db, conf):
    """Handled once: Mistral's per-action rule came first, the member's
    death later finds nothing of it."""
    from mistral_clone.engine import heartbeats
    conf.set_override("liveness_timeout", 10, "executor")
    members.store_beat(MEMBER, now=_ago(11))
    action_id = test_heartbeats._action(last_heartbeat=_ago(1000),
                                        member_id=MEMBER)
    first = Recorder()
    heartbeats.check_once(now=NOW, send_rerun=first.rerun,
                          send_failure=first.fail)
    assert first.failures == [action_id]
    assert _row(models.ActionExecution, action_id)["member_id"] is None
    second = Recorder()
    second.check(NOW)
    assert (second.reruns, second.failures) == ([], [])


@pytest.mark.postgresql
def test_naming_skips_the_rows_a_step_holds(db, db_url):
    """A step storing a result holds its action row: the beat does not
    wait for it (that wait deadlocked with steps), it names the others."""
    if not db_url.startswith("postgresql"):
        pytest.skip("row locks: PostgreSQL")
    held, free = _action(), _action()
    with db_session.transaction() as step:
        step.execute(sa.select(models.ActionExecution.id)
                     .where(models.ActionExecution.id == held)
                     .with_for_update())
        members.store_beat(MEMBER, accepted=[held, free], now=NOW)
    assert _row(models.ActionExecution, free)["member_id"] == MEMBER
    assert _row(models.ActionExecution, held)["member_id"] is None


def _at(seconds):
    return NOW + datetime.timedelta(seconds=seconds)


def test_the_beat_stream_makes_no_member_dead_during_an_outage(conf):
    stream = members.BeatStream()
    # Beats flow: a member silent for the timeout is dead only once beats
    # have been flowing that long.
    assert stream.cutoff(_at(0), _at(-1), conf) is None
    assert stream.cutoff(_at(5), _at(4), conf) is None
    assert stream.cutoff(_at(10), _at(9), conf) == _at(0)
    # The broker or the database goes away: no beat at all arrives.
    assert stream.cutoff(_at(20), _at(11), conf) is None
    assert stream.flowing_since is None
    # Back: every member gets the full timeout to be heard again.
    assert stream.cutoff(_at(40), _at(39), conf) is None
    assert stream.cutoff(_at(49), _at(48), conf) is None
    assert stream.cutoff(_at(50), _at(49), conf) == _at(40)
    assert members.BeatStream().cutoff(_at(0), None, conf) is None


def test_on_one_process_fresh_beats_at_start_are_trusted(conf):
    stream = members.BeatStream(trusted_at_start=True)
    assert stream.cutoff(_at(0), _at(0), conf) == _at(-10)
    # Trusted once: an outage afterwards counts as anywhere.
    assert stream.cutoff(_at(30), _at(5), conf) is None
    assert stream.cutoff(_at(31), _at(31), conf) is None


def test_a_stream_that_stopped_spares_every_silent_member(db, conf):
    member_action = _action(member_id=MEMBER)
    members.store_beat(MEMBER, "h", 1, now=_ago(30))
    stream = members.BeatStream()
    stream.flowing_since = _ago(100)
    # The freshest beat is MEMBER's own, 30 s old: beats stopped for all.
    outcome = members.check_once(now=NOW, conf=None, stream=stream,
                                 send_rerun=_refuse, send_failure=_refuse)
    assert outcome.found == 0
    assert _row(models.ActionExecution, member_action)["member_id"] == MEMBER


def _refuse(*args, **kwargs):
    raise AssertionError("nothing should be sent")


def test_the_stream_is_steady_once_beats_flowed_for_the_timeout(conf):
    # Unclaimed actions are sent again only then: a member whose beats
    # were held up has had the time to name what it runs.
    stream = members.BeatStream()
    assert not stream.steady(_at(0), conf)
    stream.cutoff(_at(0), _at(-1), conf)
    assert not stream.steady(_at(9), conf)
    assert stream.steady(_at(10), conf)
    stream.cutoff(_at(20), _at(11), conf)       # beats stopped
    assert not stream.steady(_at(20), conf)


def test_every_beat_names_again_what_runs_here(monkeypatch):
    # The announcing beat may be lost (an engine that could not store it):
    # the next regular one names the running actions again.
    monkeypatch.setattr(liveness.executor_heartbeats, "running_ids",
                        lambda: ["a1", "a2"])
    beats = Beats()
    member = liveness.Member(60, True, beats.beat, beats.goodbye)
    member.accepted("a3")
    assert member.beat_once() == 1
    assert beats.sent == [(["a3", "a1", "a2"], True)]


def test_a_beat_names_an_unnamed_action_and_leaves_named_ones(db):
    unnamed, own = _action(), _action(member_id=MEMBER)
    other = "22222222-2222-2222-2222-222222222222"
    theirs = _action(member_id=other)
    members.store_beat(MEMBER, "h", 1, [unnamed, own, theirs], now=NOW)
    assert _row(models.ActionExecution, unnamed)["member_id"] == MEMBER
    assert _row(models.ActionExecution, own)["member_id"] == MEMBER
    assert _row(models.ActionExecution, theirs)["member_id"] == other


def test_beats_offered_while_others_are_stored_go_together():
    """The first beat is stored at once by its own thread; those offered
    meanwhile are merged per member into one next store, by that thread,
    and none is left behind."""
    stores, storing, release = [], threading.Event(), threading.Event()

    def store(beats):
        stores.append({m: (b.host, sorted(b.accepted), b.first)
                       for m, b in beats.items()})
        if len(stores) == 1:
            storing.set()
            assert release.wait(10)
        return {m: True for m in beats}

    combiner = members.BeatCombiner(store)
    first = threading.Thread(target=combiner.offer,
                             args=("m1", "h1", 1, ["a1"], True))
    first.start()
    assert storing.wait(10)
    combiner.offer("m1", "h1", 1, ["a2"])     # returns at once
    combiner.offer("m2", "h2", 2, ["b1"])
    combiner.offer("m1", "h1", 1, ["a3", "a2"])
    release.set()
    first.join(10)
    assert stores == [
        {"m1": ("h1", ["a1"], True)},
        {"m1": ("h1", ["a2", "a3"], False), "m2": ("h2", ["b1"], False)}]
    # Nothing stored now: the next beat is stored by its own thread.
    combiner.offer("m2", "h2", 2, [])
    assert stores[-1] == {"m2": ("h2", [], False)}


def test_beats_of_several_members_are_stored_in_one_transaction(db):
    own, other = _action(), _action()
    second = "22222222-2222-2222-2222-222222222222"
    known = members.store_beats({
        MEMBER: members.Beat("h", 1, {own}),
        second: members.Beat("h2", 2, {other})}, now=NOW)
    assert known == {MEMBER: False, second: False}
    assert _row(models.ActionExecution, own)["member_id"] == MEMBER
    assert _row(models.ActionExecution, other)["member_id"] == second
    assert members.store_beats({MEMBER: members.Beat("h", 1)},
                               now=NOW) == {MEMBER: True}
