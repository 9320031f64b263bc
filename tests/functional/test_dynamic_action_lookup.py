"""Which action a task runs when dynamic actions are about (engine and
executor in one process): ad-hoc actions first, then dynamic ones (only in
the workflow's namespace, as Mistral finds them), then Python ones; an
ad-hoc action may be based on a dynamic one."""

import uuid

import sqlalchemy as sa

from mistral_clone import context as mc_context
from mistral_clone.actions import dynamic
from mistral_clone.db import session as db_session
from mistral_clone.engine import heartbeats
from mistral_clone.services import actions as action_service
from mistral_clone.services import code_sources
from mistral_clone.services import dynamic_actions
from tests.functional.helpers import action_exs_of, tasks_of, wait_state
from tests.waiting import wait_for

MODULE = '''
class Shout:
    def __init__(self, text):
        self.text = text

    def run(self, context):
        return self.text.upper() + "%s"
'''

WF = """
version: '2.0'
%s:
  tasks:
    t1:
      action: %s text="hi"
      publish: {out: <%% task().result %%>}
  output: {out: <%% $.out %%>}
"""


def admin():
    return mc_context.RequestContext(is_admin=True)


def run(engine, ctx, create_workflows, action, namespace=""):
    wf_name = "wf_%s" % uuid.uuid4().hex[:8]
    create_workflows(WF % (wf_name, action), namespace=namespace)
    wf_ex = engine.start_workflow(ctx, wf_name, wf_namespace=namespace)
    return wait_state(wf_ex["id"], timeout=30)


def test_lookup_order_and_namespaces(engine, ctx, create_workflows):
    dynamic.forget()
    code_sources.create_code_source(admin(), "mod", MODULE % "!")
    code_sources.create_code_source(admin(), "mod", MODULE % "?",
                                    namespace="ns")
    dynamic_actions.create_dynamic_action(admin(), "shout", "Shout",
                                          code_source_name="mod")
    dynamic_actions.create_dynamic_action(admin(), "shout", "Shout",
                                          code_source_name="mod",
                                          namespace="ns")

    done = run(engine, ctx, create_workflows, "shout")
    assert done["state"] == "SUCCESS", done["state_info"]
    assert done["output"] == {"out": "HI!"}
    # The workflow's namespace has its own.
    assert run(engine, ctx, create_workflows, "shout",
               namespace="ns")["output"] == {"out": "HI?"}

    # An ad-hoc action on top of a dynamic one.
    action_service.create_actions(ctx, """
version: '2.0'
loud:
  input: [text]
  base: shout
  base-input: {text: <% $.text + " there" %>}
""")
    assert run(engine, ctx, create_workflows, "loud")["output"] == {
        "out": "HI THERE!"}

    # An ad-hoc action of the same name comes first.
    action_service.create_actions(ctx, """
version: '2.0'
shout:
  input: [text]
  base: std.echo
  base-input: {output: <% $.text %>}
""")
    assert run(engine, ctx, create_workflows, "shout")["output"] == {
        "out": "hi"}


def test_no_dynamic_action_in_another_namespace(engine, ctx,
                                                create_workflows):
    code_sources.create_code_source(admin(), "mod", MODULE % "!",
                                    namespace="ns")
    dynamic_actions.create_dynamic_action(admin(), "ns_only", "Shout",
                                          code_source_name="mod",
                                          namespace="ns")
    done = run(engine, ctx, create_workflows, "ns_only")
    assert done["state"] == "ERROR"
    assert "Failed to find action [action_name=ns_only, namespace=]" in \
        done["state_info"]


ASYNC_MODULE = '''
class Later:
    def run(self, context):
        return None

    def is_sync(self):
        return False
'''


def test_an_action_run_again_carries_the_current_version(
        engine, ctx, create_workflows):
    """What an engine sends when it runs a dead executor's action again
    (``heartbeats.rerun_request``) names the code source's newest
    version."""
    code_sources.create_code_source(admin(), "later", ASYNC_MODULE)
    dynamic_actions.create_dynamic_action(admin(), "later", "Later",
                                          code_source_name="later")
    wf_name = "wf_%s" % uuid.uuid4().hex[:8]
    create_workflows("version: '2.0'\n%s:\n  tasks:\n    t1:\n"
                     "      action: later\n" % wf_name)
    wf_ex = engine.start_workflow(ctx, wf_name)
    task_ex = wait_for(lambda: tasks_of(wf_ex["id"]).get("t1"), 30)
    action_ex = wait_for(lambda: [a for a in action_exs_of(task_ex["id"])
                                  if a["state"] == "RUNNING"], 30)[0]
    code_sources.update_code_source(admin(), "later", ASYNC_MODULE + "\n")
    with db_session.read_only() as session:
        name, _input, exec_ctx, _target = heartbeats.rerun_request(
            session, action_ex["id"])
    code = dynamic.code_of(exec_ctx)
    assert name == "later"
    assert (code.code_source_name, code.version, code.class_name) == (
        "later", 2, "Later")
    assert code.content == ASYNC_MODULE + "\n"


def test_a_refused_input_fails_the_task_before_it_runs(
        engine, ctx, create_workflows):
    """As in Mistral 23, from the class's declared input (read from the
    text: the engine runs no uploaded code)."""
    code_sources.create_code_source(admin(), "mod", MODULE % "!")
    dynamic_actions.create_dynamic_action(admin(), "shout", "Shout",
                                          code_source_name="mod")
    wf_name = "wf_%s" % uuid.uuid4().hex[:8]
    create_workflows("version: '2.0'\n%s:\n  tasks:\n    t1:\n"
                     "      action: shout bogus=1\n" % wf_name)
    done = wait_state(engine.start_workflow(ctx, wf_name)["id"], timeout=30)
    assert done["state"] == "ERROR"
    assert done["state_info"] == (
        "Failed to run task [error=Invalid input [name=shout, "
        "class=mod.Shout, missing=['text'], unexpected=['bogus']], "
        "wf=%s, task=t1]" % wf_name)
    assert action_exs_of(tasks_of(done["id"])["t1"]["id"]) == []


def test_with_items_looks_the_dynamic_action_up_once(engine, ctx,
                                                     create_workflows):
    """Every item of a with-items task starts in the same engine step:
    one lookup of the dynamic action (and of its code) for all of them."""
    code_sources.create_code_source(admin(), "mod", MODULE % "!")
    dynamic_actions.create_dynamic_action(admin(), "shout", "Shout",
                                          code_source_name="mod")
    wf_name = "wf_%s" % uuid.uuid4().hex[:8]
    create_workflows(
        "version: '2.0'\n%s:\n  tasks:\n    t1:\n"
        "      with-items: x in <%% range(0, 20) %%>\n"
        "      action: shout text=<%% str($.x) %%>\n"
        "      publish: {out: <%% task().result %%>}\n"
        "  output: {out: <%% $.out %%>}\n" % wf_name)
    lookups = []

    def record(_conn, _cursor, statement, _params, _context, _many):
        if "FROM dynamic_action_definitions" in statement:
            lookups.append(statement)

    db_engine = db_session.get_engine()
    sa.event.listen(db_engine, "before_cursor_execute", record)
    try:
        done = wait_state(engine.start_workflow(ctx, wf_name)["id"],
                          timeout=60)
    finally:
        sa.event.remove(db_engine, "before_cursor_execute", record)
    assert done["state"] == "SUCCESS", done["state_info"]
    assert done["output"] == {"out": ["%d!" % i for i in range(20)]}
    assert len(lookups) == 1
