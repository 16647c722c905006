"""Places on an order: take one, give one back, promote the waitlist. Atomic under any load.

Every function here locks the worker's row and then the order's row (core.locks: one lock
order everywhere, fresh rows after the wait), decides on the offer as it is now, moves it
through the state machine (dispatch.states), and leaves the commit to its caller, so that
"store the reply + book + answer" is one transaction. accept_locked is given both rows
locked in that order by its caller (an SMS reply locks them in the reads that find them).

The worker lock serialises one worker's answers to different orders (no two overlapping
shifts, whichever franchise booked them); the order lock serialises everyone's answers to
one order (never more than booking_target places).
"""
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import aliased

from core import locks
from core.tenancy import network_wide
from core.timeutil import utcnow
from dispatch import hours, notices, promises, states, texts
from extensions import db
from franchise import borrowing
from orders.models import Order
from dispatch.models import Offer
from workers.models import Worker
from workers.service import left_active_pool

OPEN_STATUSES = ("dispatching", "filled")


@dataclass(frozen=True)
class Outcome:
    # booked | confirmed | waitlisted | already_waitlisted | clash | closed | no_offer | offer_closed | inactive
    # | declined | already_booked | dropped | not_booked | expired | full
    kind: str
    order: Order | None = None
    position: int | None = None
    promoted: Offer | None = None


def _lock(worker_id: int, order_id: int) -> tuple[Worker | None, Order | None, Offer | None]:
    worker = locks.lock(Worker, worker_id)
    order = locks.lock(Order, order_id)
    return worker, order, _offer_of(worker_id, order_id)


def _offer_of(worker_id: int, order_id: int) -> Offer | None:
    return db.session.scalar(locks.fresh(select(Offer).where(Offer.order_id == order_id, Offer.worker_id == worker_id)))


def held_places(order: Order) -> int:
    return db.session.scalar(select(func.count()).select_from(Offer).where(
        Offer.order_id == order.id, Offer.state.in_(states.HOLDING))) or 0


def _offer_and_places(worker_id: int, order: Order, now) -> tuple[Offer | None, int, int, bool]:
    """Return the worker's offer of the order, the places held on the order, how many wait on its list since now or
    earlier, and whether the worker holds a place on another shift overlapping the order's, as committed now, in one
    statement (the caller holds the worker's lock, then the order's)."""
    row = db.session.execute(_offer_and_places_statement(), {
        "worker_id": worker_id, "order_id": order.id, "now": now,
        "starts_at": order.starts_at, "ends_at": order.ends_at}).first()
    return tuple(row) if row else (None, 0, 0, False)


@cache
def _offer_and_places_statement():
    """_offer_and_places' statement, built once (every YES runs it, with the order locked).

    The clash looks at the worker's places in every franchise; the counts at one order's offers, all of its franchise.
    """
    other, held = aliased(Offer), aliased(Offer)
    order_id = bindparam("order_id")

    def count(*where):
        return select(func.count()).select_from(other).where(other.order_id == order_id, *where).scalar_subquery()

    clash = select(held.id).where(
        held.worker_id == bindparam("worker_id"), held.order_id != order_id, held.state.in_(states.HOLDING),
        held.starts_at < bindparam("ends_at"), held.ends_at > bindparam("starts_at")).exists()
    return network_wide(locks.fresh(select(
        Offer, count(other.state.in_(states.HOLDING)),
        count(other.state == states.WAITLISTED, other.answered_at <= bindparam("now")), clash)
        .where(Offer.order_id == order_id, Offer.worker_id == bindparam("worker_id"))), Offer)


def _waitlist_position(order: Order, offer: Offer) -> int:
    return db.session.scalar(select(func.count()).select_from(Offer).where(
        Offer.order_id == order.id, Offer.state == states.WAITLISTED, Offer.answered_at <= offer.answered_at)) or 1


def clashes(worker: Worker, order: Order) -> bool:
    """Whether the worker holds a place on another shift overlapping the order's, in any franchise."""
    return _holds_overlapping(worker.id, order.id, order.starts_at, order.ends_at)


def _holds_overlapping(worker_id: int, order_id: int, starts_at, ends_at) -> bool:
    return db.session.scalar(_overlapping_statement(), {"worker_id": worker_id, "order_id": order_id,
                                                        "starts_at": starts_at, "ends_at": ends_at}) is not None


@cache
def _overlapping_statement():
    """_holds_overlapping's statement, built once (every YES runs it)."""
    return network_wide(select(Offer.id).where(
        Offer.worker_id == bindparam("worker_id"), Offer.order_id != bindparam("order_id"),
        Offer.state.in_(states.HOLDING), Offer.starts_at < bindparam("ends_at"),
        Offer.ends_at > bindparam("starts_at")).limit(1), Offer)


