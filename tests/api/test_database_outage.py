"""The API through a PostgreSQL restart or outage (issue 11): killed pooled
connections are never used; a request the database fails for a moment is
run again; while the database stays away every request answers 503 with
Retry-After and a short message; once it is back, 200 again with no
restart. The server other tests share is never touched: its sessions are
ended with ``pg_terminate_backend`` (what a restart does to them), and an
outage is a TcpProxy between the app and the server, cut and restored.
"""

import logging
import threading

import pytest
import sqlalchemy as sa

from mistral_clone.api import errors
from mistral_clone.db import session as db_session
from tests.api import runtime_rows as rows
from tests.api.helpers import post_text
from tests.conftest import PG_URL
from tests.waiting import wait_for

pytestmark = [
    pytest.mark.postgresql,
    pytest.mark.skipif(not PG_URL, reason="MISTRAL_CLONE_TEST_PG_URL unset"),
]

WB = 'version: "2.0"\nname: wb\nworkflows:\n  wf:\n    tasks:\n' \
     '      t: {action: std.noop}\n'
# Whatever a driver or the SQL could put in a message.
DRIVER_WORDS = ("psycopg", "SQL", "SELECT", "server", "connection",
                "127.0.0.1", "terminat", "Operational")


@pytest.fixture
def every_get(app):
    """One GET of each resource and sub-resource, on rows that exist."""
    post_text(app, "/v2/workbooks", WB, status=201)
    app.post_json("/v2/environments", {"name": "env1", "variables": {}},
                  status=201)
    app.post_json("/v2/cron_triggers", {
        "name": "ct1", "workflow_name": "wb.wf", "pattern": "0 0 * * *"},
        status=201)
    root = rows.wf_ex(workflow_name="wb.wf")
    task = rows.task_ex(root)
    action = rows.action_ex(task)
    rows.wf_ex(workflow_name="wb.wf", task_execution_id=task.id,
               root_execution_id=root.id)
    return [
        "/v2/workbooks", "/v2/workbooks/wb",
        "/v2/workflows", "/v2/workflows/wb.wf",
        "/v2/actions", "/v2/actions/std.noop",
        "/v2/environments", "/v2/environments/env1",
        "/v2/cron_triggers", "/v2/cron_triggers/ct1",
        "/v2/executions", "/v2/executions/%s" % root.id,
        "/v2/executions/%s/tasks" % root.id,
        "/v2/executions/%s/executions" % root.id,
        "/v2/executions/%s/report" % root.id,
        "/v2/tasks", "/v2/tasks/%s" % task.id,
        "/v2/tasks/%s/action_executions" % task.id,
        "/v2/tasks/%s/action_executions/%s" % (task.id, action.id),
        "/v2/tasks/%s/workflow_executions" % task.id,
        "/v2/action_executions", "/v2/action_executions/%s" % action.id,
    ]


def _terminate_sessions_of(db_url):
    """End every session of the app's database, as a server restart
    does (the sessions get AdminShutdown), and wait until they are
    gone."""
    url = sa.engine.make_url(db_url)
    admin = sa.create_engine(url.set(database="postgres"),
                             isolation_level="AUTOCOMMIT")
    others = sa.text("SELECT pid FROM pg_stat_activity WHERE datname = :db "
                     "AND pid <> pg_backend_pid()")
    try:
        with admin.connect() as conn:
            pids = conn.execute(others, {"db": url.database}).scalars().all()
            assert pids, "the app holds no pooled connection"
            for pid in pids:
                conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"),
                             {"pid": pid})
            wait_for(lambda: not conn.execute(
                others, {"db": url.database}).scalars().all(), timeout=30)
    finally:
        admin.dispose()


def _assert_unavailable(resp):
    assert resp.status_int == 503, (resp.request.path, resp.body)
    assert resp.headers["Retry-After"] == str(errors.RETRY_AFTER_S)
    assert resp.content_type == "application/json"
    assert resp.json["faultstring"] == errors.DATABASE_UNAVAILABLE
    for word in DRIVER_WORDS:
        assert word not in resp.text


def test_killed_pooled_connections_are_never_used(
        app, conf, db_url, every_get):
    """No request is run again here: the pool alone must hand out only
    live connections after the server ended every session."""
    conf.set_override("database_retry_timeout", 0, "api")
    db_session.get_engine().pool.dispose()
    # Fill the pool with several connections, used at the same time.
    threads = [threading.Thread(target=app.get, args=(url,))
               for url in every_get]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _terminate_sessions_of(db_url)
    for url in every_get:
        app.get(url, status=200)


def test_a_request_waits_for_a_short_outage(app, conf, db_proxy, every_get,
                                            caplog):
    conf.set_override("database_retry_timeout", 60, "api")
    db_proxy.cut()
    answers = {}
    url = every_get[-1]
    with caplog.at_level(logging.INFO, logger="mistral_clone.api.replay"):
        getter = threading.Thread(
            target=lambda: answers.update(resp=app.get(url, status="*")))
        getter.start()
        wait_for(lambda: "running it again" in caplog.text, timeout=30)
        db_proxy.restore()
        getter.join(60)
    assert answers["resp"].status_int == 200


def test_a_write_that_committed_nothing_runs_again(app, conf, db_proxy,
                                                   caplog):
    conf.set_override("database_retry_timeout", 60, "api")
    db_proxy.cut()
    answers = {}
    with caplog.at_level(logging.INFO, logger="mistral_clone.api.replay"):
        poster = threading.Thread(target=lambda: answers.update(
            resp=app.post_json("/v2/environments",
                               {"name": "env2", "variables": {"a": 1}},
                               status="*")))
        poster.start()
        wait_for(lambda: "running it again" in caplog.text, timeout=30)
        db_proxy.restore()
        poster.join(60)
    assert answers["resp"].status_int == 201
    listed = app.get("/v2/environments").json["environments"]
    assert [env["name"] for env in listed] == ["env2"]


def test_outage_answers_503_then_recovers_without_restart(
        app, conf, db_proxy, every_get):
    conf.set_override("database_retry_timeout", 0.2, "api")
    for url in every_get:
        app.get(url, status=200)
    db_proxy.cut()
    for url in every_get:
        _assert_unavailable(app.get(url, status="*"))
    _assert_unavailable(post_text(app, "/v2/workbooks",
                                  WB.replace("wb", "wb2")))
    _assert_unavailable(app.put_json(
        "/v2/environments", {"name": "env1", "variables": {"x": 1}},
        status="*"))
    _assert_unavailable(app.delete("/v2/cron_triggers/ct1", status="*"))
    db_proxy.restore()
    for url in every_get:
        app.get(url, status=200)
    post_text(app, "/v2/workbooks", WB.replace("wb", "wb2"), status=201)
