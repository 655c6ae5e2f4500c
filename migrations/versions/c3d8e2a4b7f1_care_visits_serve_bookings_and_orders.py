"""Care visits serve appointment bookings and commerce orders: the ties on both sides

Revision ID: c3d8e2a4b7f1
Revises: 4b7e1c9d2a6f
Create Date: 2026-12-02 01:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3d8e2a4b7f1'
down_revision = '4b7e1c9d2a6f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('elder_care_visits', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('provider_kind', sa.String(length=20), server_default='care_provider', nullable=False)
        )
        batch_op.add_column(sa.Column('appointment_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('order_id', sa.Uuid(), nullable=True))
    with op.batch_alter_table('appointment_services', schema=None) as batch_op:
        batch_op.add_column(sa.Column('service_type', sa.String(length=40), server_default='', nullable=False))
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('visit_id', sa.Uuid(), nullable=True))
    with op.batch_alter_table('commerce_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('visit_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('visit_verified_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('commerce_orders', schema=None) as batch_op:
        batch_op.drop_column('visit_verified_at')
        batch_op.drop_column('visit_id')
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_column('visit_id')
    with op.batch_alter_table('appointment_services', schema=None) as batch_op:
        batch_op.drop_column('service_type')
    with op.batch_alter_table('elder_care_visits', schema=None) as batch_op:
        batch_op.drop_column('order_id')
        batch_op.drop_column('appointment_id')
        batch_op.drop_column('provider_kind')
