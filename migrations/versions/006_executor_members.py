"""executor_members; action_executions.member_id

Revision ID: 006
Revises: 005
Create Date: 2026-12-07 06:00:00

The processes that run actions register and beat (``executor_members``);
each action execution names the one that accepted it, so that the death of
a process hands all its running actions to recovery at once.
"""

from alembic import op
import sqlalchemy as sa


revision = '006'
down_revision = '005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'executor_members',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('host', sa.String(255), nullable=False),
        sa.Column('pid', sa.Integer(), nullable=True),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('last_beat', sa.DateTime(), nullable=False),
    )
    op.create_index('ix_executor_members_last_beat', 'executor_members',
                    ['last_beat'])
    with op.batch_alter_table('action_executions') as batch:
        batch.add_column(sa.Column('member_id', sa.String(36),
                                   nullable=True))
        batch.create_index('ix_action_ex_member', ['member_id'])


def downgrade():
    with op.batch_alter_table('action_executions') as batch:
        batch.drop_index('ix_action_ex_member')
        batch.drop_column('member_id')
    op.drop_index('ix_executor_members_last_beat', 'executor_members')
    op.drop_table('executor_members')
