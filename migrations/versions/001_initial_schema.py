"""initial schema

Revision ID: 001
Revises:
Create Date: 2026-11-29 07:02:25.954405
"""

from alembic import op
import sqlalchemy as sa


revision = '001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('action_definitions',
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('namespace', sa.String(length=255), nullable=False),
    sa.Column('scope', sa.String(length=80), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('definition', sa.Text(), nullable=True),
    sa.Column('checksum', sa.String(length=32), nullable=True),
    sa.Column('tags', sa.Text(), nullable=False),
    sa.Column('input', sa.Text(), nullable=False),
    sa.Column('is_system', sa.Boolean(), nullable=False),
    sa.Column('action_class', sa.String(length=255), nullable=True),
    sa.Column('workbook_name', sa.String(length=255), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('project_id', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name', 'namespace', 'project_id', name='uq_action_definitions_name_ns_project')
    )
    with op.batch_alter_table('action_definitions', schema=None) as batch_op:
        batch_op.create_index('ix_action_definitions_created_at', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_action_definitions_is_system', ['is_system'], unique=False)
        batch_op.create_index('ix_action_definitions_name', ['name'], unique=False)
        batch_op.create_index('ix_action_definitions_namespace', ['namespace'], unique=False)
        batch_op.create_index('ix_action_definitions_project_scope', ['project_id', 'scope'], unique=False)
        batch_op.create_index('ix_action_definitions_scope', ['scope'], unique=False)
        batch_op.create_index('ix_action_definitions_updated_at', ['updated_at'], unique=False)

    op.create_table('delayed_calls',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('run_at', sa.DateTime(), nullable=False),
    sa.Column('func_name', sa.String(length=255), nullable=False),
    sa.Column('func_args', sa.Text(), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=True),
    sa.Column('claimed_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('delayed_calls', schema=None) as batch_op:
        batch_op.create_index('ix_delayed_calls_key', ['key'], unique=False)
        batch_op.create_index('ix_delayed_calls_run_at', ['run_at'], unique=False)

    op.create_table('environments',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('variables', sa.Text(), nullable=False),
    sa.Column('scope', sa.String(length=80), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('project_id', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name', 'project_id', name='uq_environments_name_project')
    )
    with op.batch_alter_table('environments', schema=None) as batch_op:
        batch_op.create_index('ix_environments_created_at', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_environments_project_scope', ['project_id', 'scope'], unique=False)

    op.create_table('workbooks',
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('namespace', sa.String(length=255), nullable=False),
    sa.Column('scope', sa.String(length=80), nullable=False),
    sa.Column('definition', sa.Text(), nullable=False),
    sa.Column('checksum', sa.String(length=32), nullable=False),
    sa.Column('tags', sa.Text(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('project_id', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name', 'namespace', 'project_id', name='uq_workbooks_name_ns_project')
    )
    with op.batch_alter_table('workbooks', schema=None) as batch_op:
        batch_op.create_index('ix_workbooks_created_at', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_workbooks_name', ['name'], unique=False)
        batch_op.create_index('ix_workbooks_namespace', ['namespace'], unique=False)
        batch_op.create_index('ix_workbooks_project_scope', ['project_id', 'scope'], unique=False)
        batch_op.create_index('ix_workbooks_scope', ['scope'], unique=False)
        batch_op.create_index('ix_workbooks_updated_at', ['updated_at'], unique=False)

    op.create_table('workflow_definitions',
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('namespace', sa.String(length=255), nullable=False),
    sa.Column('scope', sa.String(length=80), nullable=False),
    sa.Column('definition', sa.Text(), nullable=False),
    sa.Column('checksum', sa.String(length=32), nullable=False),
    sa.Column('tags', sa.Text(), nullable=False),
    sa.Column('input', sa.Text(), nullable=False),
    sa.Column('interface', sa.Text(), nullable=False),
    sa.Column('is_system', sa.Boolean(), nullable=False),
    sa.Column('workbook_name', sa.String(length=255), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('project_id', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name', 'namespace', 'project_id', name='uq_workflow_definitions_name_ns_project')
    )
    with op.batch_alter_table('workflow_definitions', schema=None) as batch_op:
        batch_op.create_index('ix_workflow_definitions_created_at', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_workflow_definitions_name', ['name'], unique=False)
        batch_op.create_index('ix_workflow_definitions_namespace', ['namespace'], unique=False)
        batch_op.create_index('ix_workflow_definitions_project_scope', ['project_id', 'scope'], unique=False)
        batch_op.create_index('ix_workflow_definitions_scope', ['scope'], unique=False)
        batch_op.create_index('ix_workflow_definitions_updated_at', ['updated_at'], unique=False)

    op.create_table('workflow_executions',
    sa.Column('workflow_name', sa.String(length=255), nullable=False),
    sa.Column('workflow_namespace', sa.String(length=255), nullable=False),
    sa.Column('workflow_id', sa.String(length=36), nullable=True),
    sa.Column('description', sa.String(length=255), nullable=False),
    sa.Column('spec_checksum', sa.String(length=64), nullable=True),
    sa.Column('spec_definition', sa.Text(), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('state_info', sa.Text(), nullable=True),
    sa.Column('tags', sa.Text(), nullable=False),
    sa.Column('accepted', sa.Boolean(), nullable=False),
    sa.Column('input', sa.Text(), nullable=False),
    sa.Column('output', sa.Text(), nullable=False),
    sa.Column('params', sa.Text(), nullable=False),
    sa.Column('context', sa.Text(), nullable=False),
    sa.Column('runtime_context', sa.Text(), nullable=False),
    sa.Column('root_execution_id', sa.String(length=36), nullable=True),
    sa.Column('task_execution_id', sa.String(length=36), nullable=True),
    sa.Column('scope', sa.String(length=80), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('project_id', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('workflow_executions', schema=None) as batch_op:
        batch_op.create_index('ix_wf_ex_project_created', ['project_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_wf_ex_root_execution_id', ['root_execution_id'], unique=False)
        batch_op.create_index('ix_wf_ex_state', ['state'], unique=False)
        batch_op.create_index('ix_wf_ex_task_execution_id', ['task_execution_id'], unique=False)
        batch_op.create_index('ix_wf_ex_updated_at', ['updated_at'], unique=False)
        batch_op.create_index('ix_wf_ex_workflow_id', ['workflow_id'], unique=False)
        batch_op.create_index('ix_wf_ex_workflow_name', ['workflow_name'], unique=False)

    op.create_table('cron_triggers',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('pattern', sa.String(length=100), nullable=True),
    sa.Column('first_execution_time', sa.DateTime(), nullable=True),
    sa.Column('next_execution_time', sa.DateTime(), nullable=True),
    sa.Column('remaining_executions', sa.Integer(), nullable=True),
    sa.Column('workflow_name', sa.String(length=255), nullable=False),
    sa.Column('workflow_id', sa.String(length=36), nullable=False),
    sa.Column('workflow_namespace', sa.String(length=255), nullable=False),
    sa.Column('workflow_input', sa.Text(), nullable=False),
    sa.Column('workflow_params', sa.Text(), nullable=False),
    sa.Column('scope', sa.String(length=80), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('project_id', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['workflow_id'], ['workflow_definitions.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name', 'project_id', name='uq_cron_triggers_name_project')
    )
    with op.batch_alter_table('cron_triggers', schema=None) as batch_op:
        batch_op.create_index('ix_cron_triggers_created_at', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_cron_triggers_next_execution_time', ['next_execution_time'], unique=False)
        batch_op.create_index('ix_cron_triggers_project_scope', ['project_id', 'scope'], unique=False)
        batch_op.create_index('ix_cron_triggers_workflow_id', ['workflow_id'], unique=False)

    op.create_table('task_executions',
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('workflow_execution_id', sa.String(length=36), nullable=False),
    sa.Column('workflow_name', sa.String(length=255), nullable=False),
    sa.Column('workflow_namespace', sa.String(length=255), nullable=False),
    sa.Column('workflow_id', sa.String(length=36), nullable=True),
    sa.Column('type', sa.String(length=10), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('state_info', sa.Text(), nullable=True),
    sa.Column('tags', sa.Text(), nullable=False),
    sa.Column('processed', sa.Boolean(), nullable=False),
    sa.Column('unique_key', sa.String(length=255), nullable=True),
    sa.Column('has_next_tasks', sa.Boolean(), nullable=False),
    sa.Column('error_handled', sa.Boolean(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('spec', sa.Text(), nullable=False),
    sa.Column('in_context', sa.Text(), nullable=False),
    sa.Column('published', sa.Text(), nullable=True),
    sa.Column('runtime_context', sa.Text(), nullable=False),
    sa.Column('next_tasks', sa.Text(), nullable=False),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('project_id', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['workflow_execution_id'], ['workflow_executions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('task_executions', schema=None) as batch_op:
        batch_op.create_index('ix_task_ex_project_created', ['project_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_task_ex_state', ['state'], unique=False)
        batch_op.create_index('ix_task_ex_unique_key', ['unique_key'], unique=False)
        batch_op.create_index('ix_task_ex_updated_at', ['updated_at'], unique=False)
        batch_op.create_index('ix_task_ex_wf_ex_name', ['workflow_execution_id', 'name'], unique=False)
        batch_op.create_index('ix_task_ex_wf_ex_state', ['workflow_execution_id', 'state'], unique=False)
        batch_op.create_index('ix_task_ex_workflow_name', ['workflow_name'], unique=False)

    op.create_table('action_executions',
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=False),
    sa.Column('workflow_name', sa.String(length=255), nullable=True),
    sa.Column('workflow_namespace', sa.String(length=255), nullable=False),
    sa.Column('task_execution_id', sa.String(length=36), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('state_info', sa.Text(), nullable=True),
    sa.Column('tags', sa.Text(), nullable=False),
    sa.Column('accepted', sa.Boolean(), nullable=False),
    sa.Column('is_sync', sa.Boolean(), nullable=False),
    sa.Column('index', sa.Integer(), nullable=False),
    sa.Column('last_heartbeat', sa.DateTime(), nullable=True),
    sa.Column('input', sa.Text(), nullable=False),
    sa.Column('output', sa.Text(), nullable=True),
    sa.Column('runtime_context', sa.Text(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('project_id', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['task_execution_id'], ['task_executions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('action_executions', schema=None) as batch_op:
        batch_op.create_index('ix_action_ex_name', ['name'], unique=False)
        batch_op.create_index('ix_action_ex_project_created', ['project_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_action_ex_state', ['state'], unique=False)
        batch_op.create_index('ix_action_ex_task_ex', ['task_execution_id'], unique=False)
        batch_op.create_index('ix_action_ex_updated_at', ['updated_at'], unique=False)



def downgrade():
    with op.batch_alter_table('action_executions', schema=None) as batch_op:
        batch_op.drop_index('ix_action_ex_updated_at')
        batch_op.drop_index('ix_action_ex_task_ex')
        batch_op.drop_index('ix_action_ex_state')
        batch_op.drop_index('ix_action_ex_project_created')
        batch_op.drop_index('ix_action_ex_name')

    op.drop_table('action_executions')
    with op.batch_alter_table('task_executions', schema=None) as batch_op:
        batch_op.drop_index('ix_task_ex_workflow_name')
        batch_op.drop_index('ix_task_ex_wf_ex_state')
        batch_op.drop_index('ix_task_ex_wf_ex_name')
        batch_op.drop_index('ix_task_ex_updated_at')
        batch_op.drop_index('ix_task_ex_unique_key')
        batch_op.drop_index('ix_task_ex_state')
        batch_op.drop_index('ix_task_ex_project_created')

    op.drop_table('task_executions')
    with op.batch_alter_table('cron_triggers', schema=None) as batch_op:
        batch_op.drop_index('ix_cron_triggers_workflow_id')
        batch_op.drop_index('ix_cron_triggers_project_scope')
        batch_op.drop_index('ix_cron_triggers_next_execution_time')
        batch_op.drop_index('ix_cron_triggers_created_at')

    op.drop_table('cron_triggers')
    with op.batch_alter_table('workflow_executions', schema=None) as batch_op:
        batch_op.drop_index('ix_wf_ex_workflow_name')
        batch_op.drop_index('ix_wf_ex_workflow_id')
        batch_op.drop_index('ix_wf_ex_updated_at')
        batch_op.drop_index('ix_wf_ex_task_execution_id')
        batch_op.drop_index('ix_wf_ex_state')
        batch_op.drop_index('ix_wf_ex_root_execution_id')
        batch_op.drop_index('ix_wf_ex_project_created')

    op.drop_table('workflow_executions')
    with op.batch_alter_table('workflow_definitions', schema=None) as batch_op:
        batch_op.drop_index('ix_workflow_definitions_updated_at')
        batch_op.drop_index('ix_workflow_definitions_project_scope')
        batch_op.drop_index('ix_workflow_definitions_scope')
        batch_op.drop_index('ix_workflow_definitions_namespace')
        batch_op.drop_index('ix_workflow_definitions_name')
        batch_op.drop_index('ix_workflow_definitions_created_at')

    op.drop_table('workflow_definitions')
    with op.batch_alter_table('workbooks', schema=None) as batch_op:
        batch_op.drop_index('ix_workbooks_updated_at')
        batch_op.drop_index('ix_workbooks_project_scope')
        batch_op.drop_index('ix_workbooks_scope')
        batch_op.drop_index('ix_workbooks_namespace')
        batch_op.drop_index('ix_workbooks_name')
        batch_op.drop_index('ix_workbooks_created_at')

    op.drop_table('workbooks')
    with op.batch_alter_table('environments', schema=None) as batch_op:
        batch_op.drop_index('ix_environments_project_scope')
        batch_op.drop_index('ix_environments_created_at')

    op.drop_table('environments')
    with op.batch_alter_table('delayed_calls', schema=None) as batch_op:
        batch_op.drop_index('ix_delayed_calls_run_at')
        batch_op.drop_index('ix_delayed_calls_key')

    op.drop_table('delayed_calls')
    with op.batch_alter_table('action_definitions', schema=None) as batch_op:
        batch_op.drop_index('ix_action_definitions_updated_at')
        batch_op.drop_index('ix_action_definitions_project_scope')
        batch_op.drop_index('ix_action_definitions_scope')
        batch_op.drop_index('ix_action_definitions_namespace')
        batch_op.drop_index('ix_action_definitions_name')
        batch_op.drop_index('ix_action_definitions_is_system')
        batch_op.drop_index('ix_action_definitions_created_at')

    op.drop_table('action_definitions')
