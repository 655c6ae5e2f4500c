"""Elder care: a provider's visits begun and never ended are found by status and start, to lapse

Revision ID: e1a7c3b5d9f2
Revises: 8d4f2b6e1c9a
Create Date: 2026-12-02 14:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e1a7c3b5d9f2'
down_revision = '8d4f2b6e1c9a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('elder_care_visits', schema=None) as batch_op:
        batch_op.create_index('ix_elder_care_visits_status_started', ['status', 'started_at'], unique=False)


def downgrade():
    with op.batch_alter_table('elder_care_visits', schema=None) as batch_op:
        batch_op.drop_index('ix_elder_care_visits_status_started')
