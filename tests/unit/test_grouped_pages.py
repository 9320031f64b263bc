"""Pages of a list sorted in mixed directions, read one group of the first
key at a time (``db.grouped_pages``): the same rows in the same order as the
one query reading the whole list, page after page, on both databases."""

import random

import pytest
import sqlalchemy as sa

from mistral_clone import context
from mistral_clone.db import grouped_pages
from mistral_clone.db import models
from mistral_clone.db import query as dbq
from mistral_clone.db import session as db_session
from tests import conftest
from tests.api.runtime_rows import at, wf_ex
from tests.statements import recorded

db_url = pytest.fixture(params=conftest.DATABASES, name="db_url")(
    conftest.each_database_url)

CTX = context.RequestContext(project_id="project-a", user_id="u")
EX = models.WorkflowExecution


@pytest.fixture
def executions(db):
    """60 executions of project-a in 4 workflows and 3 states, 10 distinct
    times (ties in every key), and some of project-b among them."""
    rnd = random.Random(14)
    for n in range(60):
        wf_ex(project_id="project-a", workflow_name="wf%d" % rnd.randrange(4),
              state=rnd.choice(["SUCCESS", "ERROR", "RUNNING"]),
              created_at=at(rnd.randrange(10)))
    for n in range(10):
        wf_ex(project_id="project-b", workflow_name="wf%d" % (n % 4),
              created_at=at(n))


def _one_query(spec):
    """The whole list by the one query (the order to match)."""
    whole = dbq.ListSpec(sort_keys=spec.sort_keys, sort_dirs=spec.sort_dirs,
                         filters=spec.filters)
    with db_session.read_only() as session:
        stmt = dbq.guard(sa.select(EX), EX, CTX, include_public=False)
        for flt in whole.filters:
            stmt = dbq.apply_filter(stmt, EX, flt)
        stmt, _, _ = dbq.paginate(stmt, EX, whole)
        return [row.id for row in session.execute(stmt).scalars()]


def _by_groups(spec, marker=None):
    with db_session.read_only() as session:
        stmt = dbq.guard(sa.select(EX), EX, CTX, include_public=False)
        for flt in spec.filters:
            stmt = dbq.apply_filter(stmt, EX, flt)
        marker_row = session.get(EX, marker) if marker else None
        rows, _, _ = grouped_pages.read(session, stmt, EX, spec, marker_row)
        return [row.id for row in rows]


SORTS = [
    (["workflow_name", "created_at"], ["asc", "desc"]),
    (["workflow_name", "created_at"], ["desc", "asc"]),
    (["state", "workflow_name", "created_at"], ["asc", "desc", "asc"]),
    (["workflow_name", "id"], ["asc", "desc"]),
    (["created_at", "workflow_name"], ["desc", "asc"]),
]


@pytest.mark.parametrize("keys,dirs", SORTS)
@pytest.mark.parametrize("limit", [1, 4, 7, 11])
@pytest.mark.parametrize("filters", [[], [dbq.Filter("state", "eq",
                                                     "SUCCESS")]])
def test_pages_by_groups_are_the_one_query_cut_in_pieces(
        executions, keys, dirs, limit, filters):
    spec = dbq.ListSpec(limit=limit, sort_keys=keys, sort_dirs=dirs,
                        filters=filters)
    assert grouped_pages.applies(EX, spec)
    expected = _one_query(spec)
    assert len(expected) > limit  # several pages, groups crossed
    seen, marker = [], None
    for _page in range(len(expected) + 1):
        page = _by_groups(spec, marker)
        seen += page
        if len(page) < limit:
            break
        marker = page[-1]
    assert seen == expected


def test_a_page_inside_one_group_reads_only_that_group(executions):
    """A page that ends before its group does needs no query over the
    groups after it: the group's query and nothing more."""
    spec = dbq.ListSpec(limit=2, sort_keys=["workflow_name", "created_at"],
                        sort_dirs=["asc", "desc"])
    whole = _one_query(spec)
    with recorded("SELECT") as statements:
        page = _by_groups(spec, marker=whole[0])
    assert page == whole[1:3]
    assert len(statements) == 2  # the marker's row, its group's rest


@pytest.mark.parametrize("keys,dirs,why", [
    (["workflow_name", "created_at"], ["asc", "asc"], "one direction"),
    (["workflow_name"], ["desc"], "one key"),
    (["task_execution_id", "created_at"], ["asc", "desc"], "NULLs"),
    (["input", "created_at"], ["asc", "desc"], "JSON text"),
])
def test_other_sorts_keep_the_one_query(keys, dirs, why):
    spec = dbq.ListSpec(limit=10, sort_keys=keys, sort_dirs=dirs)
    assert not grouped_pages.applies(EX, spec), why


def test_an_empty_list_is_an_empty_page(db):
    spec = dbq.ListSpec(limit=5, sort_keys=["workflow_name", "created_at"],
                        sort_dirs=["asc", "desc"])
    assert _by_groups(spec) == []
