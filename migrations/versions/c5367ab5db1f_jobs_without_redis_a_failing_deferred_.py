"""Jobs without Redis: a failing deferred job is retried per its policy or kept as failed

Revision ID: c5367ab5db1f
Revises: b8e2f4a6c1d3
Create Date: 2026-12-03 18:29:49.607492

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5367ab5db1f'
down_revision = 'b8e2f4a6c1d3'
branch_labels = None
depends_on = None


def upgrade():
    # The runs begun, the retry policy, a running tick's lease, and a job failed for good. Due jobs
    # are found among those not failed, by run_at: one index range (failed_at IS NULL, run_at).
    with op.batch_alter_table('deferred_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('retry_max', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('retry_intervals', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_error', sa.String(length=1000), nullable=True))
        batch_op.drop_index(batch_op.f('ix_deferred_jobs_run_at'))
        batch_op.create_index('ix_deferred_jobs_due', ['failed_at', 'run_at'], unique=False)


def downgrade():
    with op.batch_alter_table('deferred_jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_deferred_jobs_due')
        batch_op.create_index(batch_op.f('ix_deferred_jobs_run_at'), ['run_at'], unique=False)
        batch_op.drop_column('last_error')
        batch_op.drop_column('failed_at')
        batch_op.drop_column('locked_until')
        batch_op.drop_column('retry_intervals')
        batch_op.drop_column('retry_max')
        batch_op.drop_column('attempts')
