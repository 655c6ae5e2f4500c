"""kernel: one store of notification channels; idempotency fingerprints only in the kernel; audit resource ids; reference data named in three languages

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


NAMED = ('districts', 'streets', 'departments')


def upgrade():
    # Reference data is named in all three languages (name_zh becomes name_zh_hans; name_zh_hant is
    # new and starts as the Simplified name until the data is refreshed).
    for table in NAMED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('name_zh', new_column_name='name_zh_hans', type_=sa.String(length=120),
                                  existing_nullable=False)
            batch_op.add_column(sa.Column('name_zh_hant', sa.String(length=120), nullable=True))
            batch_op.alter_column('name_en', type_=sa.String(length=120), existing_nullable=False)
        op.execute(f"UPDATE {table} SET name_zh_hant = name_zh_hans")
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('name_zh_hant', existing_type=sa.String(length=120), nullable=False)
    with op.batch_alter_table('complaint_categories', schema=None) as batch_op:
        for column in ('name_zh_hans', 'name_zh_hant', 'name_en'):
            batch_op.alter_column(column, type_=sa.String(length=120), existing_nullable=False)

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
    for table in NAMED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('name_zh_hant')
            batch_op.alter_column('name_zh_hans', new_column_name='name_zh', type_=sa.String(length=80))

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notification_channels', sa.JSON(), server_default='["sms"]', nullable=False))

    with op.batch_alter_table('payment_refunds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_fingerprint', sa.VARCHAR(length=64), nullable=False, server_default=''))

    with op.batch_alter_table('payment_intents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_fingerprint', sa.VARCHAR(length=64), nullable=False, server_default=''))

    # ### end Alembic commands ###
