"""The dashboard's count of closed orders per region and month, kept in the database and brought up to date per view.

Head office's dashboard shows a year of the network's closed orders. Grouping every one of them on each
view cost more than the page may take, and a past month hardly changes, so each (region, month) is
counted once into dashboard_rollup (the same rows the grouped query gave: per franchise, bill rate and
hours worked, how many orders, places needed and filled, marks and no-shows) and read from there.

A count goes stale when one of its orders changes. Every change of an order moves its updated_at (the
month close relies on the same: orders.tally, core.models.TimestampMixin), and an order's start and
region are set when it is created and never edited, so the (region, month) it counts in is known from the
order as it is now. Each refresh looks at the orders changed since the last refresh, LATE_COMMIT before it
(a change written before the last refresh but committed after it is still seen), forgets the counts of
their (region, month)s and counts again those the dashboard is about to show. Writers that bypass
updated_at (the demo's history, the bench's year written in SQL) call forget() when they are done.

One refresh at a time: a refresh locks the watermark row, so two views do not count the same month twice.
"""
from datetime import datetime, timedelta
from typing import Iterable

from sqlalchemy import and_, case, delete, func, insert, or_, select, text, tuple_
from sqlalchemy.exc import IntegrityError

from core.timeutil import utcnow
from extensions import db
from franchise.models import DashboardCounted, DashboardRollup, DashboardWatermark, Franchise
from orders.models import Order
from royalty import arithmetic
from royalty.service import CLOSED

LATE_COMMIT = timedelta(minutes=5)  # the longest an order's change may wait between its write and its commit
WATERMARK = 1  # the one row of dashboard_watermark


def by_rate(months: list[str], regions: list[int]) -> list[tuple]:
    """The counted months of the regions added up per line, across regions and franchises.

    Each row: (month, royalty rate of the franchise, bill rate, hours worked, worked (bool), orders, places
    needed, places filled, marks, no-shows). Orders with the same month, rates and hours have the same
    order line; this is all a month's totals need. Call refresh() first.
    """
    rate = Franchise.__table__.c.royalty_rate
    return db.session.connection().execute(  # plain rows, franchises deleted since included
        select(DashboardRollup.period, rate, DashboardRollup.bill_rate, DashboardRollup.hours, DashboardRollup.worked,
               *_sums())
        .join(Franchise.__table__, Franchise.__table__.c.id == DashboardRollup.franchise_id)
        .where(DashboardRollup.period.in_(months), DashboardRollup.region_id.in_(regions))
        .group_by(DashboardRollup.period, rate, DashboardRollup.bill_rate, DashboardRollup.hours,
                  DashboardRollup.worked)).all()


def detail(month: str, regions: list[int]) -> list[tuple]:
    """The counted rows of one month: (region id, franchise id, bill rate, hours worked, worked (bool), orders,
    places needed, places filled, marks, no-shows). Call refresh() first."""
    return db.session.connection().execute(select(
        DashboardRollup.region_id, DashboardRollup.franchise_id, DashboardRollup.bill_rate, DashboardRollup.hours,
        DashboardRollup.worked, DashboardRollup.orders, DashboardRollup.needed, DashboardRollup.filled,
        DashboardRollup.marks, DashboardRollup.no_shows)
        .where(DashboardRollup.period == month, DashboardRollup.region_id.in_(regions))).all()


def _sums():
    return (func.sum(DashboardRollup.orders), func.sum(DashboardRollup.needed), func.sum(DashboardRollup.filled),
            func.sum(DashboardRollup.marks), func.sum(DashboardRollup.no_shows))


def refresh(months: list[str], regions: dict[int, str], now: datetime | None = None) -> int:
    """Bring the counts of the months for the regions (id -> time zone) up to date and commit; return how many
    (region, month)s were counted. The commit expires every object the session holds: call this before loading
    what a page shows."""
    now = now or utcnow()
    mark = _lock_watermark()
    if mark.checked_at is None:
        _forget_all()
    else:
        _forget(_changed_since(mark.checked_at - LATE_COMMIT, regions))
    mark.checked_at = now
    counted = set(db.session.execute(select(DashboardCounted.region_id, DashboardCounted.period).where(
        DashboardCounted.period.in_(months), DashboardCounted.region_id.in_(list(regions)))).all())
    missing = [(rid, m) for rid in regions for m in months if (rid, m) not in counted]
    if missing:
        _count(missing, regions, now)
    db.session.commit()
    return len(missing)


def forget() -> None:
    """Drop every count: the next view counts again (after writes that did not move the orders' updated_at)."""
    _lock_watermark()
    _forget_all()
    db.session.commit()


