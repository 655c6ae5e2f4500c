"""Appointments: the sweep's index (booked or arrived, by the end of their slot)

Revision ID: d7a3c9e1f2b4
Revises: c5367ab5db1f
Create Date: 2026-12-04 20:35:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd7a3c9e1f2b4'
down_revision = 'c5367ab5db1f'
branch_labels = None
depends_on = None

OPEN = sa.text("status IN ('booked', 'arrived')")


def upgrade():
    # No-shows (booked, past their end) and check-ins never closed (arrived, long past) without a
    # scan of every appointment ever booked.
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.create_index(
            'ix_appointments_open_end', ['status', 'ends_at'], unique=False, postgresql_where=OPEN, sqlite_where=OPEN
        )


def downgrade():
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_index('ix_appointments_open_end', postgresql_where=OPEN, sqlite_where=OPEN)
