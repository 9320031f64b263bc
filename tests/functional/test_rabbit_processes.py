"""Separate processes over RabbitMQ: skipped unless
MISTRAL_CLONE_TEST_RABBIT_URL is set (e.g.
``rabbit://mistral:mistral@127.0.0.1:5672/mistral_clone_test``)."""

import os
import subprocess
import sys
import time

import pytest

RABBIT_URL = os.environ.get("MISTRAL_CLONE_TEST_RABBIT_URL")

pytestmark = pytest.mark.skipif(not RABBIT_URL,
                                reason="MISTRAL_CLONE_TEST_RABBIT_URL unset")


def _start(service, conf_file, tmp_path):
    log = open(tmp_path / ("%s.log" % service), "w")
    return subprocess.Popen(
        [sys.executable, "-m", "mistral_clone.cmd.server", "--server",
         service, "--config-file", str(conf_file)],
        stdout=log, stderr=subprocess.STDOUT)


@pytest.mark.postgresql
def test_engine_and_executor_in_their_own_processes(tmp_path, db_url, db):
    from mistral_clone import config
    from mistral_clone import context as mc_context
    from mistral_clone.rpc import clients
    from mistral_clone.services import workflows
    from tests.functional.helpers import wait_state

    conf_file = tmp_path / "mc.conf"
    conf_file.write_text("[DEFAULT]\ntransport_url = %s\n[database]\n"
                         "connection = %s\n" % (RABBIT_URL, db_url))
    procs = [_start(s, conf_file, tmp_path)
             for s in ("engine", "executor", "executor")]
    try:
        from mistral_clone.rpc import transport
        transport.transport_url()  # registers oslo.messaging's options
        config.CONF.set_override("transport_url", RABBIT_URL)
        clients.cleanup()
        # A call sent before the engine's queue exists is lost: retry soon.
        engine = clients.get_engine_client()
        config.CONF.set_override("rpc_response_timeout", 5)
        ctx = mc_context.RequestContext()
        workflows.create_workflows(ctx, """
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
""")
        deadline = time.monotonic() + 30
        while True:
            try:
                wf_ex = engine.start_workflow(ctx, "wf")
                break
            except Exception as e:  # noqa: BLE001 - not ready yet
                print("start_workflow not answered yet: %r" % e)
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        done = wait_state(wf_ex["id"], timeout=60)
        assert done["state"] == "SUCCESS", done["state_info"]
        assert done["output"] == {"s": [3, 6]}
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
        config.CONF.clear_override("transport_url")
        config.CONF.clear_override("rpc_response_timeout")
        clients.cleanup()
