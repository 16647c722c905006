"""Calibration: did the workers we counted on come as often as their reliability said?

The overbooking target trusts each booked worker's reliability p as his chance to show
up. For every place held at a closed shift (booked or confirmed, on a completed or
invoiced order) this compares the p he had when he took the place (his current one for
older places, booked before it was recorded) with what the foreman marked: came, late or
left early count as came; a no-show or no mark as did not. Per region: mean predicted
against actual, the Brier score (mean of (p - came)², 0 is perfect, 0.25 is a coin toss),
and the same by bands of p. Reliabilities are probabilities, not money: they are summed
as floats.
"""
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import NamedTuple

from sqlalchemy import and_, func, select

from core.timeutil import utcnow
from extensions import db
from franchise.models import Region
from orders.models import Attendance, Order
from dispatch.models import HOLDING_STATES, Offer
from workers.models import Worker

CAME = ("came", "late", "left_early")
CLOSED = ("completed", "invoiced")
BANDS = ((0.0, 0.5), (0.5, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.0))


class Placements(NamedTuple):
    """A group of places alike: count places in region held at reliability p, all came or none did."""

    region: str
    p: float
    came: bool
    count: int = 1


@dataclass
class Tally:
    """Sums over placements: enough for the mean predicted, the actual rate and the Brier score."""

    count: int = 0
    sum_predicted: float = 0.0
    came: int = 0
    sum_squared_error: float = 0.0  # Σ (p - came)²

    def add(self, row: Placements) -> None:
        self.count += row.count
        self.sum_predicted += row.p * row.count
        self.came += row.count if row.came else 0
        self.sum_squared_error += (row.p - row.came) ** 2 * row.count

    @property
    def mean_predicted(self) -> float | None:
        return self.sum_predicted / self.count if self.count else None

    @property
    def actual_rate(self) -> float | None:
        return self.came / self.count if self.count else None

    @property
    def brier(self) -> float | None:
        return self.sum_squared_error / self.count if self.count else None


@dataclass
class Band:
    low: float
    high: float
    tally: Tally = field(default_factory=Tally)


@dataclass
class RegionCalibration:
    region: str
    total: Tally = field(default_factory=Tally)
    bands: list[Band] = field(default_factory=lambda: [Band(low, high) for low, high in BANDS])

    def add(self, row: Placements) -> None:
        self.total.add(row)
        self.bands[band_of(row.p)].tally.add(row)


def band_of(p: float) -> int:
    """Return the index of p's band in BANDS (the last one includes 1.0); ValueError outside 0..1."""
    for i, (low, high) in enumerate(BANDS):
        if low <= p < high or p == high == 1.0:
            return i
    raise ValueError(f"reliability {p} is outside 0..1")


def calibrate(rows: Iterable[Placements]) -> list[RegionCalibration]:
    """Return each region's calibration from its placements, regions by name."""
    regions: dict[str, RegionCalibration] = {}
    for row in rows:
        regions.setdefault(row.region, RegionCalibration(row.region)).add(row)
    return [regions[name] for name in sorted(regions)]


def _predicted():
    return func.coalesce(Offer.reliability, Worker.reliability)


def _came():
    """True when the foreman marked the worker as came; False for a no-show or no mark at all."""
    return func.coalesce(Attendance.outcome.in_(CAME), False)


def _held_at_close(days: int, *columns):
    """Select columns over the places held at closed shifts that started in the last days.

    The worker is outer-joined: a place whose worker the reader cannot see (moved to
    another region, deleted) still counts when it recorded his reliability.
    """
    since = utcnow() - timedelta(days=days)
    return (select(*columns).select_from(Order).join(Offer, Offer.order_id == Order.id)
            .join(Region, Region.id == Order.region_id).outerjoin(Worker, Worker.id == Offer.worker_id)
            .outerjoin(Attendance, and_(Attendance.order_id == Order.id, Attendance.worker_id == Offer.worker_id))
            .where(Order.status.in_(CLOSED), Offer.state.in_(HOLDING_STATES), Order.starts_at >= since,
                   _predicted().is_not(None)))


def placements(days: int = 90) -> list[Placements]:
    """Count the places held at closed shifts per region, p and came, as the reader may see them.

    Counted in the database: p has three decimals, so a region gives at most 2,002 rows
    however many shifts it closed.
    """
    each = _held_at_close(days, Region.name.label("region"), _predicted().label("p"),
                          _came().label("came")).subquery()
    stmt = select(each.c.region, each.c.p, each.c.came, func.count()).group_by(each.c.region, each.c.p, each.c.came)
    return [Placements(region, float(p), bool(came), n) for region, p, came, n in db.session.execute(stmt)]


@dataclass(frozen=True)
class OrderCheck:
    order: Order
    held: int
    expected: float  # the sum of the held workers' p: how many we expected to come
    came: int


def recent_orders(days: int = 90, limit: int = 20) -> list[OrderCheck]:
    """Return the latest closed orders, each with its places, expected shows (sum of p) and who came."""
    came = func.count().filter(Attendance.outcome.in_(CAME))
    stmt = (_held_at_close(days, Order, func.count(), func.sum(_predicted()), came)
            .group_by(Order.id).order_by(Order.starts_at.desc(), Order.id.desc()).limit(limit))
    return [OrderCheck(order, held, float(expected), n) for order, held, expected, n in db.session.execute(stmt)]
