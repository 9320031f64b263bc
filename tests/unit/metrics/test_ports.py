"""The metrics port of a process without the api: which service's port,
what it serves, and the one-line refusal of a port already taken."""

import socket
import urllib.request

import pytest

from mistral_clone import config
from mistral_clone import exceptions as exc
from mistral_clone.metrics import ports
from mistral_clone.metrics import timers  # noqa: F401 - the metric looked for
from tests.functional.server import free_port


@pytest.fixture
def metrics_conf():
    config.parse_args([])
    yield config.CONF
    config.CONF.reset()
    for option in ("enabled", "engine_port", "executor_port",
                   "scheduler_port"):
        config.CONF.clear_override(option, "metrics")


def test_the_first_service_with_a_port_is_chosen(metrics_conf):
    assert ports.chosen_port(["engine", "executor"], metrics_conf) is None
    metrics_conf.set_override("executor_port", 9302, "metrics")
    assert ports.chosen_port(["engine", "executor"], metrics_conf) == \
        ("executor", "executor_port", 9302)
    metrics_conf.set_override("engine_port", 9301, "metrics")
    assert ports.chosen_port(["engine", "executor"], metrics_conf) == \
        ("engine", "engine_port", 9301)
    # The api serves them at /metrics instead.
    assert ports.chosen_port(["engine", "api"], metrics_conf) is None
    metrics_conf.set_override("enabled", False, "metrics")
    assert ports.chosen_port(["engine"], metrics_conf) is None


def test_the_port_serves_the_registry(metrics_conf):
    port = free_port()
    metrics_conf.set_override("scheduler_port", port, "metrics")
    server = ports.start(["scheduler"], metrics_conf)
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port,
                                    timeout=10) as answer:
            body = answer.read().decode()
            content_type = answer.headers["Content-Type"]
    finally:
        server.stop()
    assert content_type.startswith("text/plain; version=0.0.4")
    assert "# TYPE mistral_scheduler_timers_fired_total counter" in body


def test_a_taken_port_is_refused_in_one_line(metrics_conf):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        metrics_conf.set_override("engine_port", port, "metrics")
        with pytest.raises(exc.MistralError) as refused:
            ports.start(["engine"], metrics_conf)
    assert str(refused.value) == (
        "the metrics cannot listen on 127.0.0.1:%d ([metrics] host = "
        "127.0.0.1, [metrics] engine_port = %d): the address is already in "
        "use. Stop what listens there or choose another [metrics] "
        "engine_port." % (port, port))
