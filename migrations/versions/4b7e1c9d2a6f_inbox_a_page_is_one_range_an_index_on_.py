"""Inbox, parking stays and shop orders: a page is one range, an index on (person_id, id)

Revision ID: 4b7e1c9d2a6f
Revises: a7c3e5d2f901
Create Date: 2026-12-01 22:08:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4b7e1c9d2a6f'
down_revision = 'a7c3e5d2f901'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('inbox_items', schema=None) as batch_op:
        batch_op.create_index('ix_inbox_items_person_id_id', ['person_id', 'id'], unique=False)
    with op.batch_alter_table('parking_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_parking_sessions_person_id_id', ['person_id', 'id'], unique=False)
    with op.batch_alter_table('commerce_orders', schema=None) as batch_op:
        batch_op.create_index('ix_commerce_orders_person_id_id', ['person_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('commerce_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_commerce_orders_person_id_id')
    with op.batch_alter_table('parking_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_parking_sessions_person_id_id')
    with op.batch_alter_table('inbox_items', schema=None) as batch_op:
        batch_op.drop_index('ix_inbox_items_person_id_id')