def _lock_watermark() -> DashboardWatermark:
    wanted = (select(DashboardWatermark).where(DashboardWatermark.id == WATERMARK).with_for_update()
              .execution_options(populate_existing=True))
    mark = db.session.scalar(wanted)
    if mark is None:  # the first refresh ever: one of two concurrent first ones inserts the row, both then lock it
        try:
            with db.session.begin_nested():
                db.session.execute(insert(DashboardWatermark).values(id=WATERMARK, checked_at=None))
        except IntegrityError:
            pass
        mark = db.session.scalar(wanted)
    return mark


def _forget_all() -> None:
    db.session.execute(delete(DashboardRollup))
    db.session.execute(delete(DashboardCounted))


def _changed_since(since: datetime, regions: dict[int, str]) -> set[tuple[int, str]]:
    """The (region, month)s of the orders changed since the instant (any month: a count outside the view goes too)."""
    changed = db.session.execute(select(Order.region_id, Order.starts_at).where(Order.updated_at > since)
                                 .execution_options(include_deleted=True)).all()
    zones = dict(regions)
    unknown = {rid for rid, _start in changed if rid not in zones}
    if unknown:  # a region outside the view: its zone still names the month its count sits under
        from franchise.models import Region
        zones.update(db.session.execute(select(Region.id, Region.timezone).where(Region.id.in_(unknown))).all())
    return {(rid, arithmetic.period_of(start, zones[rid])) for rid, start in changed}


def _forget(stale: Iterable[tuple[int, str]]) -> None:
    stale = sorted(stale)
    for start in range(0, len(stale), 500):
        chunk = stale[start:start + 500]
        for model in (DashboardRollup, DashboardCounted):
            db.session.execute(delete(model).where(tuple_(model.region_id, model.period).in_(chunk)))


def _count(missing: list[tuple[int, str]], regions: dict[int, str], now: datetime) -> None:
    """Count the closed orders of each missing (region, month) into the rollup, in one grouped query."""
    if db.session.get_bind().dialect.name == "postgresql":  # group a year of orders in memory, not on disk
        db.session.execute(text("SET LOCAL work_mem = '64MB'"))
    by_region: dict[int, list[tuple[str, datetime, datetime]]] = {}
    for rid, m in sorted(missing):
        by_region.setdefault(rid, []).append((m, *arithmetic.month_bounds(m, regions[rid])))
    # the month an order falls in, by its region's own month edges (a CASE per region: regions are few)
    month = case(*((Order.region_id == rid, case(*((Order.starts_at < hi, m) for m, _lo, hi in found)))
                   for rid, found in by_region.items())).label("period")
    # the orders of those months: per region, its runs of consecutive missing months
    within = or_(*(and_(Order.region_id == rid, Order.starts_at >= lo, Order.starts_at < hi)
                   for rid, found in by_region.items() for lo, hi in _runs(found)))
    edges = [edge for found in by_region.values() for _m, lo, hi in found for edge in (lo, hi)]
    worked = (Order.tally_came > 0).label("worked")
    filled = case((Order.tally_came < Order.workers_needed, Order.tally_came), else_=Order.workers_needed)
    found = db.session.connection().execute(
        select(month, Order.region_id, Order.franchise_id, Order.bill_rate, Order.tally_hours, worked, func.count(),
               func.sum(Order.workers_needed), func.sum(filled), func.sum(Order.tally_marks),
               func.sum(Order.tally_no_shows))
        .where(Order.status.in_(CLOSED), Order.starts_at >= min(edges), Order.starts_at < max(edges), within)
        .group_by(month, Order.region_id, Order.franchise_id, Order.bill_rate, Order.tally_hours, worked)).all()
    if found:
        db.session.execute(insert(DashboardRollup), [
            dict(period=m, region_id=rid, franchise_id=fid, bill_rate=bill_rate, hours=hours, worked=bool(has_work),
                 orders=orders, needed=int(needed), filled=int(got), marks=int(marks), no_shows=int(no_shows))
            for m, rid, fid, bill_rate, hours, has_work, orders, needed, got, marks, no_shows in found])
    db.session.execute(insert(DashboardCounted), [dict(region_id=rid, period=m, counted_at=now) for rid, m in missing])


def _runs(months: list[tuple[str, datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Return the spans covered by months ((month, start, end), in order), consecutive months joined."""
    spans: list[list[datetime]] = []
    for _m, lo, hi in months:
        if spans and spans[-1][1] == lo:
            spans[-1][1] = hi
        else:
            spans.append([lo, hi])
    return [(lo, hi) for lo, hi in spans]
