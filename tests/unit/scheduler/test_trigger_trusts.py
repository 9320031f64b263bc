"""Triggers and their trusts, with a recording Keystone in place of the
real one (``tests/functional/test_trigger_trusts.py`` runs the real one):
which trust a trigger gets and when it goes, what a firing runs with, and
what happens when Keystone refuses or does not answer."""

import datetime

import pytest
import sqlalchemy as sa

from mistral_clone import context
from mistral_clone import exceptions as exc
from mistral_clone import keystone_trusts
from mistral_clone.db import models
from mistral_clone.db import session as db_session
from mistral_clone.event_engine import definitions
from mistral_clone.event_engine import service as event_service
from mistral_clone.scheduler import cron
from mistral_clone.scheduler import trust_deletion
from mistral_clone.services import cron_triggers as triggers_service
from mistral_clone.services import event_triggers
from mistral_clone.services import workflows as wf_service
from tests.api import runtime_rows

WF = """---
version: '2.0'
cron_wf:
  tasks:
    t1:
      action: std.noop
"""

T0 = datetime.datetime(2030, 1, 1, 12, 0, 0)
CREATOR = context.RequestContext(project_id="proj-1", user_id="user-1",
                                 roles=["member", "reader"],
                                 auth_token="creator-token")


class RecordingKeystone:
    """Stands in for ``_keystone_client.Trusts``; ``error`` is raised by
    the next calls while it is set."""

    def __init__(self):
        self.created, self.deleted = [], []
        self.error = None

    def _maybe_fail(self):
        if self.error is not None:
            raise self.error

    def create(self, ctx):
        self._maybe_fail()
        self.created.append(ctx)
        return "trust-%d" % len(self.created)

    def delete(self, trust_id):
        self._maybe_fail()
        self.deleted.append(trust_id)
        return True

    def context(self, trust_id, project_id):
        self._maybe_fail()
        return context.RequestContext(
            project_id=project_id, user_id="user-1", roles=["member"],
            auth_token="token-of-" + trust_id)


UNAVAILABLE = keystone_trusts.KeystoneUnavailableError("Keystone is away")


@pytest.fixture
def keystone(conf, monkeypatch):
    conf.set_override("auth_enable", True, "pecan")
    fake = RecordingKeystone()
    monkeypatch.setattr(keystone_trusts, "_shared", fake)
    yield fake
    conf.clear_override("auth_enable", "pecan")


@pytest.fixture
def wf(db):
    return wf_service.create_workflows(CREATOR, WF)[0]


def make_trigger(clock, name="tr", count=None):
    return triggers_service.create_cron_trigger(
        CREATOR, name, workflow_name="cron_wf", pattern="* * * * *",
        count=count, now=clock)


def owed_deletions():
    with db_session.read_only() as session:
        return session.execute(sa.select(models.DelayedCall).where(
            models.DelayedCall.func_name == trust_deletion.DELETE_OWED)
        ).scalars().all()


def trigger_names():
    with db_session.read_only() as session:
        return session.execute(sa.select(models.CronTrigger.name)).scalars(
        ).all()


def test_trigger_gets_its_creators_trust_and_loses_it_with_deletion(
        wf, keystone, clock):
    row = make_trigger(clock)
    assert row.trust_id == "trust-1"
    assert keystone.created == [CREATOR]
    triggers_service.delete_cron_trigger(CREATOR, "tr")
    assert keystone.deleted == ["trust-1"]
    assert owed_deletions() == []


def test_auth_off_makes_no_trust(wf, clock, engine, monkeypatch):
    monkeypatch.setattr(keystone_trusts, "_shared", None)
    clock.value = T0
    row = make_trigger(clock)
    assert row.trust_id is None
    clock.advance(minutes=1)
    assert cron.process_due_triggers(engine.start_workflow, clock) == 1
    ctx, _kwargs = engine.started[0]
    assert (ctx.project_id, ctx.user_id, ctx.auth_token) == ("proj-1", None,
                                                             None)
    triggers_service.delete_cron_trigger(CREATOR, "tr")
    assert keystone_trusts._shared is None and owed_deletions() == []


def test_refused_trust_writes_no_trigger(wf, keystone, clock):
    keystone.error = keystone_trusts.TrustRefusedError("no")
    with pytest.raises(keystone_trusts.TrustRefusedError):
        make_trigger(clock)
    keystone.error = UNAVAILABLE
    with pytest.raises(exc.ServiceUnavailableError):
        make_trigger(clock)
    assert trigger_names() == []


def test_trust_of_a_trigger_not_written_is_deleted(wf, keystone, clock):
    make_trigger(clock)
    with pytest.raises(exc.DuplicateEntryError):
        make_trigger(clock)
    assert keystone.created == [CREATOR, CREATOR]
    assert keystone.deleted == ["trust-2"]
    assert owed_deletions() == []


