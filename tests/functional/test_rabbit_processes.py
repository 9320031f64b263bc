"""Separate processes over RabbitMQ (and PostgreSQL when
MISTRAL_CLONE_TEST_PG_URL is set): skipped unless
MISTRAL_CLONE_TEST_RABBIT_URL is set (``tests/run.sh`` sets both)."""

import pytest

from tests.functional import processes
from tests.functional.helpers import wait_state

pytestmark = pytest.mark.skipif(not processes.RABBIT_URL,
                                reason="MISTRAL_CLONE_TEST_RABBIT_URL unset")

WF = """
version: '2.0'
wf:
  tasks:
    t1:
      action: std.echo output=<% [1, 2] %>
      publish: {r: <% task().result %>}
      on-success: t2
    t2:
      with-items: x in <% $.r %>
      action: std.echo output=<% $.x * 3 %>
      publish: {s: <% task().result %>}
  output: {s: <% $.s %>}
"""


@pytest.mark.postgresql
def test_engine_and_executor_in_their_own_processes(tmp_path, db_url, db):
    from mistral_clone import context as mc_context
    from mistral_clone.services import workflows

    conf_text, engine_topic = processes.isolated_conf(db_url)
    conf_file = tmp_path / "mc.conf"
    conf_file.write_text(conf_text)
    procs = [processes.start(s, conf_file, tmp_path, tag)
             for s, tag in (("engine", "1"), ("executor", "1"),
                            ("executor", "2"))]
    try:
        with processes.rabbit_engine_client(engine_topic) as engine:
            ctx = mc_context.RequestContext()
            workflows.create_workflows(ctx, WF)
            wf_ex = processes.start_when_listening(engine, ctx, "wf")
        done = wait_state(wf_ex["id"], timeout=60)
        assert done["state"] == "SUCCESS", done["state_info"]
        assert done["output"] == {"s": [3, 6]}
    finally:
        processes.stop(procs)
