"""Before the shift: remind each booked worker, ask him to confirm, give unconfirmed places to the waitlist.

The sweep (dispatch.sweep) calls ``remind`` for every held place of an order starting
within two days, under the locks of its workers and the order:

- the evening before (``REMINDER_EVENING_HOUR`` local, until quiet hours), each booked worker
  is reminded and asked to reply "1 <code>"; he has until the last reminder to do so (one
  booked later than that evening gets the last reminder only);
- ``REMINDER_BEFORE_MINUTES`` before the start, the last reminder: a confirmed worker is
  told "see you", an unconfirmed one is asked again with ``CONFIRM_WINDOW_MINUTES`` to answer;
- a booked worker past his confirm_by loses the place to the first on the waitlist (who
  is told, and must confirm in turn); with nobody waiting he keeps it: a maybe is better
  than an empty place.
"""
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from dispatch import booking, hours, notices, texts
from dispatch.models import Offer
from extensions import db
from orders.models import Order
from workers.models import Worker


def _window() -> timedelta:
    return timedelta(minutes=current_app.config["CONFIRM_WINDOW_MINUTES"])


def evening_reminder_withdrawn(order: Order, worker_id: int) -> None:
    """The worker's evening reminder did not go: the last call asks him to confirm instead (the caller commits)."""
    db.session.execute(update(Offer).where(
        Offer.order_id == order.id, Offer.worker_id == worker_id, Offer.state == "booked",
        Offer.confirm_by == hours.last_call(order)).values(confirm_by=None))


def remind(order: Order, offer: Offer, now: datetime) -> int:
    """Take the one step due for this place now; return 1 if anything changed."""
    worker = notices.recipient(offer.worker_id)
    if offer.state == "booked" and offer.confirm_by is not None and offer.confirm_by <= now:
        if _someone_waits(order):
            return _release_unconfirmed(order, offer, worker, now)
        offer.confirm_by = None  # nobody to give the place to: he keeps it, and is asked again below
    if offer.reminder_stage < 2 and now >= hours.last_call(order):
        confirm = offer.state == "booked"
        offer.reminder_stage = 2
        if confirm:
            offer.confirm_by = now + _window()
        notices.notify(worker, order, "reminder", texts.reminder_text(order, worker, evening=False, confirm=confirm))
        return 1
    if offer.reminder_stage == 0 and hours.evening_reminder_due(order, now):
        offer.reminder_stage = 1
        if offer.state == "booked":
            offer.confirm_by = hours.last_call(order)
        notices.notify(worker, order, "reminder",
                       texts.reminder_text(order, worker, evening=True, confirm=offer.state == "booked"))
        return 1
    return 0


def _release_unconfirmed(order: Order, offer: Offer, worker: Worker, now: datetime) -> int:
    """Give the place of a worker who did not confirm to the first on the waitlist."""
    outcome = booking.expire_unconfirmed(offer.worker_id, order.id, now)
    if outcome.kind != "expired":
        return 0  # he confirmed a moment ago
    notices.notify(worker, order, "notice", texts.expired_text(order, worker))
    if outcome.promoted is not None:
        booking.announce_promotion(order, outcome.promoted, now)
    return 1


def _someone_waits(order: Order) -> bool:
    return db.session.scalar(select(Offer.id).where(Offer.order_id == order.id, Offer.state == "waitlisted")
                             .limit(1)) is not None


