"""royalty statements, their lines and payments; a franchise's fixed monthly fee

Statements and their lines are written once: on PostgreSQL a trigger refuses any UPDATE or
DELETE of them, beside the ORM's own guard (royalty.models).

Revision ID: 0014
Revises: 0013

"""
from alembic import op
import sqlalchemy as sa

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

FINAL = ('statement', 'statement_line')


def upgrade():
    with op.batch_alter_table('franchise') as batch:
        batch.add_column(sa.Column('monthly_fee', sa.Numeric(12, 2), server_default='0', nullable=False))
    op.create_table(
        'statement',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('franchise_id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=7), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('turnover', sa.Numeric(14, 2), nullable=False),
        sa.Column('royalty_rate', sa.Numeric(5, 4), nullable=False),
        sa.Column('royalty', sa.Numeric(14, 2), nullable=False),
        sa.Column('fixed_fee', sa.Numeric(12, 2), nullable=False),
        sa.Column('adjustments', sa.Numeric(14, 2), nullable=False),
        sa.Column('total', sa.Numeric(14, 2), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('issued_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['franchise_id'], ['franchise.id']),
        sa.ForeignKeyConstraint(['issued_by_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('franchise_id', 'period', name='uq_statement_franchise_period'),
    )
    op.create_index('ix_statement_franchise_id', 'statement', ['franchise_id'])
    op.create_table(
        'statement_line',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('statement_id', sa.Integer(), nullable=False),
        sa.Column('franchise_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=True),
        sa.Column('period', sa.String(length=7), nullable=False),
        sa.Column('label', sa.String(length=200), nullable=False),
        sa.Column('hours', sa.Numeric(10, 2), nullable=True),
        sa.Column('billed', sa.Numeric(14, 2), nullable=False),
        sa.Column('amount', sa.Numeric(14, 2), nullable=False),
        sa.ForeignKeyConstraint(['statement_id'], ['statement.id']),
        sa.ForeignKeyConstraint(['franchise_id'], ['franchise.id']),
        sa.ForeignKeyConstraint(['order_id'], ['order.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_statement_line_statement_id', 'statement_line', ['statement_id'])
    op.create_index('ix_statement_line_franchise_id', 'statement_line', ['franchise_id'])
    op.create_index('ix_statement_line_order_id', 'statement_line', ['order_id'])
    op.create_table(
        'royalty_payment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('statement_id', sa.Integer(), nullable=False),
        sa.Column('franchise_id', sa.Integer(), nullable=False),
        sa.Column('amount', sa.Numeric(14, 2), nullable=False),
        sa.Column('paid_on', sa.Date(), nullable=False),
        sa.Column('reference', sa.String(length=120), nullable=True),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['statement_id'], ['statement.id']),
        sa.ForeignKeyConstraint(['franchise_id'], ['franchise.id']),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_royalty_payment_statement_id', 'royalty_payment', ['statement_id'])
    op.create_index('ix_royalty_payment_franchise_id', 'royalty_payment', ['franchise_id'])
    # the close looks for orders by region and start, and for marks changed since the last close
    op.create_index('ix_attendance_updated_at', 'attendance', ['updated_at'])
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("""
            CREATE FUNCTION statement_is_final() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '% rows are issued and never change', TG_TABLE_NAME;
            END $$""")
        for table in FINAL:
            op.execute(f"CREATE TRIGGER {table}_is_final BEFORE UPDATE OR DELETE ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION statement_is_final()")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for table in FINAL:
            op.execute(f"DROP TRIGGER {table}_is_final ON {table}")
        op.execute("DROP FUNCTION statement_is_final()")
    op.drop_index('ix_attendance_updated_at', table_name='attendance')
    op.drop_table('royalty_payment')
    op.drop_table('statement_line')
    op.drop_table('statement')
    with op.batch_alter_table('franchise') as batch:
        batch.drop_column('monthly_fee')
