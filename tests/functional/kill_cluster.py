"""What the tests that kill services around running executions share:
waiting for a sub-workflow's asynchronous action, for a line in a
service's log, and delivering that action's result; services started,
killed and stopped by name (``Cluster``)."""

import http.client
import json
import urllib.error
import urllib.request

import pytest

from tests.conftest import PG_URL
from tests.functional import processes
from tests.functional.server import free_port
from tests.functional.helpers import action_exs_of, children_of, tasks_of
from tests.waiting import wait_for

# The mark of these tests: they need RabbitMQ and PostgreSQL
# (``tests/run.sh`` provides both).
NEEDS_SERVERS = pytest.mark.skipif(
    not (processes.RABBIT_URL and PG_URL),
    reason="needs MISTRAL_CLONE_TEST_RABBIT_URL and MISTRAL_CLONE_TEST_PG_URL")

# A service's start, or a line it logs, on a loaded machine.
LOG_WAIT_S = 60


def running_action(wf_ex_id, task_name):
    """The RUNNING action execution of the task, or None."""
    task = tasks_of(wf_ex_id).get(task_name)
    actions = action_exs_of(task["id"]) if task else []
    return actions[0] if actions and actions[0]["state"] == "RUNNING" \
        else None


def waiting_async(wf_ex_id, task_name):
    """The task's action execution once an executor ran it and the engine
    stored that it waits for its result (asynchronous), or None."""
    action = running_action(wf_ex_id, task_name)
    return action if action and action["is_sync"] is False else None


def put_until_answered(cluster, path, body, timeout=LOG_WAIT_S):
    """``PUT path`` again while it answers 503 (no engine answered in
    time: a machine under load); its (status, answer) once answered."""
    def answered():
        status, answer, headers = cluster.request("PUT", path, body)
        if status == 503:
            assert headers["Retry-After"].isdigit()
            return None
        return status, answer
    return wait_for(answered, timeout, 0.5)


def waiting_child(wf_ex_id, task_name="call", timeout=LOG_WAIT_S):
    """The child of the parent's task once its asynchronous action
    ``wait`` runs."""
    def child():
        task = tasks_of(wf_ex_id).get(task_name)
        children = children_of(task["id"]) if task else []
        if children and running_action(children[0]["id"], "wait"):
            return children[0]
        return None
    return wait_for(child, timeout, 0.1)


def finish_waiting(client, ctx, child, result="done"):
    """Deliver the result of the child's asynchronous action."""
    action = wait_for(lambda: running_action(child["id"], "wait"),
                      LOG_WAIT_S, 0.1)
    client.on_action_complete(ctx, action["id"], {"data": result})


def log_says(path, text) -> bool:
    return path.exists() and text in path.read_text(errors="replace")


def wait_log(path, text, timeout=LOG_WAIT_S):
    wait_for(lambda: log_says(path, text), timeout, 0.1)


class Cluster:
    """Services as separate processes on one isolated configuration (its
    own topics, an API on a free port), each started under a name that
    ``kill`` (SIGKILL) and ``term`` (SIGTERM, waited for) take."""

    def __init__(self, tmp_path, db_url, extra=""):
        self.tmp_path = tmp_path
        self.port = free_port()
        text, self.engine_topic = processes.isolated_conf(
            db_url, "[api]\nport = %d\n%s" % (self.port, extra))
        self.conf_file = tmp_path / "cluster.conf"
        self.conf_file.write_text(text)
        self.base = "http://127.0.0.1:%d/v2" % self.port
        self.procs = {}

    def conf_through(self, name, **replaced):
        """A configuration file like the cluster's with each URL of
        ``replaced`` (the URL -> the one to use instead) replaced."""
        text = self.conf_file.read_text()
        for old, new in replaced.items():
            text = text.replace(old, new)
        conf_file = self.tmp_path / ("%s.conf" % name)
        conf_file.write_text(text)
        return conf_file

    def start(self, name, services=None, conf_file=None):
        """Start ``services`` (default: the name without its digits)."""
        services = services or name.rstrip("0123456789")
        self.procs[name] = processes.start(
            services, conf_file or self.conf_file, self.tmp_path, name)
        if services == "api":
            processes.wait_api(self.base)
        return self.procs[name]

    def kill(self, name):
        processes.kill([self.procs.pop(name)])

    def term(self, name):
        processes.stop([self.procs.pop(name)])

    def log(self, name):
        services = name.rstrip("0123456789")
        return self.tmp_path / ("%s-%s.log" % (services, name))

    def close(self):
        processes.stop([p for p in self.procs.values() if p.poll() is None])

    def request(self, method, path, body=None):
        """``api_request`` on this cluster's API."""
        return api_request(self.base + path, method, body)


def api_request(url, method="GET", body=None, timeout=120):
    """(status, JSON answer or None, headers) of one request; (None, the
    error's text, None) when no answer came (connection refused or
    reset)."""
    if isinstance(body, (dict, list)):
        data, content_type = json.dumps(body).encode(), "application/json"
    else:
        data = body.encode() if body is not None else None
        content_type = "text/plain"
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read() or b"null"), \
                resp.headers
    except urllib.error.HTTPError as e:
        text = e.read()
        try:
            answer = json.loads(text or b"null")
        except ValueError:
            answer = text.decode(errors="replace")
        return e.code, answer, e.headers
    except (OSError, http.client.HTTPException) as e:
        return None, str(e), None
