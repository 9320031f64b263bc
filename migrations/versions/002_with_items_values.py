"""with-items values, one row per item

Revision ID: 002
Revises: 001
Create Date: 2026-11-29 08:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '002'
down_revision = '001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'with_items_values',
        sa.Column('task_execution_id', sa.String(length=36), nullable=False),
        sa.Column('item_index', sa.Integer(), autoincrement=False,
                  nullable=False),
        sa.Column('value', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['task_execution_id'],
                                ['task_executions.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('task_execution_id', 'item_index'))


def downgrade():
    op.drop_table('with_items_values')
