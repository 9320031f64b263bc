"""Accepted executions started many in one engine step
(``accepting.start_many``, as the engine's start lane and its sweep do):
each starts once, and one whose start fails goes to ERROR alone."""

import sqlalchemy as sa

from mistral_clone.db import models
from mistral_clone.db import session as db_session
from mistral_clone.engine import accepting
from mistral_clone.engine import conductor as conductor_mod
from mistral_clone.engine import service as engine_service
from mistral_clone.engine import start_lane
from mistral_clone.executor import service as executor_service
from mistral_clone.rpc import clients
from tests.api.helpers import post_text
from tests.api.test_engine_unanswered import no_engine  # noqa: F401
from tests.waiting import wait_for

WF = "version: '2.0'\nwf:\n  tasks:\n    t1: {action: std.noop}\n"
BROKEN = ("version: '2.0'\nbroken:\n  tasks:\n"
          "    t1: {action: no_such.action}\n")


def _start_rows() -> int:
    with db_session.read_only() as session:
        return session.execute(sa.select(sa.func.count()).select_from(
            models.WorkflowStart)).scalar()


def _states(app, ids) -> dict:
    return {i: app.get("/v2/executions/%s" % i).json["state"] for i in ids}


def test_one_step_starts_many_and_a_broken_one_fails_alone(
        app, no_engine, monkeypatch):  # noqa: F811
    monkeypatch.setattr(accepting, "hint", lambda *hint_args: None)
    post_text(app, "/v2/workflows", WF, status=201)
    post_text(app, "/v2/workflows", BROKEN, status=201)
    good = [app.post_json("/v2/executions", {"workflow_name": "wf"},
                          status=201).json["id"] for _ in range(5)]
    broken = app.post_json("/v2/executions", {"workflow_name": "broken"},
                           status=201).json["id"]
    assert _start_rows() == 6
    # An engine without its sweep (recover=False) to take the results.
    started = [engine_service.start(recover=False), executor_service.start()]
    try:
        assert accepting.sweep(0) == 6
        assert _start_rows() == 0
        wait_for(lambda: set(_states(app, good).values()) == {"SUCCESS"},
                 timeout=60)
    finally:
        for service in reversed(started):
            service.stop()
    assert app.get("/v2/executions/%s" % broken).json["state"] == "ERROR"
    tasks = app.get("/v2/tasks").json["tasks"]
    assert sorted(t["workflow_execution_id"] for t in tasks
                  if t["workflow_execution_id"] in good) == sorted(good)
    # Started once: a second look finds nothing to start.
    assert accepting.sweep(0) == 0


def test_a_batch_that_breaks_is_started_one_by_one(app, no_engine,
                                                   monkeypatch):  # noqa: F811
    """Something unexpected in one start rolls the batch back; started
    again one by one, the others run and that one alone is failed."""
    monkeypatch.setattr(accepting, "hint", lambda *hint_args: None)
    post_text(app, "/v2/workflows", WF, status=201)
    ids = [app.post_json("/v2/executions", {"workflow_name": "wf"},
                         status=201).json["id"] for _ in range(4)]
    run_accepted = conductor_mod.Conductor.run_accepted

    def breaks_on_the_second(self, wf_ex):
        if wf_ex.id == ids[1]:
            raise RuntimeError("unexpected")
        return run_accepted(self, wf_ex)

    monkeypatch.setattr(conductor_mod.Conductor, "run_accepted",
                        breaks_on_the_second)
    started = [engine_service.start(recover=False), executor_service.start()]
    try:
        assert accepting.sweep(0) == 4
        assert _start_rows() == 0
        wait_for(lambda: _states(app, ids) == {
            i: "ERROR" if i == ids[1] else "SUCCESS" for i in ids},
            timeout=60)
    finally:
        for service in reversed(started):
            service.stop()
    assert app.get("/v2/executions/%s" % ids[1]).json["state_info"] == \
        "unexpected"


class _HintRecorder:
    """The engine client, but its start hints are recorded, not sent."""

    def __init__(self, client, hints):
        self._client = client
        self._hints = hints

    def start_accepted_many(self, ctx, starts):
        self._hints.append(starts)

    def __getattr__(self, name):
        return getattr(self._client, name)


def test_an_in_process_hint_goes_straight_to_the_engines_lane(
        app, monkeypatch):
    """With the in-process transport the API's hint is handed to this
    process's engine, not sent through the fake driver (which looks for
    messages every 50 ms). The engine has no sweep here: a hint sent as a
    message (recorded and dropped) would leave the executions waiting."""
    post_text(app, "/v2/workflows", WF, status=201)
    hints = []
    real_client = clients.get_engine_client
    monkeypatch.setattr(
        clients, "get_engine_client",
        lambda reply_timeout=None: _HintRecorder(real_client(reply_timeout),
                                                 hints))
    started = [engine_service.start(recover=False), executor_service.start()]
    try:
        ids = [app.post_json("/v2/executions", {"workflow_name": "wf"},
                             status=201).json["id"] for _ in range(3)]
        wait_for(lambda: set(_states(app, ids).values()) == {"SUCCESS"},
                 timeout=60)
    finally:
        for service in reversed(started):
            service.stop()
    assert hints == []
    assert start_lane.local() is None       # the stopped engine's is gone
