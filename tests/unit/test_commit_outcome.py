"""A commit that loses its connection on PostgreSQL: stored after all, the
transaction counts as committed (what follows the commit goes on); not
stored, the error reaches the caller, who runs it again."""

import psycopg
import pytest
import sqlalchemy as sa
import sqlalchemy.exc as sa_exc

from mistral_clone.db import commit_outcome
from mistral_clone.db import models
from mistral_clone.db import session as db_session
from mistral_clone.engine import rows
from tests.conftest import PG_URL

pytestmark = [
    pytest.mark.postgresql,
    pytest.mark.skipif(not PG_URL, reason="MISTRAL_CLONE_TEST_PG_URL unset"),
]


def _lost_answer(*_args):
    raise sa_exc.OperationalError(
        "COMMIT", {}, psycopg.OperationalError(
            "consuming input failed: server closed the connection "
            "unexpectedly"))


def _environments():
    with db_session.read_only() as session:
        return session.execute(sa.select(models.Environment.name)).scalars(
        ).all()


def _add_environment(session, name):
    session.add(models.Environment(name=name, variables={},
                                   project_id="p", scope="private"))


def test_a_commit_stored_before_its_answer_was_lost_counts(db, monkeypatch):
    followed = []
    with db_session.transaction() as session:
        _add_environment(session, "e1")
        # The answer is lost after the server committed.
        sa.event.listen(session, "after_commit", _lost_answer, once=True)
        sa.event.listen(session, "after_commit",
                        lambda _s: followed.append(True))
    assert _environments() == ["e1"]
    assert followed


def test_a_commit_lost_before_the_server_got_it_fails(db):
    engine = db_session.get_engine()

    def die_before_commit(conn):
        # The connection dies before COMMIT reaches the server.
        conn.connection.dbapi_connection.close()
        _lost_answer()

    sa.event.listen(engine, "commit", die_before_commit, once=True)
    with pytest.raises(sa_exc.OperationalError):
        with db_session.transaction() as session:
            _add_environment(session, "e2")
    assert _environments() == []


def test_rows_queued_to_go_out_with_the_next_statement_count_as_written(db):
    """A transaction whose only writes are queued Core INSERTs
    (``engine.rows``) has written something by the time its id is taken:
    its commit's outcome is checked like any other's."""
    with db_session.transaction() as session:
        rows.insert(session, models.Environment(
            name="queued", variables={}, project_id="p", scope="private"))
        assert commit_outcome.transaction_id(session) is not None
    assert _environments() == ["queued"]
