"""Two engines and two executors share the work (``bench/topology.py``,
``mistral_clone.work_counts``): real api, engine, executor, scheduler and
notifier processes over RabbitMQ and PostgreSQL, each engine and executor
saying at its stop what it did.

Skipped unless MISTRAL_CLONE_TEST_PG_URL and MISTRAL_CLONE_TEST_RABBIT_URL
are set (``tests/run.sh`` sets them)."""

import os
import sys

import pytest

from tests.functional import processes
from tests.waiting import wait_for

# bench/ is not an installed package: import it from the checkout.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))

from bench import workflows  # noqa: E402
from bench.client import MistralClient  # noqa: E402
from bench.topology import Topology  # noqa: E402

PG_URL = os.environ.get("MISTRAL_CLONE_TEST_PG_URL")
pytestmark = pytest.mark.skipif(
    not (processes.RABBIT_URL and PG_URL),
    reason="MISTRAL_CLONE_TEST_RABBIT_URL or _PG_URL unset")

EXECUTIONS = 20
CHAIN = 5
# Seven processes running 100 tasks on a loaded 2-core machine.
DONE_S = 180


def test_two_engines_and_two_executors_each_take_a_share(tmp_path):
    topo = Topology(engines=2, executors=2, pg_url=PG_URL,
                    rabbit_url=processes.RABBIT_URL,
                    state_dir=str(tmp_path), log=lambda _msg: None)
    with topo:
        api = MistralClient(topo.url)
        [wf] = api.create_workflows(workflows.linear("chain", CHAIN),
                                    "sharing")
        ids = [api.start_execution(wf["id"])["id"]
               for _ in range(EXECUTIONS)]

        def all_succeeded():
            states = api.execution_states(workflow_id=wf["id"])
            return set(states) == set(ids) and \
                set(states.values()) == {"SUCCESS"}
        wait_for(all_succeeded, DONE_S, 0.5)
    work = topo.work()
    engines = [work["engine1"], work["engine2"]]
    executors = [work["executor1"], work["executor2"]]
    assert sum(e["tasks"] for e in engines) == EXECUTIONS * CHAIN
    assert sum(e["results"] for e in engines) == EXECUTIONS * CHAIN
    assert all(e["steps"] > 0 and e["results"] > 0 for e in engines)
    assert sum(e["actions"] for e in executors) == EXECUTIONS * CHAIN
    assert all(e["actions"] > 0 for e in executors)
