"""environments.variables may be NULL (created without variables)

Revision ID: 003
Revises: 002
Create Date: 2026-11-29 11:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '003'
down_revision = '002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('environments') as batch:
        batch.alter_column('variables', existing_type=sa.Text(),
                           nullable=True)


def downgrade():
    op.execute("UPDATE environments SET variables = '{}' "
               "WHERE variables IS NULL")
    with op.batch_alter_table('environments') as batch:
        batch.alter_column('variables', existing_type=sa.Text(),
                           nullable=False)
