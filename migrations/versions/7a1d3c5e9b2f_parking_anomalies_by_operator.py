"""Parking anomalies carry their lot's operator: the operator's list is one index range however many lots it runs

Revision ID: 7a1d3c5e9b2f
Revises: 4e4ff9896823
Create Date: 2026-12-03 15:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7a1d3c5e9b2f'
down_revision = '4e4ff9896823'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('parking_anomalies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('operator_client_id', sa.String(length=64), nullable=True))
    op.execute(
        "UPDATE parking_anomalies SET operator_client_id = "
        "(SELECT operator_client_id FROM parking_lots WHERE parking_lots.id = parking_anomalies.lot_id)"
    )
    with op.batch_alter_table('parking_anomalies', schema=None) as batch_op:
        batch_op.alter_column('operator_client_id', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_index('ix_parking_anomalies_operator_id', ['operator_client_id', 'id'], unique=False)
        batch_op.create_index(
            'ix_parking_anomalies_operator_status_id', ['operator_client_id', 'status', 'id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('parking_anomalies', schema=None) as batch_op:
        batch_op.drop_index('ix_parking_anomalies_operator_status_id')
        batch_op.drop_index('ix_parking_anomalies_operator_id')
        batch_op.drop_column('operator_client_id')
