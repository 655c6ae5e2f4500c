"""Lists at 1M rows: one range for a person's access log, mandates, check-in days, parking disputes, appeals and bill disputes, and for a biller's disputes and bindings to decide

Revision ID: 8d4f2b6e1c9a
Revises: 5c2e8f1a7b3d
Create Date: 2026-12-02 14:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8d4f2b6e1c9a'
down_revision = '5c2e8f1a7b3d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entries_subject_id', ['subject_person_id', 'id'], unique=False)
    with op.batch_alter_table('mandates', schema=None) as batch_op:
        batch_op.create_index('ix_mandates_grantor_id_id', ['grantor_id', 'id'], unique=False)
        batch_op.create_index('ix_mandates_grantee_id_id', ['grantee_id', 'id'], unique=False)
        batch_op.drop_index('ix_mandates_grantor_id')
    with op.batch_alter_table('elder_checkins', schema=None) as batch_op:
        batch_op.create_index('ix_elder_checkins_person_id_id', ['person_id', 'id'], unique=False)
    with op.batch_alter_table('parking_disputes', schema=None) as batch_op:
        batch_op.create_index('ix_parking_disputes_person_id_id', ['person_id', 'id'], unique=False)
        batch_op.drop_index('ix_parking_disputes_person_id')
    with op.batch_alter_table('traffic_violation_disputes', schema=None) as batch_op:
        batch_op.create_index('ix_traffic_violation_disputes_person_id_id', ['person_id', 'id'], unique=False)
        batch_op.drop_index('ix_traffic_violation_disputes_person_id')
    with op.batch_alter_table('bill_disputes', schema=None) as batch_op:
        batch_op.create_index('ix_bill_disputes_person_id_id', ['person_id', 'id'], unique=False)
        batch_op.create_index('ix_bill_disputes_biller_status_id', ['biller_id', 'status', 'id'], unique=False)
        batch_op.drop_index('ix_bill_disputes_person_id')
        batch_op.drop_index('ix_bill_disputes_biller_status')
    with op.batch_alter_table('utility_accounts', schema=None) as batch_op:
        batch_op.create_index('ix_utility_accounts_biller_status_id', ['biller_id', 'status', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('utility_accounts', schema=None) as batch_op:
        batch_op.drop_index('ix_utility_accounts_biller_status_id')
    with op.batch_alter_table('bill_disputes', schema=None) as batch_op:
        batch_op.create_index('ix_bill_disputes_biller_status', ['biller_id', 'status'], unique=False)
        batch_op.create_index('ix_bill_disputes_person_id', ['person_id'], unique=False)
        batch_op.drop_index('ix_bill_disputes_biller_status_id')
        batch_op.drop_index('ix_bill_disputes_person_id_id')
    with op.batch_alter_table('traffic_violation_disputes', schema=None) as batch_op:
        batch_op.create_index('ix_traffic_violation_disputes_person_id', ['person_id'], unique=False)
        batch_op.drop_index('ix_traffic_violation_disputes_person_id_id')
    with op.batch_alter_table('parking_disputes', schema=None) as batch_op:
        batch_op.create_index('ix_parking_disputes_person_id', ['person_id'], unique=False)
        batch_op.drop_index('ix_parking_disputes_person_id_id')
    with op.batch_alter_table('elder_checkins', schema=None) as batch_op:
        batch_op.drop_index('ix_elder_checkins_person_id_id')
    with op.batch_alter_table('mandates', schema=None) as batch_op:
        batch_op.create_index('ix_mandates_grantor_id', ['grantor_id'], unique=False)
        batch_op.drop_index('ix_mandates_grantee_id_id')
        batch_op.drop_index('ix_mandates_grantor_id_id')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entries_subject_id')
