"""The scale-out and soak parts of the benchmark harness (bench/): the
work lines the services log and the topology reads back, the soak's
workflow mix and its growth figures, and ``bench/run``'s topology
options."""

import os
import sys

import pytest
import yaml

from mistral_clone import work_counts

# bench/ is not an installed package: import it from the checkout.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))

from bench import run, scaleout, soak, topology  # noqa: E402


def test_topology_reads_the_work_lines_the_services_log():
    before = work_counts.snapshot()
    work_counts.add("steps", 3)
    work_counts.add("tasks", 5)
    work_counts.add("results", 7)
    work_counts.add("actions", 11)
    engine = topology.WORK_LINES["engine"].search(
        "INFO x " + work_counts.engine_summary()).groupdict()
    executor = topology.WORK_LINES["executor"].search(
        "INFO x " + work_counts.executor_summary()).groupdict()
    assert {k: int(v) - before[k] for k, v in engine.items()} == \
        {"steps": 3, "tasks": 5, "results": 7}
    assert int(executor["actions"]) - before["actions"] == 11


def test_topology_reads_the_last_work_line_of_each_log(tmp_path):
    topo = topology.Topology(engines=2, executors=1,
                             state_dir=str(tmp_path))
    (tmp_path / "engine1.log").write_text(
        "engine work: 1 steps committed, 2 task executions created, "
        "3 action results absorbed since this process started\n"
        "engine work: 4 steps committed, 5 task executions created, "
        "6 action results absorbed since this process started\n")
    (tmp_path / "executor1.log").write_text(
        "executor work: 9 actions run since this process started\n")
    assert topo.work() == {
        "engine1": {"steps": 4, "tasks": 5, "results": 6},
        "executor1": {"actions": 9}}
    assert topo.roles() == ["api", "engine1", "engine2", "executor1",
                            "scheduler", "notifier"]


def test_soak_mix_is_valid_workflows_and_one_fails():
    mix = soak.mix("p")
    assert set(mix) == {"linear", "with_items", "join", "subworkflows",
                        "failing"}
    for definition, wf_name, _input, _end in mix.values():
        assert wf_name in yaml.safe_load(definition)
    assert [k for k, v in mix.items() if v[3] == "ERROR"] == ["failing"]


def test_soak_growth_figures():
    samples = [{"t_s": t, "engine1": 100 * 1024 + t * 1024 / 60}
               for t in range(0, 1801, 10)]
    assert soak._mean_mb([s for s in samples if s["t_s"] <= 300],
                         "engine1") == 102.5
    # 1 MB a minute is 60 MB an hour.
    assert soak._slope_mb_per_h(samples, "engine1") == 60.0
    flat = [{"t_s": t, "api": 50 * 1024} for t in range(0, 100, 10)]
    assert soak._slope_mb_per_h(flat, "api") == 0.0
    assert soak._slope_mb_per_h(flat[:2], "api") is None


def test_run_starts_a_topology_only_when_asked():
    args = run.build_parser().parse_args(["--engines", "2"])
    assert (args.engines, args.executors, args.pool_size) == (2, 0, 10)
    plain = run.build_parser().parse_args([])
    assert scaleout.start(plain, print) is None
    assert scaleout.cpu_used({"engine1": 1.0}, {"engine1": 3.5}) == \
        {"engine1": 2.5}


def test_set_options_become_configuration_sections():
    assert scaleout.conf_lines(["engine.result_workers=4",
                                "oslo_messaging_rabbit.x=0"]) == \
        "[engine]\nresult_workers = 4\n[oslo_messaging_rabbit]\nx = 0"
    with pytest.raises(SystemExit):
        scaleout.conf_lines(["result_workers=4"])
