"""``last_heartbeat`` as Mistral 23 shows it (in the execution report): an
action execution has one from its creation (creation plus
``first_heartbeat_timeout``), and the executor that starts it gives it a
fresh one (and ``updated_at``), as Mistral's executor heartbeats each
action it starts."""

import datetime
import types

import pytest

from mistral_clone.db import models
from mistral_clone.engine import members
from mistral_clone.engine import store as store_mod
from mistral_clone.executor import liveness
from mistral_clone.rpc import transport
from tests.unit.engine import test_members
from tests.unit.engine.test_members import MEMBER, NOW

_action = test_members._action
_row = test_members._row


@pytest.fixture(autouse=True)
def no_member_in_this_process(monkeypatch):
    monkeypatch.setattr(liveness, "_member", None)


def test_the_first_deadline_is_creation_plus_the_grace(conf):
    conf.set_override("first_heartbeat_timeout", 3600, "action_heartbeat")
    assert store_mod.first_heartbeat_deadline(NOW) == \
        NOW + datetime.timedelta(hours=1)
    conf.clear_override("first_heartbeat_timeout", "action_heartbeat")


def test_a_new_action_execution_has_its_first_deadline(db, monkeypatch):
    monkeypatch.setattr(transport, "is_in_process", lambda: False)
    action_ex = models.ActionExecution(id=models.new_id(), project_id="p",
                                       name="std.noop", state="RUNNING")

    store = store_mod.DbStore(types.SimpleNamespace(session=None, ctx=None))
    inserted = []
    monkeypatch.setattr(store_mod.rows, "insert",
                        lambda session, row: inserted.append(row))
    before = models.utcnow()
    store.add_action(action_ex)
    assert inserted == [action_ex]
    assert action_ex.last_heartbeat >= store_mod.first_heartbeat_deadline(
        before)
    assert action_ex.updated_at is None


@pytest.mark.parametrize("how", ["beat", "claim"])
def test_the_executor_starting_it_gives_it_a_heartbeat(db, how):
    action_id = _action()
    assert _row(models.ActionExecution, action_id)["updated_at"] is None
    if how == "beat":
        members.store_beat(MEMBER, accepted=[action_id], now=NOW)
    else:
        assert members.claim_actions(MEMBER, "h", 1, [action_id],
                                     now=NOW) == [action_id]
    row = _row(models.ActionExecution, action_id)
    assert (row["member_id"], row["last_heartbeat"]) == (MEMBER, NOW)
    assert row["updated_at"] is not None
