"""Record attendance events and keep each worker's rating and reliability in step with them."""
from datetime import datetime
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from core import locks
from core.i18n import lazy_gettext as _l
from core.timeutil import utcnow
from extensions import db
from ratings import formulas
from ratings.models import RatingEvent
from workers.models import Worker
from workers.service import set_status


class RatingError(ValueError):
    """An attendance event is not valid; the message says why."""


def _as_event(row: RatingEvent) -> formulas.Event:
    return formulas.Event(kind=row.kind, at=row.occurred_at, quality=row.quality, minutes=row.minutes,
                          notice_hours=float(row.notice_hours) if row.notice_hours is not None else None)


def history(worker: Worker) -> list[RatingEvent]:
    """Return the worker's rating events in the order the formulas read them (oldest first)."""
    return list(db.session.scalars(
        select(RatingEvent).where(RatingEvent.worker_id == worker.id).order_by(RatingEvent.occurred_at, RatingEvent.id)
    ))


def recompute(worker: Worker) -> formulas.Figures:
    """Return the figures the whole history gives (equal to the stored ones; nothing is written)."""
    return formulas.compute([_as_event(e) for e in history(worker)])


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
