"""Metrics scraped during real runs: api, two engines, an executor and a
scheduler as processes of their own over RabbitMQ and PostgreSQL, each
engine, executor and scheduler on its ``[metrics]`` port; and the embedded
server, whose api serves the metrics of every service it runs. What the
scrapes count matches what the API reports of the same executions."""

import collections

import pytest

from tests.functional import kill_cluster
from tests.functional import server as server_mod
from tests.functional.scrapes import label_values, scrape, total
from tests.waiting import wait_for

WF = """---
version: '2.0'
metered:
  tasks:
    first:
      action: std.noop
      on-success: second
    second:
      action: std.echo
      input: {output: 2}
      wait-before: 1
"""
RUNS = 4
DONE_S = 180

WF_TRANSITIONS = "mistral_workflow_execution_transitions_total"
TASK_TRANSITIONS = "mistral_task_execution_transitions_total"
ACTION_RUNS = "mistral_action_run_duration_seconds_count"
REQUESTS = "mistral_api_request_duration_seconds_count"


def _run_executions(request):
    """Create the workflow, start RUNS executions and poll each until it
    ends: (executions, {(method, route, status): requests made})."""
    made = collections.Counter()

    def call(method, path, route, body=None):
        status, answer, _ = request(method, path, body)
        made[(method, route, str(status))] += 1
        return status, answer

    status, answer = call("POST", "/workflows", "/v2/workflows", WF)
    assert status == 201, answer
    ids = []
    for _ in range(RUNS):
        status, answer = call("POST", "/executions", "/v2/executions",
                              {"workflow_name": "metered"})
        assert status == 201, answer
        ids.append(answer["id"])

    def ended(wf_ex_id):
        status, answer = call("GET", "/executions/%s" % wf_ex_id,
                              "/v2/executions/{id}")
        return answer if status == 200 and answer["state"] in (
            "SUCCESS", "ERROR") else None
    executions = [wait_for(lambda i=i: ended(i), DONE_S, 0.5) for i in ids]
    assert [e["state"] for e in executions] == ["SUCCESS"] * RUNS, \
        executions[0]["state_info"]
    return executions, made


def _reported(request, executions):
    """(tasks, action executions) the API reports for ``executions``."""
    tasks, actions = [], []
    for wf_ex in executions:
        status, answer, _ = request(
            "GET", "/executions/%s/tasks" % wf_ex["id"])
        assert status == 200
        tasks.extend(answer["tasks"])
    for task in tasks:
        status, answer, _ = request(
            "GET", "/tasks/%s/action_executions" % task["id"])
        assert status == 200
        actions.extend(answer["action_executions"])
    return tasks, actions


def _check_run_counts(samples, executions, tasks, actions):
    """The transitions and action runs in ``samples`` (all the scrapes of
    the processes that ran the executions) against the API's report."""
    assert total(samples, WF_TRANSITIONS, from_state="NONE",
                 to_state="RUNNING") == len(executions)
    assert total(samples, WF_TRANSITIONS, to_state="SUCCESS") == \
        len(executions)
    assert total(samples, WF_TRANSITIONS) == 2 * len(executions)
    # Each task is created once and ends once, SUCCESS.
    assert total(samples, TASK_TRANSITIONS, from_state="NONE") == \
        len(tasks)
    assert total(samples, TASK_TRANSITIONS, to_state="SUCCESS") == \
        len(tasks) == 2 * len(executions)
    by_name = collections.Counter(a["name"] for a in actions)
    assert by_name == {"std.noop": RUNS, "std.echo": RUNS}
    for name, count in by_name.items():
        assert total(samples, ACTION_RUNS, action=name,
                     outcome="success") == count
    assert total(samples, ACTION_RUNS) == len(actions)
    # Every result was absorbed by a step of a batch.
    assert total(samples, "mistral_engine_result_batch_size_sum") == \
        len(actions)


