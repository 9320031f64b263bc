"""Pause, resume and cancel of a parent with a running sub-workflow while
engines are killed (SIGKILL) or stopped (SIGTERM) around them: the parent,
its task and its child end up agreeing, and the execution finishes as
expected.

The first test kills an engine at the worst moment for a child's pause:
after its step committed and before its message to the parent left (the
engine reaches the database and the broker through TcpProxies: the step
waits on the database, the broker is cut, the database comes back and the
commit goes through, the message cannot leave, the engine is killed). The
parent must follow its child all the same, found by the recovery sweep of
the engine that replaces it.

Separate processes over RabbitMQ and PostgreSQL; skipped unless both are
available (``tests/run.sh`` provides them).
"""

import time

import pytest

from tests.functional import kill_cluster
from tests.functional import processes
from tests.functional import tcp_proxy
from tests.functional.helpers import children_of, get_wf_ex, tasks_of
from tests.functional.helpers import wait_state
from tests.waiting import wait_for

pytestmark = kill_cluster.NEEDS_SERVERS

WFS = """
version: '2.0'
parent:
  tasks:
    call:
      workflow: child
      on-success: after
    after:
      action: std.echo output='after'
      publish: {out: <% task().result %>}
  output: {out: <% $.out %>}
child:
  tasks:
    wait:
      action: std.async_noop
      publish: {got: <% task().result %>}
  output: {got: <% $.got %>}
"""

# The recovery sweep's look (5 s by default) after its grace (5 s), an
# engine's start and a loaded machine.
FOLLOW_S = 60


def _states(wf_ex_id):
    """(parent state, its task's state, the child's state)."""
    call = tasks_of(wf_ex_id).get("call")
    children = children_of(call["id"]) if call else []
    return (get_wf_ex(wf_ex_id)["state"], call and call["state"],
            children[0]["state"] if children else None)


def _wait_states(wf_ex_id, wanted, timeout=FOLLOW_S):
    try:
        return wait_for(lambda: _states(wf_ex_id) == wanted, timeout, 0.2)
    except AssertionError:
        raise AssertionError("%s, not %s, after %s s"
                             % (_states(wf_ex_id), wanted, timeout))


@pytest.mark.postgresql
def test_a_childs_pause_committed_by_a_killed_engine_reaches_its_parent(
        tmp_path, db_url, db):
    from mistral_clone import exceptions as exc

    with tcp_proxy.proxy_for(db_url) as db_proxy, \
            tcp_proxy.proxy_for(processes.RABBIT_URL) as mq_proxy:
        direct_text, engine_topic = processes.isolated_conf(db_url)
        direct_conf = tmp_path / "direct.conf"
        direct_conf.write_text(direct_text)
        proxied_conf = tmp_path / "proxied.conf"
        proxied_conf.write_text(
            direct_text.replace(db_url, db_proxy.url_for(db_url))
            .replace(processes.RABBIT_URL,
                     mq_proxy.url_for(processes.RABBIT_URL)))
        engine = processes.start("engine", proxied_conf, tmp_path, "1")
        procs = [engine,
                 processes.start("executor", direct_conf, tmp_path, "1")]
        try:
            with processes.rabbit_engine_client(engine_topic) as client:
                ctx, wf_ex = processes.create_and_start(client, WFS,
                                                        "parent")
                child = kill_cluster.waiting_child(wf_ex["id"])
                # The pause reaches the engine while its database is away:
                # its step waits and tries again.
                db_proxy.cut()
                with pytest.raises(exc.NoReplyError):
                    client.pause_workflow(ctx, child["id"])
                kill_cluster.wait_log(tmp_path / "engine-1.log",
                                      "in EngineEndpoint.pause_workflow")
                # The broker goes away, the database comes back: the step
                # commits, its message to the parent cannot leave.
                mq_proxy.cut()
                db_proxy.restore()
                wait_for(lambda: _states(wf_ex["id"])[2] == "PAUSED", 60,
                         0.1)
                processes.kill([engine])
                assert _states(wf_ex["id"]) == ("RUNNING", "RUNNING",
                                                "PAUSED")
                procs.append(processes.start("engine", direct_conf,
                                             tmp_path, "2"))
                replaced_at = time.monotonic()
                _wait_states(wf_ex["id"], ("PAUSED", "PAUSED", "PAUSED"))
                print("the parent followed its child %.1f s after the "
                      "engine's replacement started"
                      % (time.monotonic() - replaced_at))
                client.resume_workflow(ctx, child["id"])
                _wait_states(wf_ex["id"], ("RUNNING", "RUNNING", "RUNNING"))
                kill_cluster.finish_waiting(client, ctx, child)
                done = wait_state(wf_ex["id"], timeout=FOLLOW_S)
            assert done["state"] == "SUCCESS", done["state_info"]
            assert done["output"] == {"out": "after"}
        finally:
            processes.stop([p for p in procs if p.poll() is None])


