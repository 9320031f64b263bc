"""Without a scheduler service, an engine says so: timers that fell due
and that no scheduler claimed make it log a warning naming the missing
service (they would otherwise sit there silently)."""

import datetime

import pytest

from mistral_clone.db import models
from mistral_clone.db import session as db_session
from tests.functional import processes
from tests.waiting import wait_for


@pytest.mark.skipif(not processes.RABBIT_URL,
                    reason="MISTRAL_CLONE_TEST_RABBIT_URL unset")
@pytest.mark.postgresql
def test_engine_warns_of_timers_no_scheduler_took(tmp_path, db_url, db):
    conf_file, _topic = processes.write_isolated_conf(
        tmp_path, db_url, "[engine]\noverdue_timer_warning = 2\n")
    with db_session.transaction() as session:
        session.add(models.DelayedCall(
            run_at=models.utcnow() - datetime.timedelta(seconds=30),
            func_name="continue_task", func_args={}, key="some-task"))
    engine = processes.start("engine", conf_file, tmp_path)
    log_path = tmp_path / "engine-1.log"
    try:
        log = wait_for(lambda: (
            "overdue" in log_path.read_text() and log_path.read_text()),
            60, 0.2)
        assert ("1 timer(s) (wait-before/after, retry delays, timeouts) "
                "are overdue by up to") in log
        assert "mistral-clone-server --server scheduler" in log
    finally:
        processes.stop([engine])
