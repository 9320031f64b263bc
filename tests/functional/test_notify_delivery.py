"""Notifications are never lost: real processes, a webhook that is down,
notifiers and engines killed. Every event reaches the webhook once, in the
order it happened.

* embedded: every service in one ``mistral-clone-server`` process (fake:/
  transport, SQLite file), killed with events pending and started again;
* separate processes over RabbitMQ and PostgreSQL (skipped unless
  MISTRAL_CLONE_TEST_RABBIT_URL is set): a webhook answering 503 at first,
  a notifier killed (SIGKILL, SIGTERM) with events pending, a notifier that
  never gets the engines' wake-ups, an engine killed mid-run.
"""

import json

import pytest
import sqlalchemy as sa

from mistral_clone.db import models
from mistral_clone.db import session as db_session
from tests.functional import processes
from tests.functional import tcp_proxy
from tests.functional import webhooks
from tests.functional.helpers import wait_state
from tests.waiting import wait_for

ALLOW_LOOPBACK = "[notifier]\nwebhook_denied_cidrs = 169.254.0.0/16\n"

rabbit_only = pytest.mark.skipif(not processes.RABBIT_URL,
                                 reason="MISTRAL_CLONE_TEST_RABBIT_URL unset")


@pytest.fixture
def hook():
    receiver = webhooks.Receiver().start()
    yield receiver
    receiver.stop()


def pending_events() -> int:
    with db_session.read_only() as session:
        return session.execute(
            sa.select(sa.func.count())
            .select_from(models.PendingNotification)).scalar()


def assert_each_event_once_in_order(hook, wf_ex_ids, timeout=120):
    """Every execution's events reached the hook, once each, in order,
    and nothing is left to send."""
    expected = len(webhooks.WF_EVENTS) * len(wf_ex_ids)
    wait_for(lambda: len(hook.accepted) >= expected and
             pending_events() == 0, timeout, 0.2)
    for wf_ex_id in wf_ex_ids:
        assert hook.events_of(wf_ex_id) == webhooks.WF_EVENTS, wf_ex_id
    assert len(hook.accepted) == expected


def wait_success(wf_ex_ids, timeout=90):
    for wf_ex_id in wf_ex_ids:
        done = wait_state(wf_ex_id, timeout=timeout)
        assert done["state"] == "SUCCESS", done["state_info"]


def test_embedded_server_killed_with_events_pending(tmp_path, db_url, db,
                                                    hook):
    """api, engine, executor and notifier in one process: the webhook is
    down while executions run; the process is killed and started again,
    the webhook comes back, and every event arrives once, in order."""
    if not db_url.startswith("sqlite"):
        pytest.skip("the embedded variant runs on the SQLite file database")
    conf_file, base = processes.one_process_conf(tmp_path, db_url,
                                                 ALLOW_LOOPBACK)
    services = "api,engine,executor,notifier"
    hook.down = True
    proc = processes.start(services, conf_file, tmp_path, "first")
    try:
        processes.wait_api(base)
        processes.http("POST", base + "/workflows", webhooks.WF,
                       "text/plain")
        params = json.dumps({"notify": [{"type": "webhook",
                                         "url": hook.url}]})
        wf_ex_ids = [processes.http("POST", base + "/executions", json.dumps(
            {"workflow_name": "wf", "params": params}))["id"]
            for _ in range(2)]
        wait_success(wf_ex_ids)
        wait_for(lambda: hook.tried() >= 2, 30)
        processes.kill([proc])
        assert pending_events() == 2 * len(webhooks.WF_EVENTS)
        hook.down = False
        proc = processes.start(services, conf_file, tmp_path, "second")
        assert_each_event_once_in_order(hook, wf_ex_ids)
    finally:
        processes.kill([proc])


class Deployment:
    """Separate service processes over RabbitMQ on the test's database;
    ``start_executions`` starts WF with the hook as its publisher."""

    def __init__(self, tmp_path, db_url, rabbit_url=None):
        conf_text, self.engine_topic = processes.isolated_conf(
            db_url, ALLOW_LOOPBACK)
        if rabbit_url:
            conf_text = conf_text.replace(processes.RABBIT_URL, rabbit_url)
        self.conf_text = conf_text
        self.conf_file = tmp_path / "mc.conf"
        self.conf_file.write_text(conf_text)
        self.tmp_path = tmp_path
        self.procs = {}
        self._tags = 0

    def start(self, service, conf_file=None):
        """Start ``service``; the path of its log."""
        self._tags += 1
        self.procs[service] = processes.start(
            service, conf_file or self.conf_file, self.tmp_path,
            str(self._tags))
        return self.tmp_path / ("%s-%s.log" % (service, self._tags))

    def kill(self, service):
        processes.kill([self.procs.pop(service)])

    def terminate(self, service):
        processes.stop([self.procs.pop(service)])

    def start_executions(self, hook, count):
        from mistral_clone import context as mc_context
        from mistral_clone.services import workflows
        ctx = mc_context.RequestContext()
        workflows.create_workflows(ctx, webhooks.WF)
        notify = [{"type": "webhook", "url": hook.url}]
        with processes.rabbit_engine_client(self.engine_topic) as engine:
            return [processes.start_when_listening(
                engine, ctx, "wf", notify=notify)["id"]
                for _ in range(count)]

    def stop_all(self):
        processes.kill(list(self.procs.values()))
        self.procs.clear()


