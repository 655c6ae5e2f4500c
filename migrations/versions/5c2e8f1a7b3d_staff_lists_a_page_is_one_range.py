"""Lists at 1M rows: a page is one range (a department's work and what it assists, extensions to decide, a desk's day, operators' and police queues, a scan log)

Revision ID: 5c2e8f1a7b3d
Revises: c3d8e2a4b7f1
Create Date: 2026-12-02 01:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c2e8f1a7b3d'
down_revision = 'c3d8e2a4b7f1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index('ix_complaints_lead_department_id_id', ['lead_department_id', 'id'], unique=False)
        batch_op.drop_index('ix_complaints_lead_department_id')
    with op.batch_alter_table('complaint_assists', schema=None) as batch_op:
        batch_op.create_index(
            'ix_complaint_assists_department_id_complaint_id', ['department_id', 'complaint_id'], unique=False
        )
    with op.batch_alter_table('complaint_extensions', schema=None) as batch_op:
        batch_op.create_index('ix_complaint_extensions_status_id', ['status', 'id'], unique=False)
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.create_index('ix_appointments_provider_day', ['provider_id', 'local_date', 'id'], unique=False)
        batch_op.drop_index('ix_appointments_provider_id')
    with op.batch_alter_table('parking_disputes', schema=None) as batch_op:
        batch_op.create_index(
            'ix_parking_disputes_operator_status_id', ['operator_client_id', 'status', 'id'], unique=False
        )
        batch_op.drop_index('ix_parking_disputes_operator_status')
    with op.batch_alter_table('traffic_violation_disputes', schema=None) as batch_op:
        batch_op.create_index(
            'ix_traffic_violation_disputes_police_status_id', ['police_client_id', 'status', 'id'], unique=False
        )
        batch_op.drop_index('ix_traffic_violation_disputes_police_status')
    with op.batch_alter_table('citycode_scans', schema=None) as batch_op:
        batch_op.create_index('ix_citycode_scans_person_id_id', ['person_id', 'id'], unique=False)
        batch_op.drop_index('ix_citycode_scans_person_created')


def downgrade():
    with op.batch_alter_table('citycode_scans', schema=None) as batch_op:
        batch_op.create_index('ix_citycode_scans_person_created', ['person_id', 'created_at'], unique=False)
        batch_op.drop_index('ix_citycode_scans_person_id_id')
    with op.batch_alter_table('traffic_violation_disputes', schema=None) as batch_op:
        batch_op.create_index(
            'ix_traffic_violation_disputes_police_status', ['police_client_id', 'status'], unique=False
        )
        batch_op.drop_index('ix_traffic_violation_disputes_police_status_id')
    with op.batch_alter_table('parking_disputes', schema=None) as batch_op:
        batch_op.create_index('ix_parking_disputes_operator_status', ['operator_client_id', 'status'], unique=False)
        batch_op.drop_index('ix_parking_disputes_operator_status_id')
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.create_index('ix_appointments_provider_id', ['provider_id'], unique=False)
        batch_op.drop_index('ix_appointments_provider_day')
    with op.batch_alter_table('complaint_extensions', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_extensions_status_id')
    with op.batch_alter_table('complaint_assists', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_assists_department_id_complaint_id')
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index('ix_complaints_lead_department_id', ['lead_department_id'], unique=False)
        batch_op.drop_index('ix_complaints_lead_department_id_id')
