"""rate cards per franchise (beside head office's region defaults) with validity dates

Revision ID: 0016
Revises: 0015

"""
from alembic import op
import sqlalchemy as sa

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rate_card') as batch:
        batch.add_column(sa.Column('franchise_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('valid_from', sa.Date(), server_default='2000-01-01', nullable=False))
        batch.add_column(sa.Column('valid_to', sa.Date(), nullable=True))
        batch.create_foreign_key('fk_rate_card_franchise_id_franchise', 'franchise', ['franchise_id'], ['id'])
        batch.create_index('ix_rate_card_franchise_id', ['franchise_id'])
        batch.drop_constraint('uq_rate_card_tier', type_='unique')
        batch.create_unique_constraint('uq_rate_card_tier', ['region_id', 'franchise_id', 'work_type', 'conditions',
                                                             'min_headcount', 'valid_from'])


def downgrade():
    with op.batch_alter_table('rate_card') as batch:
        batch.drop_constraint('uq_rate_card_tier', type_='unique')
        batch.create_unique_constraint('uq_rate_card_tier', ['region_id', 'work_type', 'conditions', 'min_headcount'])
        batch.drop_index('ix_rate_card_franchise_id')
        batch.drop_constraint('fk_rate_card_franchise_id_franchise', type_='foreignkey')
        batch.drop_column('valid_to')
        batch.drop_column('valid_from')
        batch.drop_column('franchise_id')
