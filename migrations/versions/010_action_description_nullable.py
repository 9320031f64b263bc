"""action_executions.description may be NULL

Revision ID: 010
Revises: 009
Create Date: 2026-12-07 09:00:00

An action run with ``POST /v2/action_executions`` (``run_sync`` and
``save_result``) without a description is stored with none, as Mistral 23
stores it (and shows ``null``).
"""

from alembic import op
import sqlalchemy as sa


revision = '010'
down_revision = '009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('action_executions') as batch:
        batch.alter_column('description', existing_type=sa.String(255),
                           nullable=True)


def downgrade():
    op.execute("UPDATE action_executions SET description = '' "
               "WHERE description IS NULL")
    with op.batch_alter_table('action_executions') as batch:
        batch.alter_column('description', existing_type=sa.String(255),
                           nullable=False)
