"""Calibration: did the workers we counted on come as often as their reliability said?

The overbooking target trusts each booked worker's reliability p as his chance to show
up. For every place held at a closed shift (booked or confirmed, on a completed or
invoiced order) this compares the p he had when he took the place with what the foreman
marked: came, late or left early count as came; a no-show or no mark as did not. Per
region: mean predicted against actual, the Brier score (mean of (p - came)², 0 is
perfect, 0.25 is a coin toss), and the same by bands of p.
"""
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import and_, case, func, select

from core.timeutil import utcnow
from extensions import db
from franchise.models import Region
from orders.models import HOLDING_STATES, Attendance, Offer, Order
from workers.models import Worker

CAME = ("came", "late", "left_early")
CLOSED = ("completed", "invoiced")
BANDS = ((0.0, 0.5), (0.5, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.0))


@dataclass(frozen=True)
class BandTotal:
    """Sums over the placements of one region in one band of p."""

    region: str
    band: int  # index into BANDS
    count: int
    sum_predicted: float
    came: int
    sum_squared_error: float  # Σ (p - came)²


@dataclass
class Band:
    low: float
    high: float
    count: int = 0
    mean_predicted: float | None = None
    actual_rate: float | None = None


@dataclass
class RegionCalibration:
    region: str
    placements: int
    mean_predicted: float
    actual_rate: float
    brier: float
    bands: list[Band] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        """actual ÷ predicted: below 1, the pool comes less often than its reliability says."""
        return self.actual_rate / self.mean_predicted if self.mean_predicted else 0.0


def band_of(p: float) -> int:
    """Return the index of p's band (the last one includes 1.0)."""
    for i, (low, high) in enumerate(BANDS):
        if low <= p < high or (high == 1.0 and p == 1.0):
            return i
    raise ValueError(f"reliability {p} is outside 0..1")


def calibrate(totals: list[BandTotal]) -> list[RegionCalibration]:
    """Return each region's calibration from its band totals, regions by name."""
    by_region: dict[str, list[BandTotal]] = {}
    for total in totals:
        by_region.setdefault(total.region, []).append(total)
    return [_one_region(name, rows) for name, rows in sorted(by_region.items())]


def _one_region(name: str, rows: list[BandTotal]) -> RegionCalibration:
    bands = [Band(low, high) for low, high in BANDS]
    for row in rows:
        band = bands[row.band]
        band.count += row.count
    for band in bands:
        inside = [r for r in rows if bands[r.band] is band]
        if band.count:
            band.mean_predicted = sum(r.sum_predicted for r in inside) / band.count
            band.actual_rate = sum(r.came for r in inside) / band.count
    count = sum(r.count for r in rows)
    return RegionCalibration(
        region=name, placements=count, mean_predicted=sum(r.sum_predicted for r in rows) / count,
        actual_rate=sum(r.came for r in rows) / count, brier=sum(r.sum_squared_error for r in rows) / count,
        bands=bands)


def _predicted():
    return func.coalesce(Offer.reliability, Worker.reliability)


def _held_at_close(days: int, *columns):
    """The places held at closed shifts that started in the last days, with what happened."""
    since = utcnow() - timedelta(days=days)
    return (select(*columns).select_from(Order).join(Offer, Offer.order_id == Order.id)
            .join(Worker, Worker.id == Offer.worker_id).join(Region, Region.id == Order.region_id)
            .outerjoin(Attendance, and_(Attendance.order_id == Order.id, Attendance.worker_id == Offer.worker_id))
            .where(Order.status.in_(CLOSED), Offer.state.in_(HOLDING_STATES), Order.starts_at >= since))


def band_totals(days: int = 90) -> list[BandTotal]:
    """Sum the places per region and band in the database, as the caller may see them (tenancy applies)."""
    p = _predicted()
    came = case((Attendance.outcome.in_(CAME), 1), else_=0)
    band = case(*((p < high, i) for i, (_low, high) in enumerate(BANDS[:-1])), else_=len(BANDS) - 1)
    stmt = _held_at_close(days, Region.name, band.label("band"), func.count(), func.sum(p), func.sum(came),
                          func.sum((p - came) * (p - came))).group_by(Region.name, band)
    return [BandTotal(region, int(b), n, float(sp), int(c), float(se)) for region, b, n, sp, c, se
            in db.session.execute(stmt)]


@dataclass
class OrderCheck:
    order: Order
    held: int
    expected: float  # the sum of the held workers' p: how many we expected to come
    came: int


def recent_orders(days: int = 90, limit: int = 20) -> list[OrderCheck]:
    """The latest closed orders: expected shows (sum of p) against who came."""
    came = func.sum(case((Attendance.outcome.in_(CAME), 1), else_=0))
    stmt = (_held_at_close(days, Order, func.count(), func.sum(_predicted()), came)
            .group_by(Order.id).order_by(Order.starts_at.desc(), Order.id.desc()).limit(limit))
    return [OrderCheck(order, held, float(expected), int(n)) for order, held, expected, n in db.session.execute(stmt)]
