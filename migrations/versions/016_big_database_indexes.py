"""Indexes for execution lists on a big database

Revision ID: 016
Revises: 015
Create Date: 2026-12-07 12:00:00

``GET /v2/executions`` pages by (sort keys, id) within the caller's project;
with a filter on the workflow or the state, the rows of one page lie far
apart in (project_id, created_at, id), so each filter that the API offers
and that picks a small part of a project's executions gets its own
(project_id, <filter>, created_at, id) index; ``params`` (an exact match
of the JSON) a hash index on PostgreSQL. ``all_projects`` pages
read (created_at, id). The partial index on public executions answers "is
any execution public?" (none normally is), which lets the list's guard be
the project alone.

On PostgreSQL the indexes are built ``CONCURRENTLY``: upgrading a database
that holds millions of executions does not block the services meanwhile
(on the loaded 2-core development machine, 1,000,000 executions: 49 s for
the B-trees, 14 minutes for the hash index on params). A build that failed
half-way leaves an invalid index: run the upgrade again after dropping
it.
"""

from alembic import op
import sqlalchemy as sa


revision = '016'
down_revision = '015'
branch_labels = None
depends_on = None

INDEXES = [
    ('ix_wf_ex_project_wf_name_created', 'workflow_executions',
     ['project_id', 'workflow_name', 'created_at', 'id'], None),
    ('ix_wf_ex_project_wf_id_created', 'workflow_executions',
     ['project_id', 'workflow_id', 'created_at', 'id'], None),
    ('ix_wf_ex_project_state_created', 'workflow_executions',
     ['project_id', 'state', 'created_at', 'id'], None),
    ('ix_wf_ex_created_at', 'workflow_executions', ['created_at', 'id'],
     None),
    ('ix_wf_ex_public', 'workflow_executions', ['project_id'],
     "scope = 'public'"),
]

# The ``params`` filter is an equality on the whole JSON text: a hash
# index on PostgreSQL (a B-tree refuses texts over ~2.7 KB), a prefix on
# MySQL (which indexes no whole TEXT). A params value shared by most rows
# still goes through (project_id, created_at, id); a rare one through this.
PARAMS_INDEX = ('ix_wf_ex_params', 'workflow_executions', ['params'])


def upgrade():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    if postgresql:
        with op.get_context().autocommit_block():
            for name, table, columns, where in INDEXES:
                op.create_index(
                    name, table, columns, postgresql_concurrently=True,
                    if_not_exists=True,
                    postgresql_where=sa.text(where) if where else None)
            name, table, columns = PARAMS_INDEX
            op.create_index(name, table, columns, postgresql_using='hash',
                            postgresql_concurrently=True, if_not_exists=True)
        return
    for name, table, columns, where in INDEXES:
        op.create_index(name, table, columns,
                        sqlite_where=sa.text(where) if where else None)
    name, table, columns = PARAMS_INDEX
    op.create_index(name, table, columns, mysql_length=255)


def downgrade():
    op.drop_index(PARAMS_INDEX[0], table_name=PARAMS_INDEX[1])
    for name, table, _, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
