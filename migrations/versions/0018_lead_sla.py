"""a routed lead's SLA deadline (indexed for the expiry sweep), the franchise's duty phone for lead SMS,
and when a lead's step was told to the branch (steps logged before this are counted as told)

Revision ID: 0018
Revises: 0017

"""
from alembic import op
import sqlalchemy as sa

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

UNTOLD = "told_at IS NULL AND kind IN ('routed', 'expired') AND franchise_id IS NOT NULL"


def upgrade():
    with op.batch_alter_table('lead') as batch:
        batch.add_column(sa.Column('sla_due_at', sa.DateTime(timezone=True), nullable=True))
        batch.create_index('ix_lead_sla_due_at', ['sla_due_at'])
    with op.batch_alter_table('franchise') as batch:
        batch.add_column(sa.Column('duty_phone', sa.String(length=20), nullable=True))
    with op.batch_alter_table('lead_event') as batch:
        batch.add_column(sa.Column('told_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE lead_event SET told_at = at")
    op.create_index('ix_lead_event_untold', 'lead_event', ['at'], postgresql_where=sa.text(UNTOLD),
                    sqlite_where=sa.text(UNTOLD))


def downgrade():
    op.drop_index('ix_lead_event_untold', table_name='lead_event')
    with op.batch_alter_table('lead_event') as batch:
        batch.drop_column('told_at')
    with op.batch_alter_table('franchise') as batch:
        batch.drop_column('duty_phone')
    with op.batch_alter_table('lead') as batch:
        batch.drop_index('ix_lead_sla_due_at')
        batch.drop_column('sla_due_at')
