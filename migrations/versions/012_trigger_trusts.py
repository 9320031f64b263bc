"""cron_triggers.trust_id and event_triggers.trust_id

Revision ID: 012
Revises: 011
Create Date: 2026-12-07 11:30:00

The Keystone trust a trigger created with authentication on fires with
(``mistral_clone.keystone_trusts``); NULL with auth off. Mistral's column.
"""

from alembic import op
import sqlalchemy as sa


revision = '012'
down_revision = '011'
branch_labels = None
depends_on = None

TABLES = ('cron_triggers', 'event_triggers')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('trust_id', sa.String(80),
                                       nullable=True))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column('trust_id')
