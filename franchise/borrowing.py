"""Borrowing workers between neighbouring regions, pair by pair as head office allows.

Each franchise dispatches from its own region's pool. When head office links two regions
(a pair, both ways), their franchises may also offer shifts to the other region's workers:
a wave tops up from the linked pools only when its own pool cannot fill it (dispatch.jobs),
the franchise sees and books those workers (core.tenancy: Scope.pool_region_ids), and every
offer and attendance mark of a borrowed worker records the region he was lent by
(``lent_from_region_id``), so the borrowing branch is billed for the shift while the lending
region's figures show its workers' shifts elsewhere. Ending a link stops new offers; the
shifts already booked stay as they are.
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from core import locks
from core.i18n import lazy_gettext as _l
from core.models import User
from core.tenancy import network_wide
from extensions import db
from franchise.models import Region, RegionLink
from orders.models import Attendance, Order
from orders.tally import WORKED


class BorrowingError(ValueError):
    """A pair that cannot be linked or unlinked as asked; the message says why. Nothing is saved."""


@dataclass(frozen=True)
class Link:
    """One allowed pair, as head office's page lists it (region a before b by name)."""

    a: Region
    b: Region
    created_at: datetime
    created_by: str | None


def neighbours(region_id: int | None) -> list[int]:
    """Return the regions whose pools region_id's franchises may borrow from, by id."""
    if region_id is None:
        return []
    return list(db.session.scalars(select(RegionLink.neighbour_id).where(RegionLink.region_id == region_id)
                                   .order_by(RegionLink.neighbour_id)))


def lent_from(worker_region_id: int, order_region_id: int) -> int | None:
    """Return the region that lends this worker to this order's region (None: his own region's order)."""
    return worker_region_id if worker_region_id != order_region_id else None


def may_work_in(worker_region_id: int, order_region_id: int) -> bool:
    """Whether a worker of one region may take a shift in another: his own, or a linked neighbour's."""
    return worker_region_id == order_region_id or worker_region_id in neighbours(order_region_id)


def links() -> list[Link]:
    """Every allowed pair once, by the regions' names."""
    rows = db.session.execute(network_wide(
        select(RegionLink, User.name).outerjoin(User, User.id == RegionLink.created_by_id)
        .where(RegionLink.region_id < RegionLink.neighbour_id), User)).all()
    found = [Link(link.region, link.neighbour, link.created_at, name) for link, name in rows]
    return sorted((Link(*sorted((x.a, x.b), key=lambda r: r.name), x.created_at, x.created_by) for x in found),
                  key=lambda x: (x.a.name, x.b.name))


def _pair(region_id, neighbour_id) -> tuple[Region, Region]:
    a = db.session.get(Region, region_id) if region_id else None
    b = db.session.get(Region, neighbour_id) if neighbour_id else None
    if a is None or b is None:
        raise BorrowingError(_l("Choose two regions."))
    if a.id == b.id:
        raise BorrowingError(_l("A region's franchises dispatch from its own pool already: choose two regions."))
    return a, b


def allow(region_id: int, neighbour_id: int, by=None) -> bool:
    """Let the two regions' franchises borrow each other's workers; commit. False if they could already."""
    a, b = _pair(region_id, neighbour_id)
    locks.lock_name(f"region-link-{min(a.id, b.id)}-{max(a.id, b.id)}")
    if b.id in neighbours(a.id):
        db.session.rollback()
        return False
    by_id = getattr(by, "id", None)
    rows = [dict(region_id=a.id, neighbour_id=b.id, created_by_id=by_id),
            dict(region_id=b.id, neighbour_id=a.id, created_by_id=by_id)]
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(pg_insert(RegionLink).on_conflict_do_nothing(constraint="uq_region_link"), rows)
    else:
        db.session.add_all(RegionLink(**row) for row in rows)
    db.session.commit()
    return True


def end(region_id: int, neighbour_id: int) -> bool:
    """Stop the pair borrowing from each other; commit. Shifts already offered or booked stay. False if not linked."""
    a, b = _pair(region_id, neighbour_id)
    gone = db.session.execute(delete(RegionLink).where(or_(
        (RegionLink.region_id == a.id) & (RegionLink.neighbour_id == b.id),
        (RegionLink.region_id == b.id) & (RegionLink.neighbour_id == a.id)))).rowcount
    db.session.commit()
    return bool(gone)


def lent_and_borrowed(*where) -> dict[int, dict[str, int]]:
    """Per region, the shifts worked by workers it lent out and by workers its orders borrowed.

    where: conditions on Order choosing the shifts (a month, say).
    """
    rows = db.session.execute(network_wide(
        select(Attendance.lent_from_region_id, Order.region_id, func.count())
        .join(Order, Order.id == Attendance.order_id)
        .where(Attendance.lent_from_region_id.is_not(None), Attendance.outcome.in_(WORKED), *where)
        .group_by(Attendance.lent_from_region_id, Order.region_id), Attendance, Order)).all()
    out: dict[int, dict[str, int]] = {}
    for lender, borrower, count in rows:
        out.setdefault(lender, {"lent": 0, "borrowed": 0})["lent"] += count
        out.setdefault(borrower, {"lent": 0, "borrowed": 0})["borrowed"] += count
    return out
