"""each order carries the tally of its attendance marks (hours worked, came, marks, no-shows), counted
again from them whenever they change, so that the month close and head office's dashboard read orders
instead of a year of marks; an index on the order's updated_at for the close's late corrections

Revision ID: 0020
Revises: 0018

"""
from alembic import op
import sqlalchemy as sa

revision = '0020'
down_revision = '0018'
branch_labels = None
depends_on = None

WORKED = "('came', 'late', 'left_early')"


def upgrade():
    with op.batch_alter_table('order') as batch:
        batch.add_column(sa.Column('tally_hours', sa.Numeric(10, 2), server_default='0', nullable=False))
        batch.add_column(sa.Column('tally_came', sa.Integer(), server_default='0', nullable=False))
        batch.add_column(sa.Column('tally_marks', sa.Integer(), server_default='0', nullable=False))
        batch.add_column(sa.Column('tally_no_shows', sa.Integer(), server_default='0', nullable=False))
        batch.create_index('ix_order_updated_at', ['updated_at'])
    op.execute(f"""
        UPDATE "order" SET
            tally_hours = COALESCE((SELECT SUM(a.hours) FROM attendance a
                                    WHERE a.order_id = "order".id AND a.outcome IN {WORKED}), 0),
            tally_came = (SELECT COUNT(*) FROM attendance a WHERE a.order_id = "order".id AND a.outcome IN {WORKED}),
            tally_marks = (SELECT COUNT(*) FROM attendance a WHERE a.order_id = "order".id),
            tally_no_shows = (SELECT COUNT(*) FROM attendance a WHERE a.order_id = "order".id
                              AND a.outcome = 'no_show')
        WHERE EXISTS (SELECT 1 FROM attendance a WHERE a.order_id = "order".id)""")


def downgrade():
    with op.batch_alter_table('order') as batch:
        batch.drop_index('ix_order_updated_at')
        batch.drop_column('tally_no_shows')
        batch.drop_column('tally_marks')
        batch.drop_column('tally_came')
        batch.drop_column('tally_hours')
