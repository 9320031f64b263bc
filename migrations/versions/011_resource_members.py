"""resource_members

Revision ID: 011
Revises: 010
Create Date: 2026-12-07 12:00:00

Workflow members (``/v2/workflows/{id}/members``): the projects a private
workflow is shared with and whether they accepted it. The index on
(member_id, resource_type, status, resource_id) answers the visibility
clause of every workflow query ("the ids this project accepted").
"""

from alembic import op
import sqlalchemy as sa


revision = '011'
down_revision = '010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'resource_members',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.Column('project_id', sa.String(80), nullable=False),
        sa.Column('resource_id', sa.String(80), nullable=False),
        sa.Column('resource_type', sa.String(50), nullable=False),
        sa.Column('member_id', sa.String(80), nullable=False),
        sa.Column('status', sa.String(20), nullable=False),
        sa.UniqueConstraint('resource_id', 'resource_type', 'member_id',
                            name='uq_resource_members_resource_member'),
    )
    op.create_index('ix_resource_members_member', 'resource_members',
                    ['member_id', 'resource_type', 'status', 'resource_id'])


def downgrade():
    op.drop_index('ix_resource_members_member', 'resource_members')
    op.drop_table('resource_members')