def accept(worker_id: int, order_id: int) -> Outcome:
    """Book the worker if a place is free, else put him on the waitlist (the caller commits).

    A YES from a booked worker confirms his place; a YES to an offer that is no longer open
    (declined, dropped, expired, cancelled) or from a worker who is not active books nothing.
    """
    worker = locks.lock(Worker, worker_id)
    return accept_locked(worker, locks.lock(Order, order_id))


def accept_locked(worker: Worker | None, order: Order | None, places: tuple | None = None, now=None) -> Outcome:
    """Do what accept does, for a caller that has locked the worker, then the order, and read both under the locks.

    A reply locks them in the reads that find them (by phone, by code), so it needs no second read of either. One
    that read the offer and the order's places under those locks too (dispatch.yes_read) passes them, as
    _offer_and_places returns them, with the now they were counted at.
    """
    if worker is None or order is None:
        return Outcome("no_offer", order)
    now = now or utcnow()
    # Under the order's lock nobody else takes a place or joins its waitlist, and under the worker's nobody else
    # changes his places: what is read with the offer tells what this answer gets and what the order holds after it.
    offer, held, waiting, clash = places or _offer_and_places(worker.id, order, now)
    if offer is None:
        return Outcome("no_offer", order)
    if order.status not in OPEN_STATUSES:
        return Outcome("closed", order)
    if offer.state in states.HOLDING:  # "1" (or YES again) from a booked worker confirms he will come
        return _confirm(offer, order)
    if offer.state == states.WAITLISTED:
        return Outcome("already_waitlisted", order, _waitlist_position(order, offer))
    if not states.allows(offer.state, "book"):
        return Outcome("offer_closed", order)
    if worker.status != "active" or worker.deleted_at is not None:
        return Outcome("inactive", order)
    if clash:
        return Outcome("clash", order)
    offer.answered_at = now
    if held < order.booking_target:
        _book(offer, worker, now, "book")
        if held + 1 >= order.booking_target:
            order.status = "filled"
        return Outcome("booked", order)
    states.move(offer, "waitlist")
    return Outcome("waitlisted", order, waiting + 1)


def confirm(worker_id: int, order_id: int) -> Outcome:
    """Confirm a booked worker's place (his "1"); the caller commits."""
    _worker, order, offer = _lock(worker_id, order_id)
    if offer is None or order is None or offer.state not in states.HOLDING:
        return Outcome("not_booked", order)
    if order.status not in OPEN_STATUSES:
        return Outcome("closed", order)
    return _confirm(offer, order)


def _confirm(offer: Offer, order: Order) -> Outcome:
    if offer.state == states.BOOKED:
        offer.confirmed_at, offer.confirm_by = utcnow(), None
    states.move(offer, "confirm")
    return Outcome("confirmed", order)


def _book(offer: Offer, worker: Worker, now, event: str) -> None:
    states.move(offer, event)
    offer.booked_at, offer.reliability = now, worker.reliability
    offer.confirmed_at = offer.confirm_by = None
    offer.reminder_stage = 0


def _mark_filled(order: Order) -> None:
    if held_places(order) >= order.booking_target:
        order.status = "filled"


def expire_unconfirmed(worker_id: int, order_id: int, now) -> Outcome:
    """Release a booked place whose worker did not confirm by confirm_by; promote the next (the caller commits)."""
    _worker, order, offer = _lock(worker_id, order_id)
    if offer is None or offer.state != states.BOOKED or offer.confirm_by is None or offer.confirm_by > now:
        return Outcome("not_booked", order)
    states.move(offer, "lapse")
    db.session.flush()
    return Outcome("expired", order, promoted=promote_waitlist(order))


def decline(worker_id: int, order_id: int) -> Outcome:
    """Record a NO to an offer that holds no place (the caller commits)."""
    _worker, order, offer = _lock(worker_id, order_id)
    if offer is None:
        return Outcome("no_offer", order)
    if offer.state in states.HOLDING:
        return Outcome("already_booked", order)  # a booked worker withdraws with DROP
    if not states.allows(offer.state, "decline"):
        return Outcome("offer_closed", order)
    states.move(offer, "decline")
    offer.answered_at = utcnow()
    return Outcome("declined", order)


def drop(worker_id: int, order_id: int) -> Outcome:
    """The worker gives his place back; the first on the waitlist gets it (the caller commits)."""
    return _release(worker_id, order_id, "drop")


def unbook(worker_id: int, order_id: int) -> Outcome:
    """The dispatcher takes a held place back; the first on the waitlist gets it (the caller commits)."""
    return _release(worker_id, order_id, "unbook")


