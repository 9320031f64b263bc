"""Executors' liveness with the default options: an executor killed (-9)
while it runs an action, even within the first second after it received
it, is taken for dead within seconds; the action runs again on another
executor when its task says ``safe-rerun: true`` (the workflow succeeds)
and fails with "Heartbeat wasn't received." otherwise -- both well within
60 s of the kill, whatever the number of engines (each dead executor is
handled by one of them). A graceful stop says goodbye: what it could not
finish is handled at once, not after the timeout. The embedded server
(fake:/, SQLite) killed and started again handles its dead self's actions
within seconds of its restart.

Only topics and databases are isolated; every liveness and heartbeat
option keeps its default.
"""

import json
import re
import time

import pytest
import sqlalchemy as sa

from mistral_clone.db import models
from mistral_clone.db import session as db_session
from tests.functional.helpers import action_exs_of
from tests.functional.helpers import tasks_of
from tests.functional.helpers import wait_state
from tests.functional import processes
from tests.waiting import wait_for

HEARTBEAT_ERROR = "Heartbeat wasn't received."
# The bound: an action whose executor died is handled (re-run or
# failed, its workflow following) within 60 s of the crash.
DEADLINE = 60.0

WF = """
version: '2.0'
live_safe:
  tasks:
    t:
      action: std.sleep seconds=%(seconds)s
      safe-rerun: true
live_unsafe:
  tasks:
    t:
      action: std.sleep seconds=%(seconds)s
"""

needs_rabbit = pytest.mark.skipif(not processes.RABBIT_URL,
                                  reason="MISTRAL_CLONE_TEST_RABBIT_URL unset")


def _named_action(wf_ex_id):
    """The task's action execution once a member runs it."""
    tasks = tasks_of(wf_ex_id)
    if "t" not in tasks:
        return None
    actions = action_exs_of(tasks["t"]["id"])
    if len(actions) == 1 and actions[0]["state"] == "RUNNING" and \
            actions[0]["member_id"]:
        return actions[0]
    return None


def _members():
    """member id -> (pid, last beat)."""
    Member = models.ExecutorMember
    with db_session.read_only() as session:
        return {row.id: (row.pid, row.last_beat) for row in session.execute(
            sa.select(Member.id, Member.pid, Member.last_beat))}


def _member_of_pid(pid):
    return next((member_id for member_id, (member_pid, _) in
                 _members().items() if member_pid == pid), None)


def _start_workflows(engine_topic, count, seconds):
    """``count`` executions of each of live_safe and live_unsafe."""
    from mistral_clone import context as mc_context
    from mistral_clone.services import workflows
    with processes.rabbit_engine_client(engine_topic) as engine:
        ctx = mc_context.RequestContext()
        workflows.create_workflows(ctx, WF % {"seconds": seconds})
        first = processes.start_when_listening(engine, ctx, "live_safe")
        safe = [first["id"]] + [
            engine.start_workflow(ctx, "live_safe")["id"]
            for _ in range(count - 1)]
        unsafe = [engine.start_workflow(ctx, "live_unsafe")["id"]
                  for _ in range(count)]
    return safe, unsafe


def _check_outcome(safe, unsafe, named, dead_members, since):
    """Every safe execution SUCCEEDS with its action run again elsewhere,
    every unsafe one ends in ERROR with Mistral's message, all within
    ``DEADLINE`` seconds of ``since``; no action execution is added.
    Returns the seconds it took: (failures, re-runs)."""
    took = {}
    for wf_ex_id in unsafe + safe:
        left = max(1.0, DEADLINE - (time.monotonic() - since))
        wf_ex = wait_state(wf_ex_id, timeout=left)
        [action] = action_exs_of(tasks_of(wf_ex_id)["t"]["id"])
        assert action["id"] == named[wf_ex_id]["id"]
        if wf_ex_id in safe:
            assert wf_ex["state"] == "SUCCESS", wf_ex["state_info"]
            assert action["state"] == "SUCCESS"
            assert action["member_id"] not in dead_members
        else:
            assert wf_ex["state"] == "ERROR"
            task = tasks_of(wf_ex_id)["t"]
            assert task["state"] == "ERROR"
            assert HEARTBEAT_ERROR in (task["state_info"] or "")
            assert action["state"] == "ERROR"
            assert action["output"] == {"result": HEARTBEAT_ERROR}
        took[wf_ex_id in safe] = time.monotonic() - since
    return took[False], took[True]


def _beats_after(member_id, moment, count):
    """``member_id`` beat ``count`` periodic beats after ``moment``."""
    pid_and_beat = _members().get(member_id)
    interval = 2.0      # [executor] liveness_interval's default
    return pid_and_beat is not None and (
        pid_and_beat[1] - moment).total_seconds() >= interval * count - 0.5


