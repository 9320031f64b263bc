"""The engine's fast paths keep Mistral's results: trivial actions run
inline (``[executor] type = local`` / ``[engine] inline_actions``), results
absorbed in batches, with-items values held back by concurrency kept one row
per item, and the SQLite pool sized from ``[database]``."""

import sqlalchemy as sa

from mistral_clone.db import models
from mistral_clone.db import session as db_session
from mistral_clone.engine import store as engine_store
from mistral_clone.engine import step as step_mod
from tests.functional.helpers import action_exs_of, get_wf_ex, tasks_of, \
    wait_state

LINEAR = """
version: '2.0'
lin:
  tasks:
    t1:
      action: std.echo output=1
      publish:
        a: <% task().result %>
      on-success: t2
    t2:
      action: std.echo output=<% $.a + 1 %>
      publish:
        b: <% task().result %>
      on-success: t3
    t3:
      action: std.noop
  output:
    b: <% $.b %>
"""

FAILING = """
version: '2.0'
failing:
  tasks:
    t1:
      action: std.fail error_data=bad
      on-error: handled
    handled:
      action: std.noop
"""

ITEMS = """
version: '2.0'
items:
  input: [n, c]
  tasks:
    t:
      with-items: x in <% range(0, $.n) %>
      concurrency: <% $.c %>
      action: std.echo output=<% $.x * 2 %>
  output:
    r: <% task(t).result %>
"""


def _inline(conf, names):
    conf.set_override("inline_actions", names, "engine")


def test_inline_trivial_actions_finish_in_the_starting_step(
        engine, ctx, conf, create_workflows):
    create_workflows(LINEAR)
    _inline(conf, list(engine_store.TRIVIAL_ACTIONS))
    try:
        wf_ex = engine.start_workflow(ctx, "lin")
    finally:
        conf.clear_override("inline_actions", "engine")
    # The answer is Mistral's (RUNNING), but nothing was left for an
    # executor: the execution was done when the start returned.
    assert wf_ex["state"] == "RUNNING"
    done = get_wf_ex(wf_ex["id"])
    assert done["state"] == "SUCCESS"
    assert done["output"] == {"b": 2}
    tasks = tasks_of(wf_ex["id"])
    assert {t["state"] for t in tasks.values()} == {"SUCCESS"}
    for task in tasks.values():
        (action_ex,) = action_exs_of(task["id"])
        assert action_ex["state"] == "SUCCESS" and action_ex["accepted"]


def test_executor_type_local_runs_std_fail_inline(engine, ctx, conf,
                                                  create_workflows):
    create_workflows(FAILING)
    conf.set_override("type", "local", "executor")
    try:
        wf_ex = engine.start_workflow(ctx, "failing")
    finally:
        conf.clear_override("type", "executor")
    assert get_wf_ex(wf_ex["id"])["state"] == "SUCCESS"
    tasks = tasks_of(wf_ex["id"])
    assert tasks["t1"]["state"] == "ERROR"
    assert tasks["handled"]["state"] == "SUCCESS"


def test_inline_off_by_default(conf):
    assert engine_store.inline_action_names() == frozenset()


def test_with_items_concurrency_keeps_values_in_rows(engine, ctx,
                                                     create_workflows):
    create_workflows(ITEMS)
    wf_ex = engine.start_workflow(ctx, "items", wf_input={"n": 30, "c": 4})
    done = wait_state(wf_ex["id"], timeout=30)
    assert done["state"] == "SUCCESS", done["state_info"]
    assert done["output"] == {"r": [2 * i for i in range(30)]}
    task = tasks_of(wf_ex["id"])["t"]
    assert "with_items_values" not in task["runtime_context"]
    with db_session.read_only() as session:
        left = session.execute(sa.select(sa.func.count()).select_from(
            models.WithItemsValue)).scalar_one()
    assert left == 0        # removed when the task finished


def test_many_results_of_one_execution(engine, ctx, create_workflows):
    create_workflows(ITEMS)
    wf_ex = engine.start_workflow(ctx, "items", wf_input={"n": 200, "c": 0})
    done = wait_state(wf_ex["id"], timeout=60)
    assert done["state"] == "SUCCESS", done["state_info"]
    assert done["output"] == {"r": [2 * i for i in range(200)]}


def test_sqlite_pool_follows_the_database_options(conf, db):
    conf.set_override("max_pool_size", 3, "database")
    conf.set_override("max_overflow", 2, "database")
    try:
        db_session.dispose()
        pool = db_session.get_engine().pool
        assert pool.size() == 3
        assert pool._max_overflow == 2
    finally:
        conf.clear_override("max_pool_size", "database")
        conf.clear_override("max_overflow", "database")
        db_session.dispose()


def test_inline_actions_past_the_step_limit(engine, ctx, conf,
                                            create_workflows, monkeypatch):
    monkeypatch.setattr(step_mod, "MAX_INLINE_PER_STEP", 3)
    create_workflows(ITEMS)
    _inline(conf, ["std.echo"])
    try:
        wf_ex = engine.start_workflow(ctx, "items",
                                      wf_input={"n": 25, "c": 0})
        done = wait_state(wf_ex["id"], timeout=30)
    finally:
        conf.clear_override("inline_actions", "engine")
    assert done["state"] == "SUCCESS", done["state_info"]
    assert done["output"] == {"r": [2 * i for i in range(25)]}