def test_event_trigger_gets_and_loses_its_trust(wf, keystone, monkeypatch):
    monkeypatch.setattr(event_triggers, "_tell_event_engines",
                        lambda ctx: None)
    row = event_triggers.create_event_trigger(
        CREATOR, "on-x", "ex", "topic", "x.created", wf.id)
    assert row.trust_id == "trust-1"
    event_triggers.delete_event_trigger(CREATOR, row.id)
    assert keystone.deleted == ["trust-1"]


def test_deletion_waits_for_keystone(wf, keystone, clock):
    make_trigger(clock)
    keystone.error = UNAVAILABLE
    triggers_service.delete_cron_trigger(CREATOR, "tr")
    assert trigger_names() == []
    [owed] = owed_deletions()
    assert owed.func_args["trust_id"] == "trust-1"
    # A scheduler runs it later: still away, so it is owed again.
    trust_deletion.delete_owed(**owed.func_args)
    assert keystone.deleted == []
    keystone.error = None
    with db_session.transaction() as session:
        session.delete(session.get(models.DelayedCall, owed.id))
    [again] = owed_deletions()
    trust_deletion.delete_owed(**again.func_args)
    assert keystone.deleted == ["trust-1"]


def test_firing_runs_with_the_trust(wf, keystone, clock, engine):
    clock.value = T0
    make_trigger(clock)
    clock.advance(minutes=1)
    assert cron.process_due_triggers(engine.start_workflow, clock) == 1
    ctx, _kwargs = engine.started[0]
    assert (ctx.project_id, ctx.user_id, ctx.auth_token) == (
        "proj-1", "user-1", "token-of-trust-1")


def test_firing_is_owed_while_keystone_is_away(wf, keystone, clock, engine):
    clock.value = T0
    make_trigger(clock)
    clock.advance(minutes=1)
    keystone.error = UNAVAILABLE
    assert cron.process_due_triggers(engine.start_workflow, clock) == 0
    assert engine.started == []
    with db_session.read_only() as session:
        [owed] = session.execute(sa.select(models.DelayedCall).where(
            models.DelayedCall.func_name == cron.OWED_START)).scalars().all()
    assert owed.func_args["trigger"]["trust_id"] == "trust-1"


def test_last_run_deletes_the_trust_once_its_execution_ended(
        wf, keystone, clock, engine):
    clock.value = T0
    make_trigger(clock, count=1)
    clock.advance(minutes=1)
    with db_session.read_only() as session:
        [due] = cron.due_triggers(session, clock())
    keystone.error = UNAVAILABLE  # the start is owed, not made
    assert cron.process_due_triggers(engine.start_workflow, clock) == 0
    keystone.error = None
    assert trigger_names() == []
    [owed] = owed_deletions()
    args = owed.func_args
    assert args["after_execution"] == cron.execution_id(due)

    def run_owed():
        with db_session.transaction() as session:
            session.execute(sa.delete(models.DelayedCall).where(
                models.DelayedCall.func_name == trust_deletion.DELETE_OWED))
        trust_deletion.delete_owed(**args)
        return keystone.deleted

    # No execution yet, and its start is still owed: wait.
    assert run_owed() == []
    runtime_rows.wf_ex(id=args["after_execution"], state="RUNNING",
                       project_id="proj-1")
    assert run_owed() == []
    with db_session.transaction() as session:
        session.get(models.WorkflowExecution,
                    args["after_execution"]).state = "SUCCESS"
    assert run_owed() == ["trust-1"]
    assert owed_deletions() == []


def test_last_run_whose_start_was_refused_deletes_the_trust(
        wf, keystone, clock, engine):
    clock.value = T0
    make_trigger(clock, count=1)
    clock.advance(minutes=1)
    engine.fail = True  # the engine refuses: nothing is owed
    assert cron.process_due_triggers(engine.start_workflow, clock) == 0
    [owed] = owed_deletions()
    trust_deletion.delete_owed(**owed.func_args)
    assert keystone.deleted == ["trust-1"]


def test_event_firing_runs_with_the_trust_or_hands_the_event_back(
        wf, keystone, monkeypatch):
    monkeypatch.setattr(event_triggers, "_tell_event_engines",
                        lambda ctx: None)
    monkeypatch.setattr(event_service, "REQUEUE_DELAY_S", 0)
    event_triggers.create_event_trigger(
        CREATOR, "on-x", "ex", "topic", "x.created", wf.id)
    started = []
    engine = event_service.EventEngine(
        start_workflow=lambda ctx, **kwargs: started.append(ctx),
        converter=definitions.EventConverter([]))
    try:
        engine.reload()
        args = ("ex", "topic", {"project_id": "proj-1"}, "pub", "x.created",
                {}, {"message_id": "m-1"})
        keystone.error = UNAVAILABLE
        assert engine.handle(*args) is False  # back to the broker
        keystone.error = None
        assert engine.handle(*args) is True
    finally:
        engine.stop()
    [ctx] = started
    assert (ctx.project_id, ctx.user_id, ctx.auth_token) == (
        "proj-1", "user-1", "token-of-trust-1")
