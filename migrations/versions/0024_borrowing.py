"""head office may let two neighbouring regions borrow each other's workers (region_link, stored both ways);
an offer and an attendance mark of a borrowed worker record the region that lent him, so both sides'
figures stay right; a partial index finds those few marks

Revision ID: 0024
Revises: 0020

"""
from alembic import op
import sqlalchemy as sa

revision = '0024'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'region_link',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('region_id', sa.Integer(), sa.ForeignKey('region.id'), nullable=False),
        sa.Column('neighbour_id', sa.Integer(), sa.ForeignKey('region.id'), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), sa.ForeignKey('user.id'), nullable=True),
        sa.UniqueConstraint('region_id', 'neighbour_id', name='uq_region_link'),
    )
    with op.batch_alter_table('offer') as batch:
        batch.add_column(sa.Column('lent_from_region_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_offer_lent_from_region', 'region', ['lent_from_region_id'], ['id'])
    with op.batch_alter_table('attendance') as batch:
        batch.add_column(sa.Column('lent_from_region_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_attendance_lent_from_region', 'region', ['lent_from_region_id'], ['id'])
    op.create_index('ix_attendance_lent', 'attendance', ['lent_from_region_id'],
                    postgresql_where=sa.text('lent_from_region_id IS NOT NULL'),
                    sqlite_where=sa.text('lent_from_region_id IS NOT NULL'))


def downgrade():
    op.drop_index('ix_attendance_lent', table_name='attendance')
    with op.batch_alter_table('attendance') as batch:
        batch.drop_constraint('fk_attendance_lent_from_region', type_='foreignkey')
        batch.drop_column('lent_from_region_id')
    with op.batch_alter_table('offer') as batch:
        batch.drop_constraint('fk_offer_lent_from_region', type_='foreignkey')
        batch.drop_column('lent_from_region_id')
    op.drop_table('region_link')