@pytest.fixture
def deployment(tmp_path, db_url, db):
    made = []

    def make(services_db_url=None, rabbit_url=None):
        made.append(Deployment(tmp_path, services_db_url or db_url,
                               rabbit_url))
        return made[-1]
    yield make
    for each in made:
        each.stop_all()


@rabbit_only
@pytest.mark.postgresql
def test_a_webhook_down_at_first_gets_every_event_once(deployment):
    hook = webhooks.Receiver(failures=5).start()
    try:
        services = deployment()
        for service in ("engine", "executor", "notifier"):
            services.start(service)
        wf_ex_ids = services.start_executions(hook, 3)
        wait_success(wf_ex_ids)
        assert_each_event_once_in_order(hook, wf_ex_ids)
        assert hook.tried() == len(hook.accepted) + 5
    finally:
        hook.stop()


@rabbit_only
@pytest.mark.postgresql
@pytest.mark.parametrize("stop", ["kill", "terminate"])
def test_a_notifier_stopped_with_events_pending_loses_none(deployment, hook,
                                                           stop):
    services = deployment()
    for service in ("engine", "executor", "notifier"):
        services.start(service)
    hook.down = True
    wf_ex_ids = services.start_executions(hook, 2)
    wait_success(wf_ex_ids)
    wait_for(lambda: hook.tried() >= 2, 30)
    getattr(services, stop)("notifier")
    assert pending_events() == 2 * len(webhooks.WF_EVENTS)
    hook.down = False
    services.start("notifier")
    assert_each_event_once_in_order(hook, wf_ex_ids)


@rabbit_only
@pytest.mark.postgresql
def test_events_whose_wake_up_was_lost_are_delivered_by_the_sweep(
        deployment, hook):
    """The notifier listens on a topic no engine wakes up: it finds the
    events by its sweep alone."""
    services = deployment()
    deaf = services.tmp_path / "deaf-notifier.conf"
    deaf.write_text(services.conf_text.replace("mc_notifier_",
                                               "mc_notifier_deaf_"))
    for service in ("engine", "executor"):
        services.start(service)
    services.start("notifier", conf_file=deaf)
    wf_ex_ids = services.start_executions(hook, 2)
    wait_success(wf_ex_ids)
    assert_each_event_once_in_order(hook, wf_ex_ids)


@rabbit_only
@pytest.mark.postgresql
@pytest.mark.parametrize("stop", ["kill", "terminate"])
def test_an_engine_stopped_mid_run_sends_each_event_once(deployment, hook,
                                                         stop):
    """SIGKILL (or SIGTERM) of the engine while executions run: the one
    started in its place finishes them, and the webhook gets their events
    once each, in order (no event of a rolled-back step, none twice)."""
    services = deployment()
    for service in ("engine", "executor", "notifier"):
        services.start(service)
    wf_ex_ids = services.start_executions(hook, 4)
    wait_for(lambda: len(hook.accepted) >= 2, 30, 0.05)
    getattr(services, stop)("engine")
    services.start("engine")
    wait_success(wf_ex_ids, timeout=120)
    assert_each_event_once_in_order(hook, wf_ex_ids)


@rabbit_only
@pytest.mark.postgresql
def test_postgresql_and_rabbitmq_away_during_delivery(deployment, hook,
                                                      db_url):
    """The services reach PostgreSQL and RabbitMQ through forwarders that
    the test cuts (as a restart of both servers would) while events are
    pending and the webhook comes back: once the servers are back, every
    event arrives once, in order."""
    with tcp_proxy.proxy_for(db_url) as pg, \
            tcp_proxy.proxy_for(processes.RABBIT_URL) as rabbit:
        services = deployment(pg.url_for(db_url),
                              rabbit.url_for(processes.RABBIT_URL))
        for service in ("engine", "executor"):
            services.start(service)
        notifier_log = services.start("notifier")
        hook.down = True
        wf_ex_ids = services.start_executions(hook, 2)
        wait_success(wf_ex_ids)
        wait_for(lambda: hook.tried() >= 2, 30)
        pg.cut()
        rabbit.cut()
        hook.down = False
        # The notifier meets the outage: in its look for due events, or,
        # when the cut came during one of its commits, while it asks the
        # database what became of that commit (it waits for the answer).
        wait_for(lambda: any(
            sign in notifier_log.read_text() for sign in (
                "Notifier look for due events failed",
                "Transient database error")), 60, 0.2)
        assert pending_events() == 2 * len(webhooks.WF_EVENTS)
        pg.restore()
        rabbit.restore()
        assert_each_event_once_in_order(hook, wf_ex_ids)
