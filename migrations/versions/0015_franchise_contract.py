"""a franchise's contract (legal name, dates) and one official representative per city

Revision ID: 0015
Revises: 0014

"""
from alembic import op
import sqlalchemy as sa

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

ONE_OFFICIAL = "tier = 'official' AND status = 'active' AND deleted_at IS NULL"


def upgrade():
    with op.batch_alter_table('franchise') as batch:
        batch.add_column(sa.Column('legal_name', sa.String(length=200), nullable=True))
        batch.add_column(sa.Column('contract_start', sa.Date(), nullable=True))
        batch.add_column(sa.Column('contract_end', sa.Date(), nullable=True))
        # a Messaging Service SID is MG and 32 hex digits
        batch.alter_column('sms_sender', type_=sa.String(length=34), existing_type=sa.String(length=32))
    op.create_index('uq_franchise_official_region', 'franchise', ['region_id'], unique=True,
                    postgresql_where=sa.text(ONE_OFFICIAL), sqlite_where=sa.text(ONE_OFFICIAL))


def downgrade():
    op.drop_index('uq_franchise_official_region', table_name='franchise')
    with op.batch_alter_table('franchise') as batch:
        batch.alter_column('sms_sender', type_=sa.String(length=32), existing_type=sa.String(length=34))
        batch.drop_column('contract_end')
        batch.drop_column('contract_start')
        batch.drop_column('legal_name')
