"""workflow_starts

Revision ID: 015
Revises: 012
Create Date: 2026-12-07 11:45:00

Executions accepted by the API that no engine has started yet
(``engine.accepting``).
"""

from alembic import op
import sqlalchemy as sa


revision = '015'
down_revision = '012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'workflow_starts',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('caller', sa.Text(), nullable=False),
    )
    op.create_index('ix_workflow_starts_created_at', 'workflow_starts',
                    ['created_at'])


def downgrade():
    op.drop_index('ix_workflow_starts_created_at', 'workflow_starts')
    op.drop_table('workflow_starts')
