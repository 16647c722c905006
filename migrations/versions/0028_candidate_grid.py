"""candidate search reads the dispatchable pool by region, grid cell of the home (0.04° of latitude by 0.08° of
longitude) and merit (0.45 * (rating - 1) / 4 + 0.35 * reliability), so a search reads one short range of the index
per cell near the site instead of every worker of the latitude band; PostgreSQL only (SQLite searches the region)

Revision ID: 0028
Revises: 0027

"""
from alembic import op
import sqlalchemy as sa

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

DISPATCHABLE = "status = 'active' AND NOT opted_out AND deleted_at IS NULL"
# The expressions of core.geo.grid_cell_sql and dispatch.ranking.merit_sql, as they are written today.
CELL = 'CAST(floor(lat * 25) AS INTEGER) * 10000 + CAST(floor(lon * 12.5) AS INTEGER)'
MERIT = 'CAST(0.1125 * (rating - 1) + 0.35 * reliability AS FLOAT)'
INCLUDED = ['id', 'lat', 'lon', 'skill_mask', 'max_travel_km', 'rating', 'reliability', 'last_offer_at', 'avail_mon',
            'avail_tue', 'avail_wed', 'avail_thu', 'avail_fri', 'avail_sat', 'avail_sun']
BEFORE = ['id', 'skill_mask', 'max_travel_km', 'rating', 'reliability', 'last_offer_at', 'avail_mon', 'avail_tue',
          'avail_wed', 'avail_thu', 'avail_fri', 'avail_sat', 'avail_sun']


def upgrade():
    op.drop_index('ix_worker_candidates', table_name='worker')
    if op.get_bind().dialect.name == 'postgresql':
        op.create_index('ix_worker_candidates', 'worker', ['region_id', sa.text(f'({CELL})'), sa.text(f'({MERIT})')],
                        postgresql_include=INCLUDED, postgresql_where=sa.text(DISPATCHABLE))


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_worker_candidates', table_name='worker')
    op.create_index('ix_worker_candidates', 'worker', ['region_id', 'lat', 'lon'], postgresql_include=BEFORE,
                    postgresql_where=sa.text(DISPATCHABLE))
