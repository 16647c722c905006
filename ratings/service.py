"""Record attendance events and keep each worker's rating and reliability in step with them."""
from datetime import datetime
from decimal import Decimal

from flask import current_app
from sqlalchemy import case, or_, select

from core import locks
from core.i18n import lazy_gettext as _l
from core.roles import may
from core.timeutil import utcnow
from extensions import db
from orders.models import ATTENDANCE_OUTCOMES, Order
from dispatch.models import HOLDING_STATES, Offer
from ratings import formulas
from ratings.models import RatingEvent
from workers.models import Worker
from workers.service import set_status

# What a person may record by hand. What happened on the day (came, late, left early, no-show)
# comes only from the shift's attendance sheet (orders.attendance), where the foreman marks it.
MANUAL_KINDS = tuple(kind for kind in formulas.KINDS if kind not in ATTENDANCE_OUTCOMES)


class RatingError(ValueError):
    """An attendance event is not valid; the message says why."""


MAX_OPENING_COUNT = 100_000


def _as_event(row: RatingEvent) -> formulas.Event:
    return formulas.Event(kind=row.kind, at=row.occurred_at, quality=row.quality, minutes=row.minutes,
                          notice_hours=float(row.notice_hours) if row.notice_hours is not None else None,
                          shifts=row.opening_shifts, no_shows=row.opening_no_shows, rating=row.opening_rating)


def history(worker: Worker) -> list[RatingEvent]:
    """Return the worker's rating events in the order the formulas read them (the opening record, then oldest first)."""
    return list(db.session.scalars(
        select(RatingEvent).where(RatingEvent.worker_id == worker.id)
        .order_by(case((RatingEvent.kind == formulas.OPENING, 0), else_=1), RatingEvent.occurred_at, RatingEvent.id)
    ))


def recompute(worker: Worker) -> formulas.Figures:
    """Return the figures the whole history gives (equal to the stored ones; nothing is written)."""
    return formulas.compute([_as_event(e) for e in history(worker)])


def explain(worker: Worker) -> list[tuple[RatingEvent, formulas.Step]]:
    """Return each rating event of the worker with what it did to his figures, latest first."""
    rows = history(worker)
    return list(reversed(list(zip(rows, formulas.explain([_as_event(e) for e in rows])))))


def validate_opening(shifts, no_shows, rating) -> None:
    """Raise RatingError unless shifts and no-shows are whole counts and rating is 1.00 to 5.00."""
    for count in (shifts, no_shows):
        if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= MAX_OPENING_COUNT:
            raise RatingError(_l("Shifts and no-shows are whole numbers from 0 to %(n)s.", n=MAX_OPENING_COUNT))
    if not isinstance(rating, Decimal) or not Decimal("1") <= rating <= Decimal("5") or rating != round(rating, 2):
        raise RatingError(_l("The rating is a number from 1.00 to 5.00."))


def open_record(worker: Worker, shifts: int, no_shows: int, rating: Decimal, occurred_at: datetime,
                note: str | None = None, by=None) -> RatingEvent:
    """Give a worker with no history yet his record from before: the opening event and the figures it gives.

    The caller commits (an import saves every row or none). Raises RatingError for invalid
    counts or rating, or when the worker already has a rating history here.
    """
    validate_opening(shifts, no_shows, rating)
    if worker.id is None:
        db.session.flush()  # a worker just added (an import) gets his id, and no history yet
    elif db.session.scalar(select(RatingEvent.id).where(RatingEvent.worker_id == worker.id).limit(1)) is not None:
        raise RatingError(_l("This worker already has a rating history here; an opening record is for a new one."))
    start = formulas.compute([])
    figures = formulas.compute([formulas.Event(kind=formulas.OPENING, at=occurred_at, shifts=shifts,
                                               no_shows=no_shows, rating=rating)])
    event = RatingEvent(
        worker_id=worker.id, kind=formulas.OPENING, occurred_at=occurred_at, opening_shifts=shifts,
        opening_no_shows=no_shows, opening_rating=rating, note=(note or None) and note[:300],
        recorded_by_id=getattr(by, "id", None), rating_before=start.rating, reliability_before=start.reliability,
        rating_after=figures.rating, reliability_after=figures.reliability,
    )
    db.session.add(event)
    worker.rating, worker.reliability = figures.rating, figures.reliability
    worker.rating_penalty, worker.shifts_worked = figures.penalty, figures.shifts
    return event