def _release(worker_id: int, order_id: int, event: str) -> Outcome:
    _worker, order, offer = _lock(worker_id, order_id)
    if offer is None or not states.allows(offer.state, event):
        return Outcome("not_booked", order)
    states.move(offer, event)
    offer.answered_at = utcnow()
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
    if worker.status != "active" or worker.deleted_at is not None:
        return Outcome("inactive", order)
    if offer is not None and offer.state in states.HOLDING:
        return Outcome("already_booked", order)
    if clashes(worker, order):
        return Outcome("clash", order)
    if held_places(order) >= order.booking_target:
        return Outcome("full", order)
    if offer is None:
        offer = Offer(order_id=order.id, worker_id=worker.id, franchise_id=franchise_id, starts_at=order.starts_at,
                      ends_at=order.ends_at, wave=0, state=states.NEW,  # wave 0: not from a wave of SMS
                      lent_from_region_id=borrowing.lent_from(worker.region_id, order.region_id))
        db.session.add(offer)
    offer.answered_at = utcnow()
    _book(offer, worker, offer.answered_at, "book_by_hand")
    db.session.flush()
    _mark_filled(order)
    return Outcome("booked", order)


def promote_waitlist(order: Order) -> Offer | None:
    """Book the longest-waiting worker while a place is free; return him, or None (the caller holds the order lock)."""
    if held_places(order) >= order.booking_target:
        return None
    for candidate in db.session.scalars(locks.fresh(select(Offer).where(
            Offer.order_id == order.id, Offer.state == states.WAITLISTED).order_by(Offer.answered_at, Offer.id))):
        # This holds the order lock and wants a worker lock: the reverse of the lock order.
        # Skipping a worker who is locked (answering another offer right now) avoids the
        # deadlock; he stays on the waitlist for the next free place.
        worker = locks.lock(Worker, candidate.worker_id, skip_locked=True)
        if worker is None or worker.opted_out or worker.status != "active" or clashes(worker, order):
            continue
        db.session.refresh(candidate)  # his own answer may have landed before we locked him
        if candidate.state != states.WAITLISTED:
            continue
        _book(candidate, worker, utcnow(), "promote")
        db.session.flush()
        order.status = "filled" if held_places(order) >= order.booking_target else "dispatching"
        return candidate
    order.status = "dispatching"
    return None


def after_a_place_freed(order: Order, promoted: Offer | None) -> None:
    """Tell the promoted worker, or, with nobody waiting, plan another wave (the caller commits)."""
    if promoted is not None:
        announce_promotion(order, promoted, utcnow())
    elif order.status == "dispatching" and order.starts_at > utcnow():
        replan(order)


def announce_promotion(order: Order, offer: Offer, now: datetime) -> None:
    """Tell a worker promoted from the waitlist; once reminders have begun he must confirm too.

    His window to confirm opens when the notice goes: in quiet hours it may wait for the morning.
    """
    worker = notices.recipient(offer.worker_id)
    confirm = now >= hours.evening_before(order)
    if confirm:
        offer.confirm_by = (hours.held_until("notice", order, now) or now) + confirm_window()
        offer.reminder_stage = 2 if now >= hours.last_call(order) else 1
    notices.notify(worker, order, "notice", texts.promoted_text(order, worker, confirm=confirm))


def replan(order: Order) -> None:
    """Promise the order's next wave of offers (the caller commits)."""
    last_wave = db.session.scalar(select(func.max(Offer.wave)).where(Offer.order_id == order.id)) or 0
    promises.plan_wave(order.id, last_wave + 1)


def confirm_window() -> timedelta:
    """Return how long a worker asked to confirm has to reply "1"."""
    return timedelta(minutes=current_app.config["CONFIRM_WINDOW_MINUTES"])


@left_active_pool.connect
def _worker_left_pool(worker: Worker, **_kw) -> None:
    """Promise, in the suspending transaction, that the worker's offers are withdrawn network-wide."""
    promises.withdraw_worker(worker.id)


def withdraw_open_offers(worker: Worker) -> int:
    """Withdraw every open offer of a worker who is no longer active, in every franchise; return how many.

    The caller holds the worker's lock (and commits), so no YES of his lands in between.
    """
    result = db.session.execute(update(Offer).where(
        Offer.worker_id == worker.id, Offer.state.in_(states.sources("withdraw")))
        .values(state=states.target(states.OFFERED, "withdraw")))
    return result.rowcount or 0


def inactive_holders(order: Order) -> int:
    """Return how many of the order's held places belong to workers who are no longer active."""
    return db.session.scalar(select(func.count()).select_from(Offer).join(Worker, Offer.worker_id == Worker.id).where(
        Offer.order_id == order.id, Offer.state.in_(states.HOLDING), Worker.status != "active")) or 0


def held_future_orders(worker: Worker, now) -> list[Order]:
    """Return the open orders, in every franchise, on which the worker still holds a place."""
    return list(db.session.scalars(select(Order).join(Offer, Offer.order_id == Order.id).where(
        Offer.worker_id == worker.id, Offer.state.in_(states.HOLDING), Order.status.in_(OPEN_STATUSES),
        Order.starts_at > now).order_by(Order.starts_at)))
