"""Commerce: subsidy-eligible elder-care listings; an order's care-voucher part and its subsidy payment

Revision ID: a7c3e5d2f901
Revises: 36d3be344c1c
Create Date: 2026-12-01 21:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c3e5d2f901'
down_revision = '36d3be344c1c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('commerce_listings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subsidy_eligible', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('commerce_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subsidy_fen', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('voucher_held', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('subsidy_payment_id', sa.Uuid(), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_commerce_orders_subsidy_within_amount'), 'subsidy_fen >= 0 AND subsidy_fen <= amount_fen'
        )


def downgrade():
    with op.batch_alter_table('commerce_orders', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_commerce_orders_subsidy_within_amount'), type_='check')
        batch_op.drop_column('subsidy_payment_id')
        batch_op.drop_column('voucher_held')
        batch_op.drop_column('subsidy_fen')

    with op.batch_alter_table('commerce_listings', schema=None) as batch_op:
        batch_op.drop_column('subsidy_eligible')
