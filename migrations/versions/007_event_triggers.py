"""event_triggers

Revision ID: 007
Revises: 006
Create Date: 2026-12-07 09:00:00

Event triggers: a workflow started for each notification of one type on an
oslo.messaging exchange and topic (read by the event engine service).
"""

from alembic import op
import sqlalchemy as sa


revision = '007'
down_revision = '006'
branch_labels = None
depends_on = None

_INDEXES = {
    'ix_event_triggers_created_at': ['created_at', 'id'],
    'ix_event_triggers_updated_at': ['updated_at'],
    'ix_event_triggers_project_scope': ['project_id', 'scope'],
    'ix_event_triggers_workflow_id': ['workflow_id'],
    'ix_event_triggers_name': ['name'],
    'ix_event_triggers_topic': ['topic'],
    'ix_event_triggers_event': ['event'],
    'ix_event_triggers_scope': ['scope'],
}


def upgrade():
    op.create_table(
        'event_triggers',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.Column('project_id', sa.String(80), nullable=False),
        sa.Column('scope', sa.String(80), nullable=False),
        sa.Column('name', sa.String(200), nullable=True),
        sa.Column('workflow_id', sa.String(36),
                  sa.ForeignKey('workflow_definitions.id'), nullable=False),
        sa.Column('workflow_input', sa.Text(), nullable=False),
        sa.Column('workflow_params', sa.Text(), nullable=False),
        sa.Column('exchange', sa.String(80), nullable=False),
        sa.Column('topic', sa.String(80), nullable=False),
        sa.Column('event', sa.String(80), nullable=False),
        sa.UniqueConstraint('exchange', 'topic', 'event', 'workflow_id',
                            'project_id', name='uq_event_triggers_target'),
    )
    for name, columns in _INDEXES.items():
        op.create_index(name, 'event_triggers', columns)


def downgrade():
    for name in _INDEXES:
        op.drop_index(name, table_name='event_triggers')
    op.drop_table('event_triggers')
