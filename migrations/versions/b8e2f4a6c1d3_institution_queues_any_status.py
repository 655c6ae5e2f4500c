"""An operator's, the police's and a biller's disputes of any status: one index range (owner, id), not a sort of all of them

Revision ID: b8e2f4a6c1d3
Revises: 7a1d3c5e9b2f
Create Date: 2026-12-03 15:55:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b8e2f4a6c1d3'
down_revision = '7a1d3c5e9b2f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('parking_disputes', schema=None) as batch_op:
        batch_op.create_index('ix_parking_disputes_operator_id', ['operator_client_id', 'id'], unique=False)
    with op.batch_alter_table('traffic_violation_disputes', schema=None) as batch_op:
        batch_op.create_index('ix_traffic_violation_disputes_police_id', ['police_client_id', 'id'], unique=False)
    with op.batch_alter_table('bill_disputes', schema=None) as batch_op:
        batch_op.create_index('ix_bill_disputes_biller_id', ['biller_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('bill_disputes', schema=None) as batch_op:
        batch_op.drop_index('ix_bill_disputes_biller_id')
    with op.batch_alter_table('traffic_violation_disputes', schema=None) as batch_op:
        batch_op.drop_index('ix_traffic_violation_disputes_police_id')
    with op.batch_alter_table('parking_disputes', schema=None) as batch_op:
        batch_op.drop_index('ix_parking_disputes_operator_id')
