"""task_executions.progress; timers name their target by a short name

Revision ID: 004
Revises: 003
Create Date: 2026-12-07 09:00:00

The engine's own bookkeeping of a task (with-items counters, join runs)
moves out of ``runtime_context`` (which the API shows as Mistral does)
into ``progress``. Timer rows named their target by an import path; they
name it by the short name the engine registers now.
"""

import json

from alembic import op
import sqlalchemy as sa


revision = '004'
down_revision = '003'
branch_labels = None
depends_on = None

# import path of earlier versions -> registered short name
TIMER_NAMES = {
    'mistral_clone.engine.policies.continue_task': 'task.continue',
    'mistral_clone.engine.policies.complete_task': 'task.complete',
    'mistral_clone.engine.policies.fail_if_incomplete': 'task.timeout',
}

_calls = sa.table('delayed_calls', sa.column('func_name', sa.String))


def _rename(mapping):
    for old, new in mapping.items():
        op.execute(_calls.update().where(_calls.c.func_name == old)
                   .values(func_name=new))


_COUNTERS = ('next', 'done', 'errors', 'cancels')


def _move_with_items_counters():
    """Running with-items tasks keep their counters, now in ``progress``;
    ``runtime_context['with_items']`` keeps Mistral's capacity and count
    (capacity None without concurrency)."""
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT id, runtime_context FROM task_executions "
        "WHERE state IN ('RUNNING', 'WAITING', 'DELAYED', 'PAUSED', 'IDLE') "
        "AND runtime_context LIKE '%with_items%'")).all()
    for task_id, text in rows:
        try:
            runtime = json.loads(text or '{}')
        except ValueError:
            continue
        state = runtime.get('with_items')
        if not isinstance(state, dict) or 'next' not in state:
            continue
        progress = {'count': state.get('count', 0)}
        for key in _COUNTERS:
            progress[key] = state.pop(key, 0)
        if not runtime.get('concurrency'):
            state['capacity'] = None
        conn.execute(
            sa.text("UPDATE task_executions SET runtime_context = :rc, "
                    "progress = :progress WHERE id = :id"),
            {'rc': json.dumps(runtime), 'progress': json.dumps(progress),
             'id': task_id})


def upgrade():
    with op.batch_alter_table('task_executions') as batch:
        batch.add_column(sa.Column('progress', sa.Text(), nullable=True))
    _rename(TIMER_NAMES)
    _move_with_items_counters()


def downgrade():
    _rename({new: old for old, new in TIMER_NAMES.items()})
    op.execute(_calls.delete().where(
        _calls.c.func_name == 'task.refresh_join'))
    with op.batch_alter_table('task_executions') as batch:
        batch.drop_column('progress')
