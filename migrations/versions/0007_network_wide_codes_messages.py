"""order codes unique among live codes network-wide; messages owned by franchises, readers with inbox state

Revision ID: 0007
Revises: 0006

"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('code_live', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.drop_constraint('uq_order_code', type_='unique')
    op.create_index('uq_order_live_code', 'order', ['code'], unique=True,
                    postgresql_where=sa.text('code_live'), sqlite_where=sa.text('code_live'))

    op.create_table('message_reader',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('franchise_id', sa.Integer(), nullable=True),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['franchise_id'], ['franchise.id'], name=op.f('fk_message_reader_franchise_id_franchise')),
    sa.ForeignKeyConstraint(['handled_by_id'], ['user.id'], name=op.f('fk_message_reader_handled_by_id_user')),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], name=op.f('fk_message_reader_message_id_message')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_reader')),
    sa.UniqueConstraint('message_id', 'franchise_id', name='uq_message_reader')
    )
    with op.batch_alter_table('message_reader', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_reader_franchise_id'), ['franchise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_reader_message_id'), ['message_id'], unique=False)

    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('franchise_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_message_franchise_id'), ['franchise_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_message_franchise_id_franchise'), 'franchise', ['franchise_id'], ['id'])
    # A message about an order belongs to the order's franchise; one about none, to the
    # region's official representative (else head office), keeping its inbox state.
    op.execute('UPDATE message SET franchise_id = (SELECT o.franchise_id FROM "order" o WHERE o.id = message.order_id) '
               'WHERE order_id IS NOT NULL')
    op.execute("INSERT INTO message_reader (message_id, franchise_id, handled_at, handled_by_id) "
               "SELECT m.id, (SELECT f.id FROM franchise f WHERE f.region_id = m.region_id AND f.tier = 'official' "
               "AND f.status = 'active' AND f.deleted_at IS NULL ORDER BY f.id LIMIT 1), m.handled_at, m.handled_by_id "
               "FROM message m WHERE m.direction = 'in' AND m.order_id IS NULL")
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_message_handled_by_id_user'), type_='foreignkey')
        batch_op.drop_column('handled_by_id')
        batch_op.drop_column('handled_at')


def downgrade():
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('handled_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_message_handled_by_id_user'), 'user', ['handled_by_id'], ['id'])
    op.execute("UPDATE message SET handled_at = (SELECT MIN(r.handled_at) FROM message_reader r "
               "WHERE r.message_id = message.id)")
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_message_franchise_id_franchise'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_message_franchise_id'))
        batch_op.drop_column('franchise_id')
    op.drop_table('message_reader')
    op.drop_index('uq_order_live_code', table_name='order')
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_order_code', ['code'])
        batch_op.drop_column('code_live')