def _validate(kind, quality, minutes, notice_hours):
    if kind not in formulas.KINDS:
        raise RatingError(_l("Unknown attendance event."))
    if quality is not None and not (isinstance(quality, int) and 1 <= quality <= 5):
        raise RatingError(_l("Quality is a score from 1 to 5."))
    if kind == "late" and (minutes is None or minutes < 1 or minutes > 24 * 60):
        raise RatingError(_l("Say how many minutes late (1 to 1440)."))
    if kind == "withdrew" and (notice_hours is None or notice_hours < 0):
        raise RatingError(_l("Say how many hours before the start the worker withdrew."))


def record_event(worker_id: int, kind: str, occurred_at: datetime, **details) -> RatingEvent:
    """Record one attendance event, update the worker's figures, suspend after too many no-shows; commit.

    The worker's row is locked for the update, so events recorded at once for the same
    worker are applied one after the other and none is lost.
    """
    event = apply_event(worker_id, kind, occurred_at, **details)
    db.session.commit()
    return event


def _held_by(worker_id: int):
    """The offers on which the worker held a place (booked at some point, whatever became of it)."""
    return (Offer.worker_id == worker_id) & or_(Offer.booked_at.is_not(None), Offer.state.in_(HOLDING_STATES))


def shifts_held(worker: Worker) -> list[Order]:
    """Return the orders the caller can see on which the worker held a place, latest first."""
    return list(db.session.scalars(
        select(Order).join(Offer, Offer.order_id == Order.id).where(_held_by(worker.id))
        .order_by(Order.starts_at.desc(), Order.id.desc())
    ))


def record_shift_event(worker_id: int, order_id: int | None, kind: str, by, *, notice_hours=None,
                       note: str | None = None) -> RatingEvent:
    """Record by hand an event the attendance sheet cannot give, on a shift the worker held; commit.

    The order must belong to by's franchise (any franchise for head office) and the worker must
    have held a place on it; kind must be one of MANUAL_KINDS, once per worker and order.
    Raises PermissionError for a role core.roles does not allow "ratings.record", RatingError otherwise.
    """
    if not may(by, "ratings.record"):
        raise PermissionError(f"{by.role} may not record rating events")
    if kind not in MANUAL_KINDS:
        raise RatingError(_l("Came, late, left early and no-show are marked on the shift's attendance sheet."))
    order = db.session.get(Order, order_id) if order_id else None
    if (order is None or (by.franchise_id is not None and order.franchise_id != by.franchise_id)
            or db.session.scalar(select(Offer.id).where(Offer.order_id == order.id, _held_by(worker_id))) is None):
        raise RatingError(_l("Choose a shift of your franchise on which the worker held a place."))
    if db.session.scalar(select(RatingEvent.id).where(RatingEvent.worker_id == worker_id,
                                                      RatingEvent.order_id == order.id, RatingEvent.kind == kind)):
        raise RatingError(_l("This is already recorded for this shift."))
    return record_event(worker_id, kind, order.starts_at, notice_hours=notice_hours, order_id=order.id, note=note,
                        by=by)


def apply_event(worker_id: int, kind: str, occurred_at: datetime, *, quality: int | None = None,
                minutes: int | None = None, notice_hours: float | Decimal | None = None, order_id: int | None = None,
                note: str | None = None, by=None) -> RatingEvent:
    """Do what record_event does, leaving the commit to the caller (closing a whole shift at once)."""
    _validate(kind, quality, minutes, notice_hours)
    worker = locks.lock(Worker, worker_id)
    if worker is None:
        raise RatingError(_l("No such worker."))
    event = RatingEvent(
        worker_id=worker.id, kind=kind, occurred_at=occurred_at, quality=quality, minutes=minutes,
        notice_hours=Decimal(str(notice_hours)) if notice_hours is not None else None, order_id=order_id,
        note=(note or None) and note[:300], recorded_by_id=getattr(by, "id", None),
        rating_before=worker.rating, reliability_before=worker.reliability,
        rating_after=worker.rating, reliability_after=worker.reliability,
    )
    db.session.add(event)
    db.session.flush()
    figures = recompute(worker)
    worker.rating, worker.reliability = figures.rating, figures.reliability
    worker.rating_penalty, worker.shifts_worked = figures.penalty, figures.shifts
    event.rating_after, event.reliability_after = figures.rating, figures.reliability
    if kind == "no_show":
        _suspend_after_no_shows(worker, by)
    return event


def _suspend_after_no_shows(worker: Worker, by) -> None:
    count = current_app.config["NO_SHOW_SUSPEND_COUNT"]
    days = current_app.config["NO_SHOW_SUSPEND_DAYS"]
    times = [e.occurred_at for e in history(worker) if e.kind == "no_show"]
    if worker.status == "active" and formulas.should_suspend(times, utcnow(), count, days):
        set_status(worker, "suspended", f"{count} no-shows in {days} days", by)
