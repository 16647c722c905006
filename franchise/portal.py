"""The partner portal's own figures: his fill and no-show trend, his coming shifts, the workers of his shifts.

Nothing here names a franchise: every query reads the orders, offers and marks the caller sees, and
a partner's request sees only his franchise's (core.tenancy; the pool's workers, his region's). The
caller passes only his region's time zone, which says where his months and days begin.

The trend reads as head office's dashboard does (franchise.dashboard): a shift belongs to the month it
started in, in the region's zone, and counts once its order is closed; fill rate = sum of min(workers who
came, workers needed) / sum of workers needed; no-show rate = no-show marks / all marks; both from each
order's attendance tally (orders.tally), grouped by month in the database.
"""
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from typing import Optional
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import selectinload

from core.search import matches
from dispatch.models import HOLDING_STATES, Offer
from extensions import db
from franchise.dashboard import month_edges, months_up_to, rate
from orders.models import Attendance, Order
from orders.tally import WORKED
from royalty import arithmetic
from royalty.service import CLOSED
from workers.models import Worker

UPCOMING = 20  # shifts listed on the portal, soonest first
WORKERS_PAGE_SIZE = 50


@dataclass(frozen=True)
class FillMonth:
    period: str
    needed: int  # places asked for by the month's closed orders
    filled: int  # of those, places taken by a worker who came
    marks: int
    no_shows: int

    @property
    def fill_rate(self) -> Optional[Decimal]:
        return rate(self.filled, self.needed)

    @property
    def no_show_rate(self) -> Optional[Decimal]:
        return rate(self.no_shows, self.marks)


def fill_trend(tz_name: str, now: datetime) -> list[FillMonth]:
    """Return the fill and no-show figures of the visible closed orders for the 12 months up to now's, oldest first."""
    months = months_up_to(arithmetic.period_of(now, tz_name))
    edges = month_edges(months, tz_name)
    index = case(*((Order.starts_at < edge, i) for i, edge in enumerate(edges[1:]))).label("month")
    filled = case((Order.tally_came < Order.workers_needed, Order.tally_came), else_=Order.workers_needed)
    rows = db.session.execute(
        select(index, func.sum(Order.workers_needed), func.sum(filled), func.sum(Order.tally_marks),
               func.sum(Order.tally_no_shows))
        .where(Order.status.in_(CLOSED), Order.starts_at >= edges[0], Order.starts_at < edges[-1])
        .group_by(index)).all()
    found = {i: tuple(int(v or 0) for v in figures) for i, *figures in rows}
    return [FillMonth(period, *found.get(i, (0, 0, 0, 0))) for i, period in enumerate(months)]


def trend_chart(trend: list[FillMonth]) -> dict:
    """Return the trend as JSON-ready lists for the chart (percentages as strings, None for an empty month)."""
    def percent(value):
        return None if value is None else str((value * 100).quantize(Decimal("0.01")))

    return {"months": [m.period for m in trend], "fill_rate": [percent(m.fill_rate) for m in trend],
            "no_show_rate": [percent(m.no_show_rate) for m in trend]}


@dataclass(frozen=True)
class ComingShift:
    order: Order
    booked: int  # workers holding a place

    @property
    def fill(self) -> Optional[Decimal]:
        return rate(min(self.booked, self.order.workers_needed), self.order.workers_needed)


def coming_shifts(tz_name: str, now: datetime, limit: int = UPCOMING) -> list[ComingShift]:
    """Return the visible shifts of today (in the zone) and later, cancelled ones left out, soonest first."""
    zone = ZoneInfo(tz_name)
    today = datetime.combine(now.astimezone(zone).date(), time(), zone)
    booked = func.count(Offer.id)
    rows = db.session.execute(
        select(Order, booked)
        .outerjoin(Offer, and_(Offer.order_id == Order.id, Offer.state.in_(HOLDING_STATES)))
        .where(Order.starts_at >= today, Order.status != "cancelled")
        .options(selectinload(Order.client), selectinload(Order.site))  # the page names both for every shift
        .group_by(Order.id).order_by(Order.starts_at, Order.id).limit(limit)).all()
    return [ComingShift(order, n) for order, n in rows]


@dataclass(frozen=True)
class ShiftWorker:
    worker: Worker
    shifts: int  # the visible shifts he worked (came, was late or left early)
    last_shift: datetime


def shift_workers(q: str = "", page: int = 1, size: int = WORKERS_PAGE_SIZE) -> tuple[list[ShiftWorker], int]:
    """Return one page of the workers who worked the visible shifts (latest shift first), and how many in all.

    q matches names and phones as the pool's search does (core.search).
    """
    last = func.max(Order.starts_at)
    base = (select(Worker.id).join(Attendance, Attendance.worker_id == Worker.id)
            .join(Order, Order.id == Attendance.order_id)
            .where(Attendance.outcome.in_(WORKED), matches(Worker.search, q)))
    total = db.session.scalar(base.with_only_columns(func.count(func.distinct(Worker.id)))) or 0
    rows = db.session.execute(
        base.with_only_columns(Worker, func.count(Attendance.id), last).group_by(Worker.id)
        .order_by(last.desc(), Worker.id).limit(size).offset((page - 1) * size)).all()
    return [ShiftWorker(worker, shifts, found) for worker, shifts, found in rows], total
