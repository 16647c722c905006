"""Places on an order: take one, give one back, promote the waitlist. Atomic under any load.

Every function here locks the worker's row and then the order's row (always in that
order, so two of them never wait on each other), decides, and leaves the commit to its
caller, so that "store the reply + book + answer" is one transaction.

The worker lock serialises one worker's answers to different orders (no two overlapping
shifts); the order lock serialises everyone's answers to one order (never more than
booking_target places). Both are FOR NO KEY UPDATE (``key_share=True``): it excludes the others just as well,
but not the key-share locks PostgreSQL takes when a new row refers to the worker or the
order (the stored reply does), which FOR UPDATE would turn into deadlocks.
"""
from dataclasses import dataclass

from sqlalchemy import func, select

from core.timeutil import utcnow
from extensions import db
from orders.models import HOLDING_STATES, Offer, Order
from workers.models import Worker

OPEN_STATUSES = ("dispatching", "filled")


@dataclass(frozen=True)
class Outcome:
    kind: str  # booked | confirmed | waitlisted | already_waitlisted | clash | closed | no_offer | declined | dropped | not_booked | expired
    order: Order | None = None
    position: int | None = None
    promoted: Offer | None = None


def _lock(worker_id: int, order_id: int) -> tuple[Worker | None, Order | None, Offer | None]:
    worker = db.session.scalar(select(Worker).where(Worker.id == worker_id).with_for_update(key_share=True))
    order = db.session.scalar(select(Order).where(Order.id == order_id).with_for_update(key_share=True))
    offer = db.session.scalar(select(Offer).where(Offer.order_id == order_id, Offer.worker_id == worker_id))
    return worker, order, offer


def held_places(order: Order) -> int:
    return db.session.scalar(select(func.count()).select_from(Offer).where(
        Offer.order_id == order.id, Offer.state.in_(HOLDING_STATES))) or 0


def _waitlist_position(order: Order, offer: Offer) -> int:
    return db.session.scalar(select(func.count()).select_from(Offer).where(
        Offer.order_id == order.id, Offer.state == "waitlisted", Offer.answered_at <= offer.answered_at)) or 1


def clashes(worker: Worker, order: Order) -> bool:
    return db.session.scalar(select(Offer.id).where(
        Offer.worker_id == worker.id, Offer.order_id != order.id, Offer.state.in_(HOLDING_STATES),
        Offer.starts_at < order.ends_at, Offer.ends_at > order.starts_at).limit(1)) is not None


def accept(worker_id: int, order_id: int) -> Outcome:
    """Book the worker if a place is free, else put him on the waitlist (the caller commits)."""
    worker, order, offer = _lock(worker_id, order_id)
    if offer is None or worker is None:
        return Outcome("no_offer", order)
    if order.status not in OPEN_STATUSES:
        return Outcome("closed", order)
    if offer.state in HOLDING_STATES:  # "1" (or YES again) from a booked worker confirms he will come
        if offer.state == "booked":
            offer.state, offer.confirmed_at, offer.confirm_by = "confirmed", utcnow(), None
        return Outcome("confirmed", order)
    if offer.state == "waitlisted":
        return Outcome("already_waitlisted", order, _waitlist_position(order, offer))
    if clashes(worker, order):
        return Outcome("clash", order)
    now = utcnow()
    offer.answered_at = now
    if held_places(order) < order.booking_target:
        _book(offer, worker, now)
        db.session.flush()
        if held_places(order) >= order.booking_target:
            order.status = "filled"
        return Outcome("booked", order)
    offer.state = "waitlisted"
    db.session.flush()
    return Outcome("waitlisted", order, _waitlist_position(order, offer))


def _book(offer: Offer, worker: Worker, now) -> None:
    offer.state, offer.booked_at, offer.reliability = "booked", now, worker.reliability
    offer.confirmed_at = offer.confirm_by = None
    offer.reminder_stage = 0


def expire_unconfirmed(worker_id: int, order_id: int, now) -> Outcome:
    """Release a booked place whose worker did not confirm by confirm_by; promote the next (the caller commits)."""
    _worker, order, offer = _lock(worker_id, order_id)
    if offer is None or offer.state != "booked" or offer.confirm_by is None or offer.confirm_by > now:
        return Outcome("not_booked", order)
    offer.state = "expired"
    db.session.flush()
    return Outcome("expired", order, promoted=promote_waitlist(order))


def decline(worker_id: int, order_id: int) -> Outcome:
    """Record a NO to an offer that holds no place (the caller commits)."""
    _worker, order, offer = _lock(worker_id, order_id)
    if offer is None:
        return Outcome("no_offer", order)
    if offer.state in HOLDING_STATES:
        return Outcome("already_booked", order)  # a booked worker withdraws with DROP
    offer.state, offer.answered_at = "declined", utcnow()
    return Outcome("declined", order)


def drop(worker_id: int, order_id: int) -> Outcome:
    """The worker gives his place back; the first on the waitlist gets it (the caller commits)."""
    return release(worker_id, order_id, "dropped")


def release(worker_id: int, order_id: int, new_state: str) -> Outcome:
    """Take a held place back (dropped by the worker, cancelled by the dispatcher) and promote the next."""
    _worker, order, offer = _lock(worker_id, order_id)
    if offer is None or offer.state not in HOLDING_STATES:
        return Outcome("not_booked", order)
    offer.state, offer.answered_at = new_state, utcnow()
    db.session.flush()
    promoted = promote_waitlist(order) if order.status in OPEN_STATUSES else None
    return Outcome("dropped", order, promoted=promoted)


def book_manually(worker_id: int, order_id: int, franchise_id: int) -> Outcome:
    """A dispatcher books a worker (who called, say), offered or not, if a place is free (the caller commits)."""
    worker, order, offer = _lock(worker_id, order_id)
    if worker is None or order is None:
        return Outcome("no_offer", order)
    if order.status not in OPEN_STATUSES:
        return Outcome("closed", order)
    if offer is not None and offer.state in HOLDING_STATES:
        return Outcome("already_booked", order)
    if clashes(worker, order):
        return Outcome("clash", order)
    if held_places(order) >= order.booking_target:
        return Outcome("full", order)
    if offer is None:
        offer = Offer(order_id=order.id, worker_id=worker.id, franchise_id=franchise_id, starts_at=order.starts_at,
                      ends_at=order.ends_at, wave=0)  # wave 0: not from a wave of SMS
        db.session.add(offer)
    offer.answered_at = utcnow()
    _book(offer, worker, offer.answered_at)
    db.session.flush()
    if held_places(order) >= order.booking_target:
        order.status = "filled"
    return Outcome("booked", order)


def promote_waitlist(order: Order) -> Offer | None:
    """Book the longest-waiting worker while a place is free; return him, or None."""
    if held_places(order) >= order.booking_target:
        return None
    for candidate in db.session.scalars(select(Offer).where(
            Offer.order_id == order.id, Offer.state == "waitlisted").order_by(Offer.answered_at, Offer.id)):
        # This holds the order lock and wants a worker lock: the reverse of accept()'s order.
        # Skipping a worker who is locked (answering another offer right now) avoids the
        # deadlock; he stays on the waitlist for the next free place.
        worker = db.session.scalar(select(Worker).where(Worker.id == candidate.worker_id)
                                   .with_for_update(key_share=True, skip_locked=True))
        if worker is None or worker.opted_out or clashes(worker, order):
            continue
        _book(candidate, worker, utcnow())
        db.session.flush()
        order.status = "filled" if held_places(order) >= order.booking_target else "dispatching"
        return candidate
    order.status = "dispatching"
    return None
