"""Lists at 1M rows with a thousand of the reader's own: one range for a shop's listings, reviews and orders, the merchants to verify, a worker's elders, a queue by status and the outbox by status

Revision ID: 4e4ff9896823
Revises: e1a7c3b5d9f2
Create Date: 2026-12-03 15:09:22.850534

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4e4ff9896823'
down_revision = 'e1a7c3b5d9f2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('commerce_listings', schema=None) as batch_op:
        batch_op.create_index('ix_commerce_listings_merchant_id_id', ['merchant_id', 'id'], unique=False)
        batch_op.drop_index('ix_commerce_listings_merchant')

    with op.batch_alter_table('commerce_merchants', schema=None) as batch_op:
        batch_op.create_index('ix_commerce_merchants_status_id', ['status', 'id'], unique=False)
        batch_op.drop_index('ix_commerce_merchants_status')

    with op.batch_alter_table('commerce_orders', schema=None) as batch_op:
        batch_op.create_index('ix_commerce_orders_merchant_id_id', ['merchant_id', 'id'], unique=False)
        batch_op.create_index('ix_commerce_orders_merchant_status_id', ['merchant_id', 'status', 'id'], unique=False)
        batch_op.drop_index('ix_commerce_orders_merchant_status')

    with op.batch_alter_table('commerce_reviews', schema=None) as batch_op:
        batch_op.create_index('ix_commerce_reviews_merchant_id_id', ['merchant_id', 'id'], unique=False)
        batch_op.drop_index('ix_commerce_reviews_merchant')

    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index('ix_complaints_status_id', ['status', 'id'], unique=False)
        batch_op.drop_index('ix_complaints_status')

    with op.batch_alter_table('elder_profiles', schema=None) as batch_op:
        batch_op.create_index('ix_elder_profiles_worker_id_id', ['worker_id', 'id'], unique=False)
        batch_op.drop_index('ix_elder_profiles_worker_id')

    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_messages_status_id', ['status', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_messages_status_id')

    with op.batch_alter_table('elder_profiles', schema=None) as batch_op:
        batch_op.create_index('ix_elder_profiles_worker_id', ['worker_id'], unique=False)
        batch_op.drop_index('ix_elder_profiles_worker_id_id')

    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index('ix_complaints_status', ['status'], unique=False)
        batch_op.drop_index('ix_complaints_status_id')

    with op.batch_alter_table('commerce_reviews', schema=None) as batch_op:
        batch_op.create_index('ix_commerce_reviews_merchant', ['merchant_id'], unique=False)
        batch_op.drop_index('ix_commerce_reviews_merchant_id_id')

    with op.batch_alter_table('commerce_orders', schema=None) as batch_op:
        batch_op.create_index('ix_commerce_orders_merchant_status', ['merchant_id', 'status'], unique=False)
        batch_op.drop_index('ix_commerce_orders_merchant_status_id')
        batch_op.drop_index('ix_commerce_orders_merchant_id_id')

    with op.batch_alter_table('commerce_merchants', schema=None) as batch_op:
        batch_op.create_index('ix_commerce_merchants_status', ['status'], unique=False)
        batch_op.drop_index('ix_commerce_merchants_status_id')

    with op.batch_alter_table('commerce_listings', schema=None) as batch_op:
        batch_op.create_index('ix_commerce_listings_merchant', ['merchant_id'], unique=False)
        batch_op.drop_index('ix_commerce_listings_merchant_id_id')