def _put_state(cluster, wf_ex_id, state):
    status, answer = kill_cluster.put_until_answered(
        cluster, "/executions/%s" % wf_ex_id, {"state": state})
    assert status == 200, (status, answer)


@pytest.mark.postgresql
def test_pause_resume_cancel_with_engines_killed_after_each(tmp_path,
                                                            db_url, db):
    cluster = kill_cluster.Cluster(tmp_path, db_url)
    try:
        for name in ("engine1", "engine2", "executor1", "api1"):
            cluster.start(name)
        status, answer, _ = cluster.request("POST", "/workflows", WFS)
        assert status == 201, answer
        ids = []
        for _ in range(2):
            status, answer, _ = cluster.request(
                "POST", "/executions", {"workflow_name": "parent"})
            assert status == 201, answer
            ids.append(answer["id"])
        kept, cancelled = ids
        child = kill_cluster.waiting_child(kept)
        kill_cluster.waiting_child(cancelled)
        running = ("RUNNING", "RUNNING", "RUNNING")
        paused = ("PAUSED", "PAUSED", "PAUSED")

        # Each change answered, then an engine dies (the messages that
        # follow the commit may die with it) and another takes its place.
        _put_state(cluster, kept, "PAUSED")
        cluster.kill("engine1")
        cluster.start("engine3")
        _wait_states(kept, paused)
        _put_state(cluster, kept, "RUNNING")
        cluster.term("engine2")
        cluster.start("engine4")
        _wait_states(kept, running)
        # The child alone: the parent follows it.
        _put_state(cluster, child["id"], "PAUSED")
        cluster.kill("engine3")
        cluster.start("engine5")
        _wait_states(kept, paused)
        _put_state(cluster, child["id"], "RUNNING")
        cluster.kill("engine4")
        cluster.start("engine6")
        _wait_states(kept, running)
        _put_state(cluster, cancelled, "CANCELLED")
        cluster.kill("engine5")
        cluster.start("engine7")

        action = wait_for(lambda: kill_cluster.running_action(
            child["id"], "wait"), FOLLOW_S, 0.1)
        status, answer = kill_cluster.put_until_answered(
            cluster, "/action_executions/%s" % action["id"],
            {"state": "SUCCESS", "output": '{"v": 1}'})
        # A 503 ("may not be SUCCESS yet") whose result an engine took
        # after all: sent again, it is found already taken.
        assert status == 200 or answer["faultstring"].startswith(
            "Action execution is already completed"), (status, answer)
        done = wait_state(kept, timeout=FOLLOW_S)
        assert done["state"] == "SUCCESS", done["state_info"]
        assert done["output"] == {"out": "after"}
        gone = wait_state(cancelled, timeout=FOLLOW_S)
        assert gone["state"] == "CANCELLED"
        wait_for(lambda: _states(cancelled)[1:] == ("CANCELLED",
                                                    "CANCELLED"),
                 FOLLOW_S, 0.2)
    finally:
        cluster.close()
