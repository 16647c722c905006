"""leads taken by the call centre and the log of their routing

Revision ID: 0013
Revises: 0012

"""
from alembic import op
import sqlalchemy as sa

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'lead',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('caller_name', sa.String(length=120), nullable=False),
        sa.Column('company', sa.String(length=200), nullable=True),
        sa.Column('phone', sa.String(length=20), nullable=False),
        sa.Column('address', sa.String(length=300), nullable=False),
        sa.Column('lat', sa.Float(), nullable=False),
        sa.Column('lon', sa.Float(), nullable=False),
        sa.Column('work_type', sa.String(length=40), nullable=False),
        sa.Column('headcount', sa.Integer(), nullable=False),
        sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('hours', sa.Integer(), nullable=False),
        sa.Column('notes', sa.Text(), nullable=True),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('campaign', sa.String(length=120), nullable=True),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=True),
        sa.Column('franchise_id', sa.Integer(), nullable=True),
        sa.Column('routed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('client_id', sa.Integer(), nullable=True),
        sa.Column('order_id', sa.Integer(), nullable=True),
        sa.Column('taken_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['region_id'], ['region.id']),
        sa.ForeignKeyConstraint(['franchise_id'], ['franchise.id']),
        sa.ForeignKeyConstraint(['client_id'], ['client.id']),
        sa.ForeignKeyConstraint(['order_id'], ['order.id']),
        sa.ForeignKeyConstraint(['taken_by_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_lead_status', 'lead', ['status'])
    op.create_index('ix_lead_region_id', 'lead', ['region_id'])
    op.create_index('ix_lead_franchise_id', 'lead', ['franchise_id'])
    op.create_index('ix_lead_phone_created', 'lead', ['phone', 'created_at'])
    op.create_table(
        'lead_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('lead_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.String(length=32), nullable=True),
        sa.Column('details', sa.JSON(), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('franchise_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['lead_id'], ['lead.id']),
        sa.ForeignKeyConstraint(['franchise_id'], ['franchise.id']),
        sa.ForeignKeyConstraint(['user_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_lead_event_lead_id', 'lead_event', ['lead_id'])
    op.create_index('ix_lead_event_franchise_id', 'lead_event', ['franchise_id'])
    op.create_index('ix_lead_event_routed', 'lead_event', ['franchise_id', 'kind', 'at'])


def downgrade():
    op.drop_table('lead_event')
    op.drop_table('lead')
