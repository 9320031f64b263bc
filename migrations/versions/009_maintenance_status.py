"""maintenance_status

Revision ID: 009
Revises: 006
Create Date: 2026-12-07 09:00:00

The cluster's maintenance mode (``/maintenance``), one row starting in
RUNNING, as Mistral's ``maintenance_status`` entry.
"""

from alembic import op
import sqlalchemy as sa


revision = '009'
down_revision = '008'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'maintenance_status',
        sa.Column('id', sa.Integer(), primary_key=True,
                  autoincrement=False),
        sa.Column('status', sa.String(20), nullable=False),
        sa.Column('resume_pending', sa.Boolean(), nullable=False,
                  server_default=sa.false()),
        sa.Column('changed_at', sa.DateTime(), nullable=True),
    )
    op.bulk_insert(table, [{'id': 1, 'status': 'RUNNING',
                            'resume_pending': False}])


def downgrade():
    op.drop_table('maintenance_status')
