"""A workflow's definition text read once per (row, checksum): the start of
an execution reads the row but not its deferred text again, and an update
(a new checksum) is read from the database."""

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from mistral_clone import context
from mistral_clone.db import session as db_session
from mistral_clone.services import definition_texts
from mistral_clone.services import workflows as wf_service

WF = """---
version: "2.0"
texts_wf:
  tasks:
    t:
      action: std.noop
"""


@pytest.fixture
def ctx(db):
    definition_texts.forget_all()
    yield context.RequestContext(project_id="p1", user_id="u1")
    definition_texts.forget_all()


@pytest.fixture
def selects():
    """The SELECT statements run while the test runs, as text."""
    seen = []
    engine = db_session.get_engine()

    def note(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    yield seen
    event.remove(engine, "before_cursor_execute", note)


def test_the_second_read_takes_the_text_from_the_cache(ctx, selects):
    row_id = wf_service.create_workflows(ctx, WF)[0].id
    first = wf_service.get_workflow(ctx, row_id)
    read_first = len(selects)
    second = wf_service.get_workflow(ctx, "texts_wf")
    assert second.definition == first.definition
    assert "std.noop" in second.definition
    # The row only: its text came from the cache.
    assert len(selects) - read_first == 1
    assert read_first == 2


def test_an_updated_definition_is_read_again(ctx, selects):
    wf_service.create_workflows(ctx, WF)
    wf_service.get_workflow(ctx, "texts_wf")
    wf_service.update_workflows(ctx, WF.replace("std.noop", "std.echo"))
    assert "std.echo" in wf_service.get_workflow(ctx, "texts_wf").definition


def test_the_key_holds_the_row_so_another_row_of_that_text_reads_its_own(
        ctx):
    other = context.RequestContext(project_id="p2", user_id="u2")
    mine = wf_service.create_workflows(ctx, WF)[0]
    theirs = wf_service.create_workflows(other, WF)[0]
    wf_service.get_workflow(ctx, mine.id)
    with db_session.transaction() as session:
        # A text changed behind the checksum's back stays this row's own.
        session.execute(sa.text(
            "UPDATE workflow_definitions SET definition = :d WHERE id = :i"),
            {"d": WF + "# theirs\n", "i": theirs.id})
    assert wf_service.get_workflow(other, theirs.id).definition.endswith(
        "# theirs\n")
