"""pending_notifications: the notifier's outbox

Revision ID: 005
Revises: 004
Create Date: 2026-12-07 06:00:00

Events for ``params.notify`` publishers are written by the engine step that
changes the state and deleted by the notifier that delivered them, so an
event survives a crash of either and a webhook that is down.
"""

from alembic import op
import sqlalchemy as sa


revision = '005'
down_revision = '004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'pending_notifications',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                  primary_key=True, autoincrement=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('project_id', sa.String(80), nullable=True),
        sa.Column('execution_id', sa.String(36), nullable=False),
        sa.Column('publisher_key', sa.String(40), nullable=False),
        sa.Column('publisher', sa.Text(), nullable=False),
        sa.Column('event', sa.Text(), nullable=False),
        sa.Column('due_at', sa.DateTime(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('claim_id', sa.String(36), nullable=True),
        sa.Column('claimed_until', sa.DateTime(), nullable=True),
    )
    op.create_index('ix_pending_notifications_group',
                    'pending_notifications',
                    ['execution_id', 'publisher_key', 'id'])
    op.create_index('ix_pending_notifications_due_at',
                    'pending_notifications', ['due_at'])


def downgrade():
    op.drop_index('ix_pending_notifications_due_at',
                  table_name='pending_notifications')
    op.drop_index('ix_pending_notifications_group',
                  table_name='pending_notifications')
    op.drop_table('pending_notifications')
