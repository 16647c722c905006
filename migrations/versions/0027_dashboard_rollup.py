"""head office's dashboard counts each region's closed orders per month once (dashboard_rollup), remembers which
(region, month)s are counted (dashboard_counted) and when it last looked for changed orders (dashboard_watermark);
its region table counts each pool from an index of the workers' region and status

Revision ID: 0027
Revises: 0021

"""
from alembic import op
import sqlalchemy as sa

revision = '0027'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'dashboard_rollup',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('region_id', sa.Integer(), sa.ForeignKey('region.id'), nullable=False),
        sa.Column('period', sa.String(7), nullable=False),
        sa.Column('franchise_id', sa.Integer(), sa.ForeignKey('franchise.id'), nullable=False),
        sa.Column('bill_rate', sa.Numeric(10, 2), nullable=False),
        sa.Column('hours', sa.Numeric(10, 2), nullable=False),
        sa.Column('worked', sa.Boolean(), nullable=False),
        sa.Column('orders', sa.Integer(), nullable=False),
        sa.Column('needed', sa.Integer(), nullable=False),
        sa.Column('filled', sa.Integer(), nullable=False),
        sa.Column('marks', sa.Integer(), nullable=False),
        sa.Column('no_shows', sa.Integer(), nullable=False),
    )
    op.create_index('ix_dashboard_rollup_month', 'dashboard_rollup', ['region_id', 'period'])
    op.create_table(
        'dashboard_counted',
        sa.Column('region_id', sa.Integer(), sa.ForeignKey('region.id'), primary_key=True),
        sa.Column('period', sa.String(7), primary_key=True),
        sa.Column('counted_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        'dashboard_watermark',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column('checked_at', sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index('ix_worker_region_status', 'worker', ['region_id', 'status'],
                    postgresql_where=sa.text('deleted_at IS NULL'), sqlite_where=sa.text('deleted_at IS NULL'))


def downgrade():
    op.drop_index('ix_worker_region_status', table_name='worker')
    op.drop_table('dashboard_watermark')
    op.drop_table('dashboard_counted')
    op.drop_index('ix_dashboard_rollup_month', table_name='dashboard_rollup')
    op.drop_table('dashboard_rollup')
