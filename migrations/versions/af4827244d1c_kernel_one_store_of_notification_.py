"""kernel: one store of notification channels; idempotency fingerprints only in the kernel; audit resource ids

Revision ID: af4827244d1c
Revises: 136cb82cfe11
Create Date: 2026-12-01 11:19:33.342701

"""
import secrets

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'af4827244d1c'
down_revision = '136cb82cfe11'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resource_id', sa.String(length=64), nullable=True))

    with op.batch_alter_table('payment_intents', schema=None) as batch_op:
        batch_op.drop_column('request_fingerprint')

    with op.batch_alter_table('payment_refunds', schema=None) as batch_op:
        batch_op.drop_column('request_fingerprint')

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('notification_channels')

    # Every person has a city-code subject from the start (reading a code writes nothing).
    people = sa.table('people', sa.column('id', sa.Uuid()), sa.column('citycode_subject', sa.String(32)))
    connection = op.get_bind()
    for (person_id,) in connection.execute(sa.select(people.c.id).where(people.c.citycode_subject.is_(None))):
        connection.execute(
            people.update().where(people.c.id == person_id).values(citycode_subject=secrets.token_urlsafe(16))
        )


def downgrade():
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_column('resource_id')

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notification_channels', sa.JSON(), server_default='["sms"]', nullable=False))

    with op.batch_alter_table('payment_refunds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_fingerprint', sa.VARCHAR(length=64), nullable=False, server_default=''))

    with op.batch_alter_table('payment_intents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_fingerprint', sa.VARCHAR(length=64), nullable=False, server_default=''))

    # ### end Alembic commands ###