def _check_requests(samples, made):
    for (method, route, status), count in made.items():
        assert total(samples, REQUESTS, method=method, route=route,
                     status=status) == count, (method, route, status)
    # Raw paths never become labels.
    assert label_values(samples, REQUESTS, "route") <= {
        "/v2/workflows", "/v2/executions", "/v2/executions/{id}",
        "/v2/executions/{id}/tasks", "/v2/tasks/{id}/action_executions",
        "/v2", "/metrics"}


def _ports_conf(cluster, name, option, port):
    text = cluster.conf_file.read_text() + \
        "[metrics]\n%s = %d\n" % (option, port)
    conf_file = cluster.tmp_path / ("%s.conf" % name)
    conf_file.write_text(text)
    return conf_file


@kill_cluster.NEEDS_SERVERS
@pytest.mark.postgresql
def test_scaled_out_scrapes_match_the_api(tmp_path, db_url, db):
    cluster = kill_cluster.Cluster(tmp_path, db_url)
    ports = {}
    try:
        for name, option in (("engine1", "engine_port"),
                             ("engine2", "engine_port"),
                             ("executor1", "executor_port"),
                             ("scheduler1", "scheduler_port")):
            ports[name] = server_mod.free_port()
            cluster.start(name, conf_file=_ports_conf(
                cluster, name, option, ports[name]))
        cluster.start("api1")
        urls = {name: "http://127.0.0.1:%d/metrics" % port
                for name, port in ports.items()}
        for name, url in urls.items():
            server_mod.wait_for_port(ports[name], cluster.procs[name])

        executions, made = _run_executions(cluster.request)
        tasks, actions = _reported(cluster.request, executions)
        scraped = {name: scrape(url) for name, url in urls.items()}
        api_samples = scrape(cluster.base[:-len("/v2")] + "/metrics")
    finally:
        cluster.close()

    everything = [s for samples in scraped.values() for s in samples] + \
        api_samples
    _check_run_counts(everything, executions, tasks, actions)
    # Who counts what: the api accepts the executions (their first
    # transition), the engines do the rest, the executor runs the
    # actions, the scheduler fires the wait-before timers.
    assert total(api_samples, WF_TRANSITIONS, from_state="NONE") == RUNS
    engines = scraped["engine1"] + scraped["engine2"]
    assert total(engines, WF_TRANSITIONS, to_state="SUCCESS") == RUNS
    assert total(scraped["executor1"], ACTION_RUNS) == len(actions)
    assert total(scraped["scheduler1"],
                 "mistral_scheduler_timers_fired_total",
                 outcome="success") >= RUNS
    # The wait-before timers end the tasks' delay in the scheduler.
    assert total(scraped["scheduler1"], TASK_TRANSITIONS,
                 from_state="DELAYED", to_state="RUNNING") == RUNS
    # Queue depths, all empty now.
    for name, gauge in (("scheduler1", "mistral_scheduler_timers_due"),
                        ("executor1", "mistral_executor_actions_running"),
                        ("executor1", "mistral_executor_actions_waiting"),
                        ("engine1", "mistral_engine_results_waiting"),
                        ("engine2", "mistral_engine_results_waiting")):
        assert [value for sample, _, value in scraped[name]
                if sample == gauge] == [0], (name, gauge)
    _check_requests(api_samples, made)


def test_embedded_server_serves_every_service_at_the_api(tmp_path):
    with server_mod.running_server(tmp_path) as (base, _state):
        def request(method, path, body=None):
            return kill_cluster.api_request(base + path, method, body)
        executions, made = _run_executions(request)
        tasks, actions = _reported(request, executions)
        samples = scrape(base[:-len("/v2")] + "/metrics")
    _check_run_counts(samples, executions, tasks, actions)
    assert total(samples, "mistral_scheduler_timers_fired_total",
                 outcome="success") >= RUNS
    _check_requests(samples, made)
