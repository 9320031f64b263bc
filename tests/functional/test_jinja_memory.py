"""A Jinja expression that would fill the memory ends its task in ERROR
with a clear ``state_info``; the engine process keeps running and runs
the next workflow.

Engine and executor as separate processes over RabbitMQ and PostgreSQL
(the engine's address space limited to 3 GiB, so that a regression fails
the test instead of taking the machine's memory); skipped unless
MISTRAL_CLONE_TEST_RABBIT_URL is set.
"""

import pytest

from tests.functional.helpers import tasks_of
from tests.functional.helpers import wait_state
from tests.functional import processes

WF = """
version: '2.0'
doubling:
  tasks:
    t:
      action: std.noop
      publish:
        out: "{% set ns = namespace(s='x') %}{% for i in range(40) %}\\
{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}"
quick:
  tasks:
    q:
      action: std.echo output=1
      publish:
        out: "{{ ('y' * 1000)|length }}"
"""


@pytest.mark.skipif(not processes.RABBIT_URL,
                    reason="MISTRAL_CLONE_TEST_RABBIT_URL unset")
@pytest.mark.postgresql
def test_a_doubling_publish_fails_its_task_and_the_engine_goes_on(
        tmp_path, db_url, db):
    conf_file, engine_topic = processes.write_isolated_conf(tmp_path,
                                                            db_url)
    engine_proc = processes.start("engine", conf_file, tmp_path, "1",
                                  address_space=3 * 1024 ** 3)
    procs = [engine_proc,
             processes.start("executor", conf_file, tmp_path, "1")]
    try:
        with processes.rabbit_engine_client(engine_topic) as engine:
            ctx, doubling = processes.create_and_start(engine, WF,
                                                       "doubling")
            failed = wait_state(doubling["id"], timeout=90)
            assert failed["state"] == "ERROR", failed["state_info"]
            task = tasks_of(doubling["id"])["t"]
            assert task["state"] == "ERROR"
            assert "the result of '~' would take more than 67108864 " \
                "bytes (the [expressions] memory_quota)" in \
                task["state_info"], task["state_info"]

            quick = engine.start_workflow(ctx, "quick")
            done = wait_state(quick["id"], timeout=60)
            assert done["state"] == "SUCCESS", done["state_info"]
        assert engine_proc.poll() is None
    finally:
        processes.stop(procs)