def _run_kill_case(tmp_path, db_url, engines, count, when):
    conf_text, engine_topic = processes.isolated_conf(db_url)
    conf_file = tmp_path / "mc.conf"
    conf_file.write_text(conf_text)
    procs = [processes.start("engine", conf_file, tmp_path, str(i))
             for i in range(engines)]
    executors = [processes.start("executor", conf_file, tmp_path, tag)
                 for tag in ("a", "b")]
    procs += executors
    try:
        safe, unsafe = _start_workflows(engine_topic, count, seconds=6)
        named = {wf_ex_id: wait_for(lambda i=wf_ex_id: _named_action(i),
                                    60, 0.02)
                 for wf_ex_id in safe + unsafe}
        busy = {action["member_id"] for action in named.values()}
        if when == "after periodic beats":
            moment = max(a["created_at"] for a in named.values())
            for member_id in busy:
                wait_for(lambda m=member_id: _beats_after(m, moment, 2), 30,
                         0.1)
        doomed = [proc for proc in executors
                  if _member_of_pid(proc.pid) in busy]
        assert doomed, (busy, _members())
        processes.kill(doomed)
        killed_at = time.monotonic()
        if len(doomed) == len(executors):
            procs.append(processes.start("executor", conf_file, tmp_path,
                                         "c"))
        took = _check_outcome(safe, unsafe, named, busy, killed_at)
        print("kill %s: failed after %.1f s, re-run (6 s) done after "
              "%.1f s" % ((when,) + took))
        return busy
    finally:
        processes.kill(procs)


@needs_rabbit
@pytest.mark.postgresql
@pytest.mark.parametrize("when", ["within the first second",
                                  "after periodic beats"])
def test_killed_executor_handled_within_seconds(tmp_path, db_url, db, when):
    _run_kill_case(tmp_path, db_url, engines=1, count=1, when=when)


@needs_rabbit
@pytest.mark.postgresql
def test_two_engines_handle_each_dead_executor_once(tmp_path, db_url, db):
    dead = _run_kill_case(tmp_path, db_url, engines=2, count=3,
                          when="within the first second")
    logs = "".join((tmp_path / ("engine-%d.log" % i)).read_text()
                   for i in range(2))
    for member_id in dead:
        taken = re.findall(r"Executor member %s .* taken for dead;"
                           % member_id, logs)
        assert len(taken) == 1, logs[-3000:]


@needs_rabbit
@pytest.mark.postgresql
def test_graceful_stop_hands_over_at_once(tmp_path, db_url, db):
    """A silent member would wait 600 s here: only the goodbye explains an
    outcome within the deadline."""
    conf_text, engine_topic = processes.isolated_conf(
        db_url, "[executor]\nliveness_timeout = 600\n")
    conf_text = conf_text.replace("[DEFAULT]\n",
                                  "[DEFAULT]\ngraceful_shutdown_timeout = 1\n")
    conf_file = tmp_path / "mc.conf"
    conf_file.write_text(conf_text)
    procs = [processes.start("engine", conf_file, tmp_path, "1")]
    executor_a = processes.start("executor", conf_file, tmp_path, "a")
    procs.append(executor_a)
    try:
        safe, unsafe = _start_workflows(engine_topic, 1, seconds=20)
        named = {wf_ex_id: wait_for(lambda i=wf_ex_id: _named_action(i),
                                    60, 0.02)
                 for wf_ex_id in safe + unsafe}
        member_a = _member_of_pid(executor_a.pid)
        assert {a["member_id"] for a in named.values()} == {member_a}
        executor_b = processes.start("executor", conf_file, tmp_path, "b")
        procs.append(executor_b)
        wait_for(lambda: _member_of_pid(executor_b.pid), 60, 0.1)
        executor_a.terminate()
        stopped_at = time.monotonic()
        # The unsafe one fails at once; the safe one runs its 20 s again.
        left = DEADLINE - (time.monotonic() - stopped_at)
        failed = wait_state(unsafe[0], timeout=left)
        assert failed["state"] == "ERROR"
        assert time.monotonic() - stopped_at < 20
        _check_outcome(safe, unsafe, named, {member_a}, stopped_at)
        assert member_a not in _members()
    finally:
        processes.kill(procs)


def test_embedded_restart_handles_its_dead_self(tmp_path, db_url, db):
    if not db_url.startswith("sqlite"):
        pytest.skip("the embedded variant runs on the SQLite file database")
    conf_file, base = processes.one_process_conf(tmp_path, db_url)
    services = "api,engine,executor"
    proc = processes.start(services, conf_file, tmp_path, "first")
    try:
        processes.wait_api(base)
        processes.http("POST", base + "/workflows", WF % {"seconds": 6},
                       "text/plain")
        safe, unsafe = (
            [processes.http("POST", base + "/executions",
                            json.dumps({"workflow_name": name}))["id"]]
            for name in ("live_safe", "live_unsafe"))
        named = {wf_ex_id: wait_for(lambda i=wf_ex_id: _named_action(i),
                                    60, 0.02)
                 for wf_ex_id in safe + unsafe}
        dead = {a["member_id"] for a in named.values()}
        processes.kill([proc])
        killed_at = time.monotonic()
        proc = processes.start(services, conf_file, tmp_path, "second")
        took = _check_outcome(safe, unsafe, named, dead, killed_at)
        print("kill and restart: failed after %.1f s, re-run (6 s) done "
              "after %.1f s" % took)
    finally:
        processes.kill([proc])
