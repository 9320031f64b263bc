"""No cron trigger fires while the cluster is in maintenance (PAUSING or
PAUSED), as in Mistral 23; a trigger that fell due meanwhile fires once
when it ends."""

import datetime

from mistral_clone.db import maintenance as maintenance_db
from mistral_clone.db import session as db_session
from mistral_clone.scheduler import cron
from tests.unit.scheduler.test_cron import load
from tests.unit.scheduler.test_cron import make_trigger
from tests.unit.scheduler.test_cron import wf  # noqa: F401 - fixture


def _set_mode(status):
    with db_session.transaction() as session:
        row = maintenance_db.lock(session)
        maintenance_db.move(session, row.status, status)


def test_no_firing_in_maintenance(wf, clock, engine):  # noqa: F811
    make_trigger(clock)
    due = load("tr").next_execution_time
    clock.advance(minutes=3)
    for mode in (maintenance_db.PAUSING, maintenance_db.PAUSED):
        _set_mode(mode)
        assert cron.process_due_triggers(engine.start_workflow,
                                         clock) is None
        assert engine.started == []
        # Left as it was.
        assert load("tr").next_execution_time == due
    _set_mode(maintenance_db.RUNNING)
    assert cron.process_due_triggers(engine.start_workflow, clock) == 1
    assert len(engine.started) == 1
    assert load("tr").next_execution_time > clock() - datetime.timedelta(
        seconds=1)
