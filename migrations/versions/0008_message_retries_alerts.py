"""outgoing messages count their take-ups and know the outbox row that promised them; alerts about messages

Revision ID: 0008
Revises: 0007

"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

ABOUT_THE_ORDER = sa.text('message_id IS NULL')
UNSENT = sa.text("sid IS NULL AND status IN ('queued', 'sending')")


def upgrade():
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('outbox_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_message_outbox_id_outbox'), 'outbox', ['outbox_id'], ['id'])
    op.create_index('ix_message_unsent', 'message', ['updated_at'], postgresql_where=UNSENT, sqlite_where=UNSENT)

    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_id', sa.Integer(), nullable=True))
        batch_op.alter_column('order_id', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('franchise_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_alert_message_id_message'), 'message', ['message_id'], ['id'])
        batch_op.create_unique_constraint(batch_op.f('uq_alert_message_id'), ['message_id'])
        batch_op.drop_constraint('uq_alert_order_kind', type_='unique')
    # An alert about an order stays once per kind; alerts about messages are one per message.
    op.create_index('uq_alert_order_kind', 'alert', ['order_id', 'kind'], unique=True,
                    postgresql_where=ABOUT_THE_ORDER, sqlite_where=ABOUT_THE_ORDER)


def downgrade():
    op.drop_index('uq_alert_order_kind', table_name='alert')
    op.execute("DELETE FROM alert WHERE message_id IS NOT NULL")
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_alert_order_kind', ['order_id', 'kind'])
        batch_op.drop_constraint(batch_op.f('uq_alert_message_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_alert_message_id_message'), type_='foreignkey')
        batch_op.alter_column('franchise_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('order_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('message_id')

    op.drop_index('ix_message_unsent', table_name='message')
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_message_outbox_id_outbox'), type_='foreignkey')
        batch_op.drop_column('outbox_id')
        batch_op.drop_column('attempts')
