"""Services as separate ``mistral-clone-server`` processes for the tests
that kill and restart them, and an engine client that reaches them over
RabbitMQ (``MISTRAL_CLONE_TEST_RABBIT_URL``)."""

import contextlib
import json
import os
import resource
import signal
import subprocess
import sys
import time
import urllib.request
import uuid

from tests.functional.server import START_S, free_port

RABBIT_URL = os.environ.get("MISTRAL_CLONE_TEST_RABBIT_URL")


def isolated_conf(db_url, extra=""):
    """(config text, engine topic) for processes of one test: RabbitMQ
    topics of their own, so tests running at the same time on the same
    broker never answer each other's calls."""
    suffix = uuid.uuid4().hex[:8]
    engine_topic = "mc_engine_" + suffix
    text = ("[DEFAULT]\ntransport_url = %s\n[database]\nconnection = %s\n"
            "[engine]\ntopic = %s\n[executor]\ntopic = mc_executor_%s\n"
            "[notifier]\ntopic = mc_notifier_%s\n%s"
            % (RABBIT_URL, db_url, engine_topic, suffix, suffix, extra))
    return text, engine_topic


def write_isolated_conf(tmp_path, db_url, extra=""):
    """``isolated_conf`` written to a file: (its path, engine topic)."""
    text, engine_topic = isolated_conf(db_url, extra)
    conf_file = tmp_path / "mc.conf"
    conf_file.write_text(text)
    return conf_file, engine_topic


def one_process_conf(tmp_path, db_url, extra=""):
    """(config file, API base URL) for services run in one process on the
    fake:/ transport, with the API on a free port."""
    port = free_port()
    conf_file = tmp_path / "mc.conf"
    conf_file.write_text("[database]\nconnection = %s\n[api]\nport = %s\n%s"
                         % (db_url, port, extra))
    return conf_file, "http://127.0.0.1:%s/v2" % port


def start(services, conf_file, tmp_path, tag="1", address_space=None):
    """``mistral-clone-server --server SERVICES`` with its log in tmp_path
    (``address_space``: bytes of memory it may map, for the tests whose
    failure would otherwise take the machine's memory)."""
    log = open(tmp_path / ("%s-%s.log" % (services.replace(",", "_"),
                                          tag)), "w")

    def limit_memory():
        resource.setrlimit(resource.RLIMIT_AS,
                           (address_space, address_space))
    return subprocess.Popen(
        [sys.executable, "-m", "mistral_clone.cmd.server", "--server",
         services, "--config-file", str(conf_file)],
        stdout=log, stderr=subprocess.STDOUT,
        preexec_fn=limit_memory if address_space else None)


def kill(procs):
    """SIGKILL: no clean shutdown, as a crash."""
    for proc in procs:
        proc.kill()
    for proc in procs:
        proc.wait(timeout=30)


def stop(procs):
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            # Its threads' stacks go to its log: what held it up.
            proc.send_signal(signal.SIGQUIT)
            time.sleep(1)
            proc.kill()
            raise AssertionError(
                "%s did not stop within 30 s of SIGTERM; its threads' "
                "stacks are at the end of its log" % " ".join(proc.args))


def http(method, url, body=None, content_type="application/json"):
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": content_type})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read() or b"null")


@contextlib.contextmanager
def rabbit_engine_client(engine_topic=None):
    """This test process's engine client, sending over RabbitMQ to the
    engine processes (on ``engine_topic`` when given)."""
    from mistral_clone import config
    from mistral_clone.rpc import clients
    from mistral_clone.rpc import transport
    transport.transport_url()  # registers oslo.messaging's options
    config.CONF.set_override("transport_url", RABBIT_URL)
    if engine_topic:
        config.CONF.set_override("topic", engine_topic, "engine")
    clients.cleanup()
    engine = clients.get_engine_client()  # registers rpc_response_timeout
    config.CONF.set_override("rpc_response_timeout", 5)
    try:
        yield engine
    finally:
        config.CONF.clear_override("transport_url")
        config.CONF.clear_override("rpc_response_timeout")
        if engine_topic:
            config.CONF.clear_override("topic", "engine")
        clients.cleanup()


def start_when_listening(engine, ctx, wf_name, timeout=30.0, **params):
    """``start_workflow`` (with ``params``) once an engine process listens
    (a call sent before its queue exists is lost, so it is retried)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return engine.start_workflow(ctx, wf_name, **params)
        except Exception:  # noqa: BLE001 - engine not listening yet
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def create_and_start(engine, definitions, wf_name):
    """Create the workflows of ``definitions`` and start ``wf_name`` once
    an engine listens: (the request context, the execution)."""
    from mistral_clone import context as mc_context
    from mistral_clone.services import workflows
    ctx = mc_context.RequestContext()
    workflows.create_workflows(ctx, definitions)
    return ctx, start_when_listening(engine, ctx, wf_name)


def wait_api(base_url, timeout=START_S):
    """Until the API at ``base_url`` (``.../v2``) answers."""
    from tests.waiting import wait_for

    def ready():
        try:
            return http("GET", base_url + "/workflows") is not None
        except OSError:
            return False
    wait_for(ready, timeout, 0.2)
