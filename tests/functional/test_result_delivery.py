"""An action's result is not lost with the engine that took it (issue 11):
the engine acknowledges a results message before its step commits; killed
in between, it takes the results with it. The executor keeps what it sent
until the action execution is no longer RUNNING and sends it again, to the
engine that replaced the dead one.

Separate processes over RabbitMQ and PostgreSQL (the engine reaches the
database through a TcpProxy, cut so that its step cannot commit); skipped
unless both are available.
"""

import pytest

from tests.conftest import PG_URL
from tests.functional import processes
from tests.functional import tcp_proxy
from tests.functional.helpers import action_exs_of, tasks_of, wait_state
from tests.waiting import wait_for

pytestmark = pytest.mark.skipif(
    not (processes.RABBIT_URL and PG_URL),
    reason="needs MISTRAL_CLONE_TEST_RABBIT_URL and MISTRAL_CLONE_TEST_PG_URL")

WF = """
version: '2.0'
wf:
  tasks:
    t1:
      action: std.sleep seconds=2
      on-success: t2
    t2:
      action: std.echo output='done'
      publish: {out: <% task().result %>}
  output: {out: <% $.out %>}
"""


def _running_action(wf_ex_id):
    task = tasks_of(wf_ex_id).get("t1")
    actions = action_exs_of(task["id"]) if task else []
    return actions[0] if actions and actions[0]["state"] == "RUNNING" \
        else None


def _log_says(path, text):
    return path.exists() and text in path.read_text(errors="replace")


@pytest.mark.postgresql
def test_results_taken_by_an_engine_that_died_are_sent_again(
        tmp_path, db_url, db):
    from mistral_clone import context as mc_context
    from mistral_clone.services import workflows

    with tcp_proxy.proxy_for(db_url) as proxy:
        conf_text, engine_topic = processes.isolated_conf(
            proxy.url_for(db_url))
        conf_file = tmp_path / "mc.conf"
        conf_file.write_text(conf_text)
        engine = processes.start("engine", conf_file, tmp_path, "1")
        executor = processes.start("executor", conf_file, tmp_path, "1")
        procs = [engine, executor]
        try:
            ctx = mc_context.RequestContext()
            workflows.create_workflows(ctx, WF)
            with processes.rabbit_engine_client(engine_topic) as client:
                wf_ex = processes.start_when_listening(client, ctx, "wf")
            wait_for(lambda: _running_action(wf_ex["id"]), timeout=30)
            # The engine loses its database while the action runs: the
            # result reaches it, is acknowledged and waits in its queue.
            proxy.cut()
            engine_log = tmp_path / "engine-1.log"
            wait_for(lambda: _log_says(engine_log,
                                       "Transient database error"),
                     timeout=60, interval=0.2)
            processes.kill([engine])
            proxy.restore()
            procs.append(processes.start("engine", conf_file, tmp_path, "2"))
            done = wait_state(wf_ex["id"], timeout=90)
            assert done["state"] == "SUCCESS", done["state_info"]
            assert done["output"] == {"out": "done"}
            assert _log_says(tmp_path / "executor-1.log",
                             "Sending 1 action result(s) again")
        finally:
            processes.stop([p for p in procs if p.poll() is None])
