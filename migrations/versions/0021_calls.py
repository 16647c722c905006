"""inbound calls (one per Twilio CallSid) and the call-centre agents' presence on the intake screen; a lead's
point may be unknown (a web form's address no map found: the lead is kept, with head office)

Revision ID: 0021
Revises: 0024

"""
from alembic import op
import sqlalchemy as sa

revision = '0021'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'call',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sid', sa.String(length=64), nullable=False),
        sa.Column('from_phone', sa.String(length=32), nullable=False),
        sa.Column('to_phone', sa.String(length=32), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('state', sa.String(length=12), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('offered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('agent_id', sa.Integer(), nullable=True),
        sa.Column('client_id', sa.Integer(), nullable=True),
        sa.Column('lead_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['agent_id'], ['user.id'], name='fk_call_agent_id_user'),
        sa.ForeignKeyConstraint(['client_id'], ['client.id'], name='fk_call_client_id_client'),
        sa.ForeignKeyConstraint(['lead_id'], ['lead.id'], name='fk_call_lead_id_lead'),
        sa.PrimaryKeyConstraint('id', name='pk_call'),
        sa.UniqueConstraint('sid', name='uq_call_sid'),
    )
    op.create_index('ix_call_state', 'call', ['state'])
    op.create_index('ix_call_agent_id', 'call', ['agent_id'])
    op.create_table(
        'agent_presence',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('free_since', sa.DateTime(timezone=True), nullable=True),
        sa.Column('call_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name='fk_agent_presence_user_id_user'),
        sa.ForeignKeyConstraint(['call_id'], ['call.id'], name='fk_agent_presence_call_id_call'),
        sa.PrimaryKeyConstraint('user_id', name='pk_agent_presence'),
        sa.UniqueConstraint('call_id', name='uq_agent_presence_call_id'),
    )
    with op.batch_alter_table('lead') as batch:
        batch.alter_column('lat', existing_type=sa.Float(), nullable=True)
        batch.alter_column('lon', existing_type=sa.Float(), nullable=True)


def downgrade():
    with op.batch_alter_table('lead') as batch:
        batch.alter_column('lat', existing_type=sa.Float(), nullable=False)
        batch.alter_column('lon', existing_type=sa.Float(), nullable=False)
    op.drop_table('agent_presence')
    op.drop_index('ix_call_agent_id', table_name='call')
    op.drop_index('ix_call_state', table_name='call')
    op.drop_table('call')
