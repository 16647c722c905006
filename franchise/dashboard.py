"""Head office's dashboard: the network's turnover, royalty, dues and fill rate by month, region and franchise.

The figures, as the page states them:

- a shift belongs to the month it started in, in its region's time zone, and counts once its order is
  closed (completed or invoiced);
- turnover of a month = the billed amount of its closed shifts, per order round_money(hours of the workers who
  came, were late or left early x the order's bill rate); royalty = round_money(billed x the franchise's royalty
  rate), per order (royalty.arithmetic, the same lines a month's close writes);
- royalty due for a month = the totals of its statements (with fixed fees and corrections); paid = the payments
  recorded against those statements;
- fill rate = sum over the month's closed orders of min(workers who came, workers needed) / sum of workers
  needed; no-show rate = no-show marks / all attendance marks of those orders.

The orders' figures come from the dashboard's rollup (franchise.rollup): each region's closed orders of a
month counted once from their attendance tallies (orders.tally), counted again when one of them changes. A
month's bounds differ from region to region, so a shift counts in its region's own month
(royalty.arithmetic.month_bounds). Money is added up in Python from order lines, each rounded once, by
royalty.arithmetic.
"""
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable, Optional

from sqlalchemy import and_, func, select

from core.templating import HEAD_OFFICE_TIMEZONE
from extensions import db
from franchise import borrowing, rollup
from franchise.models import Franchise, Region
from orders.models import Order
from royalty import arithmetic
from royalty import service as royalty
from royalty.models import Statement

MONTHS = 12  # the trend charts show this many months, up to the chosen one
RANKED = 20  # franchises in the ranking
LOSS_LISTED = 20  # orders whose pay reaches their bill, listed by name (all are counted)
ZERO = Decimal("0.00")
RATE_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class MonthFigures:
    period: str
    turnover: Decimal
    royalty: Decimal
    due: Decimal
    paid: Decimal
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


@dataclass(frozen=True)
class Share:
    """Turnover and royalty of one region or franchise in the chosen month."""

    owner: object  # a Region or a Franchise
    turnover: Decimal
    royalty: Decimal
    shifts: int


@dataclass(frozen=True)
class Dashboard:
    period: str
    months: list[MonthFigures]  # oldest first, the chosen month last
    regions: list[Share]
    ranking: list[Share]  # the franchises with the largest turnover first
    # region id -> {"lent": shifts its workers worked for other regions, "borrowed": shifts its orders borrowed}
    lending: dict[int, dict[str, int]] = field(default_factory=dict)
    # the month's orders (not cancelled) whose pay reaches their bill, earliest first, and how many there are
    at_a_loss: list = field(default_factory=list)
    at_a_loss_count: int = 0

    @property
    def chosen(self) -> MonthFigures:
        return self.months[-1]


def default_month(now: datetime) -> str:
    """Return the month it is now at head office (Moscow), as YYYY-MM."""
    return arithmetic.period_of(now, HEAD_OFFICE_TIMEZONE)


def months_up_to(period: str, count: int = MONTHS) -> list[str]:
    """Return count months ending with period, oldest first."""
    months = [period]
    while len(months) < count:
        months.append(arithmetic.previous_period(months[-1]))
    return months[::-1]


def rate(part: int, whole: int) -> Optional[Decimal]:
    """Return part / whole to four places (halves up), or None when there is nothing to divide."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(RATE_PLACES, ROUND_HALF_UP)


def sum_lines(keyed: Iterable[tuple[object, arithmetic.Line, int]]) -> dict[object, arithmetic.Totals]:
    """Add up (key, order line, how many orders have that very line) per key, by royalty.arithmetic's rule."""
    grouped: dict[object, list[tuple[arithmetic.Line, int]]] = {}
    for key, line, orders in keyed:
        grouped.setdefault(key, []).append((line, orders))
    return {key: arithmetic.counted_totals(counted) for key, counted in grouped.items()}


def dues_by_month(issued: Iterable[tuple[int, str, Decimal]],
                  paid: dict[int, Decimal]) -> dict[str, tuple[Decimal, Decimal]]:
    """Return (due, paid) per month from (statement id, period, total) rows and what was paid per statement."""
    found: dict[str, tuple[Decimal, Decimal]] = {}
    for statement_id, period, total in issued:
        due, got = found.get(period, (ZERO, ZERO))
        found[period] = (due + total, got + paid.get(statement_id, ZERO))
    return found


