"""An engine step reads definitions and data as the execution's project
sees them, whoever's context runs the step: an admin of another project
resuming it, or a service's own context."""

from mistral_clone import context as mc_context
from mistral_clone.db import session as db_session
from mistral_clone.engine import step as step_mod
from mistral_clone.engine import store as store_mod
from mistral_clone.engine.provider import DbDataProvider
from mistral_clone.expressions import limits
from mistral_clone.expressions.provider import DATA_PROVIDER_KEY
from mistral_clone.services import workflows

CHILD = """---
version: '2.0'
iso_child:
  tasks:
    t:
      action: std.echo output=%s
"""


def test_a_subworkflow_is_the_parent_projects_whoever_runs_the_step(db):
    owner = mc_context.RequestContext(project_id="project-b")
    admin = mc_context.RequestContext(project_id="project-a", is_admin=True)
    theirs = workflows.create_workflows(owner, CHILD % "b")[0]
    workflows.create_workflows(admin, CHILD % "a")
    with db_session.transaction() as session:
        store = store_mod.DbStore(step_mod.Step(session, admin))
        found = store.find_workflow_definition("iso_child", "", None,
                                               "project-b")
        assert found.id == theirs.id
        services = store_mod.DbStore(step_mod.Step(
            session, mc_context.admin_context()))
        assert services.find_workflow_definition(
            "iso_child", "", None, "project-b").id == theirs.id


def test_a_slow_expression_reads_as_its_execution_project():
    """Moved out of its step, it keeps the step's provider's project,
    not the caller's."""
    admin = mc_context.RequestContext(project_id="project-a", is_admin=True)
    context = {DATA_PROVIDER_KEY: DbDataProvider(None, "project-b")}
    slow = limits.OutOfTime(lambda data, ctx: None, "<% 1 %>", context)
    assert step_mod.readers_project(slow, admin) == "project-b"
    no_provider = limits.OutOfTime(lambda data, ctx: None, "<% 1 %>", {})
    assert step_mod.readers_project(no_provider, admin) == "project-a"
