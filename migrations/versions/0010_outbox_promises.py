"""outbox rows carry their job id, retries and time, so every job is promised one way

Revision ID: 0010
Revises: 0009

"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('job_id', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('retry', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('run_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('run_at')
        batch_op.drop_column('retry')
        batch_op.drop_column('job_id')
