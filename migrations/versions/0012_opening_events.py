"""a rating event of kind "opening" carries a worker's record from before his history here (shifts,
no-shows, rating), and workers whose figures were set without any history get one, so that the
next recompute builds on their record instead of throwing it away

Revision ID: 0012
Revises: 0011

"""
from datetime import datetime, timezone
from decimal import Decimal

from alembic import op
import sqlalchemy as sa

from ratings import formulas

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

BATCH = 5000
OPENING_ONLY = "kind = 'opening'"
OPENING_COMPLETE = ("kind <> 'opening' OR (opening_shifts IS NOT NULL AND opening_no_shows IS NOT NULL"
                    " AND opening_rating IS NOT NULL)")


def upgrade():
    with op.batch_alter_table('rating_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opening_shifts', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('opening_no_shows', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('opening_rating', sa.Numeric(precision=4, scale=2), nullable=True))
        batch_op.create_check_constraint(op.f('ck_rating_event_opening_complete'), OPENING_COMPLETE)
        batch_op.create_index('uq_rating_event_opening', ['worker_id'], unique=True,
                              postgresql_where=sa.text(OPENING_ONLY), sqlite_where=sa.text(OPENING_ONLY))
    _open_records(op.get_bind())


WORKER = sa.table('worker', sa.column('id', sa.Integer()), sa.column('rating', sa.Numeric(4, 2)),
                  sa.column('reliability', sa.Numeric(4, 3)), sa.column('rating_penalty', sa.Numeric(4, 2)),
                  sa.column('shifts_worked', sa.Integer()))
EVENT = sa.table('rating_event', sa.column('worker_id', sa.Integer()), sa.column('kind', sa.String()),
                 sa.column('occurred_at', sa.DateTime(timezone=True)), sa.column('recorded_at', sa.DateTime(timezone=True)),
                 sa.column('opening_shifts', sa.Integer()), sa.column('opening_no_shows', sa.Integer()),
                 *(sa.column(c, sa.Numeric(4, 2)) for c in ('opening_rating', 'rating_before', 'rating_after')),
                 *(sa.column(c, sa.Numeric(4, 3)) for c in ('reliability_before', 'reliability_after')))


def _open_records(bind):
    """Give every worker whose figures stand without a history an opening record that gives them."""
    rows = bind.execute(
        sa.select(WORKER.c.id, WORKER.c.rating, WORKER.c.reliability, WORKER.c.shifts_worked)
        .where(~sa.exists().where(EVENT.c.worker_id == WORKER.c.id))
        .where(sa.or_(WORKER.c.shifts_worked > 0, WORKER.c.rating != Decimal('3.50'),
                      WORKER.c.reliability != Decimal('0.700')))
    ).all()
    now = datetime.now(timezone.utc)
    start = formulas.compute([])
    events, workers = [], []
    for worker_id, rating, reliability, shifts in rows:
        # The no-shows that, with his shifts, give his reliability (formulas: Beta(7 + S, 3 + N)).
        no_shows = max(0, round((7 + shifts) / float(reliability) - 10 - shifts)) if reliability else 0
        rating = min(Decimal('5.00'), max(Decimal('1.00'), Decimal(str(rating)).quantize(Decimal('0.01'))))
        figures = formulas.compute([formulas.Event(kind=formulas.OPENING, at=now, shifts=shifts, no_shows=no_shows,
                                                   rating=rating)])
        events.append({'worker_id': worker_id, 'kind': formulas.OPENING, 'occurred_at': now, 'recorded_at': now,
                       'opening_shifts': shifts, 'opening_no_shows': no_shows, 'opening_rating': rating,
                       'rating_before': start.rating, 'reliability_before': start.reliability,
                       'rating_after': figures.rating, 'reliability_after': figures.reliability})
        workers.append({'b_id': worker_id, 'rating': figures.rating, 'reliability': figures.reliability,
                        'rating_penalty': figures.penalty, 'shifts_worked': figures.shifts})
    update = WORKER.update().where(WORKER.c.id == sa.bindparam('b_id'))
    for start_at in range(0, len(events), BATCH):
        bind.execute(EVENT.insert(), events[start_at:start_at + BATCH])
        bind.execute(update, workers[start_at:start_at + BATCH])


def downgrade():
    op.execute("DELETE FROM rating_event WHERE kind = 'opening'")
    with op.batch_alter_table('rating_event', schema=None) as batch_op:
        batch_op.drop_index('uq_rating_event_opening', postgresql_where=sa.text(OPENING_ONLY),
                            sqlite_where=sa.text(OPENING_ONLY))
        batch_op.drop_constraint(op.f('ck_rating_event_opening_complete'), type_='check')
        batch_op.drop_column('opening_rating')
        batch_op.drop_column('opening_no_shows')
        batch_op.drop_column('opening_shifts')