def network_dashboard(period: str) -> Dashboard:
    """Return the network's figures for the month period (YYYY-MM) and the months before it."""
    months = months_up_to(period)
    zones = dict(db.session.execute(select(Region.id, Region.timezone)).all())
    rollup.refresh(months, zones)  # first: its commit expires what the session holds
    regions = list(db.session.scalars(select(Region).order_by(Region.name)))
    edges = {r.id: month_edges(months, r.timezone) for r in regions}
    # a franchise deleted since still has its shifts and its rate
    franchises = {f.id: f for f in db.session.scalars(select(Franchise).execution_options(include_deleted=True))}
    lines, month_rows = _Lines(), rollup.by_rate(months, list(zones))
    by_month = sum_lines((month, lines.of(month, hours, bill_rate, rate), n)
                         for month, rate, bill_rate, hours, worked, n, *_fill in month_rows if worked)
    fill = _fills(month_rows)
    chosen = [(rid, fid, lines.of(period, hours, bill_rate, franchises[fid].royalty_rate), n)
              for rid, fid, bill_rate, hours, worked, n, *_fill in rollup.detail(period, list(zones)) if worked]
    by_region = sum_lines((rid, line, n) for rid, _fid, line, n in chosen)
    by_franchise = sum_lines((fid, line, n) for _rid, fid, line, n in chosen)
    region_shifts, franchise_shifts = Counter(), Counter()
    for rid, fid, _line, n in chosen:
        region_shifts[rid] += n
        franchise_shifts[fid] += n

    issued = db.session.execute(select(Statement.id, Statement.period, Statement.total)
                                .where(Statement.period.in_(months))).all()
    dues = dues_by_month(issued, royalty.paid(row[0] for row in issued))

    none = arithmetic.totals([])
    chosen_month = None
    if edges:  # each region's own month, within the range that covers them all (for the index on starts_at)
        chosen_month = and_(Order.starts_at >= min(found[-2] for found in edges.values()),
                            Order.starts_at < max(found[-1] for found in edges.values()),
                            royalty._in_month({rid: (found[-2], found[-1]) for rid, found in edges.items()}))
    return Dashboard(
        period,
        [MonthFigures(m, by_month.get(m, none).turnover, by_month.get(m, none).royalty, *dues.get(m, (ZERO, ZERO)),
                      *fill.get(m, (0, 0, 0, 0))) for m in months],
        [Share(r, by_region.get(r.id, none).turnover, by_region.get(r.id, none).royalty, region_shifts[r.id])
         for r in regions],
        ranking([Share(f, by_franchise.get(f.id, none).turnover, by_franchise.get(f.id, none).royalty,
                       franchise_shifts[f.id])
                 for f in franchises.values()
                 if f.id in by_franchise or (f.tier != "head_office" and f.deleted_at is None)]),
        borrowing.lent_and_borrowed(Order.status.in_(royalty.CLOSED), chosen_month) if edges else {},
        *(at_a_loss(chosen_month) if edges else ([], 0)),
    )


def at_a_loss(*where, limit: int = LOSS_LISTED) -> tuple[list[Order], int]:
    """The orders (not cancelled) whose pay per hour reaches their bill, earliest first (limit of them), and the count.

    where: conditions on Order (the chosen month). Creating such an order asked for a confirmation; the
    dashboard keeps it in sight.
    """
    losing = (Order.pay_rate >= Order.bill_rate, Order.status != "cancelled", *where)
    count = db.session.scalar(select(func.count()).select_from(Order).where(*losing)) or 0
    listed = list(db.session.scalars(select(Order).where(*losing).order_by(Order.starts_at, Order.id).limit(limit)))
    return listed, count


def ranking(shares: list[Share], count: int = RANKED) -> list[Share]:
    """Return the count shares with the largest turnover, largest first (ties by name)."""
    return sorted(shares, key=lambda s: (-s.turnover, s.owner.name, s.owner.id))[:count]


def month_edges(months: list[str], tz_name: str) -> list[datetime]:
    """Return the UTC instants where each of the consecutive months begins in the zone, then where the last ends."""
    return [arithmetic.month_bounds(m, tz_name)[0] for m in months] + [arithmetic.month_bounds(months[-1], tz_name)[1]]


class _Lines:
    """Order lines made once per (month, hours, bill rate, royalty rate): orders with the same figures have the
    same line, rounded the same way (royalty.arithmetic)."""

    def __init__(self):
        self.made = {}

    def of(self, period, hours, bill_rate, rate) -> arithmetic.Line:
        key = (period, hours, bill_rate, rate)
        line = self.made.get(key)
        if line is None:
            line = self.made[key] = arithmetic.order_line(None, "", period, hours, arithmetic.billed(hours, bill_rate),
                                                          rate)
        return line


def _fills(rows) -> dict[str, tuple[int, int, int, int]]:
    """(places needed, places filled, marks, no-shows) per month from the rollup's rows by rate, where places
    filled of an order = min(workers who came, were late or left early; workers needed)."""
    fills = {}
    for month, _rate, _bill, _hours, _worked, _orders, needed, got, marks, no_shows in rows:
        before = fills.get(month, (0, 0, 0, 0))
        fills[month] = (before[0] + int(needed), before[1] + int(got), before[2] + int(marks),
                        before[3] + int(no_shows))
    return fills


def chart_data(dashboard: Dashboard) -> dict:
    """Return the dashboard's figures as JSON-ready lists for the charts (amounts and percentages as strings)."""
    def percent(value):
        return None if value is None else str((value * 100).quantize(Decimal("0.01")))

    months = dashboard.months
    return {
        "months": [m.period for m in months],
        "turnover": [str(m.turnover) for m in months],
        "royalty": [str(m.royalty) for m in months],
        "due": [str(m.due) for m in months],
        "paid": [str(m.paid) for m in months],
        "fill_rate": [percent(m.fill_rate) for m in months],
        "no_show_rate": [percent(m.no_show_rate) for m in months],
        "regions": [s.owner.name for s in dashboard.regions],
        "region_turnover": [str(s.turnover) for s in dashboard.regions],
        "region_royalty": [str(s.royalty) for s in dashboard.regions],
        "franchises": [s.owner.name for s in dashboard.ranking],
        "franchise_turnover": [str(s.turnover) for s in dashboard.ranking],
    }
