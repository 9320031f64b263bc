"""code_sources, dynamic_action_definitions

Revision ID: 008
Revises: 006
Create Date: 2026-12-07 09:00:00

Python modules uploaded through the API and the classes in them exposed as
actions (``/v2/code_sources``, ``/v2/dynamic_actions``).
"""

from alembic import op
import sqlalchemy as sa


revision = '008'
down_revision = '007'
branch_labels = None
depends_on = None


def _common_columns():
    return [
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.Column('project_id', sa.String(80), nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('namespace', sa.String(255), nullable=False),
        sa.Column('scope', sa.String(80), nullable=False),
    ]


def _definition_indexes(table):
    op.create_index('ix_%s_project_scope' % table, table,
                    ['project_id', 'scope'])
    op.create_index('ix_%s_scope' % table, table, ['scope'])
    op.create_index('ix_%s_created_at' % table, table, ['created_at', 'id'])
    op.create_index('ix_%s_updated_at' % table, table, ['updated_at'])
    op.create_index('ix_%s_name' % table, table, ['name'])
    op.create_index('ix_%s_namespace' % table, table, ['namespace'])


def upgrade():
    op.create_table(
        'code_sources',
        *_common_columns(),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('tags', sa.Text(), nullable=False),
        sa.UniqueConstraint('name', 'namespace', 'project_id',
                            name='uq_code_sources_name_ns_project'),
    )
    _definition_indexes('code_sources')
    op.create_table(
        'dynamic_action_definitions',
        *_common_columns(),
        sa.Column('class_name', sa.String(255), nullable=False),
        sa.Column('code_source_id', sa.String(36),
                  sa.ForeignKey('code_sources.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('code_source_name', sa.String(255), nullable=False),
        sa.UniqueConstraint(
            'name', 'namespace', 'project_id',
            name='uq_dynamic_action_definitions_name_ns_project'),
    )
    _definition_indexes('dynamic_action_definitions')
    op.create_index('ix_dynamic_action_definitions_code_source',
                    'dynamic_action_definitions', ['code_source_id'])


def downgrade():
    op.drop_table('dynamic_action_definitions')
    op.drop_table('code_sources')
