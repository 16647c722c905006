"""Dispatch's one face: what orders, the order pages and the worker card ask of dispatch.

Orders decide what a client asks for (the shift, the headcount, the status); dispatch
decides who works it: candidates, waves of offers, places, reminders. Other packages call
dispatch through this module only (tests/test_architecture.py holds orders to it).
"""
from decimal import Decimal

from sqlalchemy import and_, select

from core import locks
from core.tenancy import current_scope, network_wide
from core.timeutil import utcnow
from dispatch import booking, hours, notices, promises, states, texts
from dispatch.alerts import alerts_of  # noqa: F401  (the order page's open alerts)
from dispatch.candidates import Shift, candidates_with_workers  # noqa: F401  (the candidates page and API)
from dispatch.console import ConsoleError, book, resend, unbook  # noqa: F401  (the dispatcher's hands)
from dispatch.models import HOLDING_STATES, Message, Offer
from dispatch.overbooking import fixed_target, prob_at_least
from extensions import db
from orders.models import Attendance, Order
from workers.models import Worker


def start(order: Order) -> None:
    """Promise the order's first wave of offers (the caller commits)."""
    promises.plan_wave(order.id)


def first_wave_at(order: Order, now=None):
    """Return when the order's first offers go: now, or the end of quiet hours for an order that is not urgent."""
    now = now or utcnow()
    return now if order.urgent else (hours.quiet_until(order, now) or now)


def waiting_for_morning(order: Order, now=None):
    """Return the morning an order still waits for to send its first offers, or None (sent, urgent, or daytime)."""
    now = now or utcnow()
    if order.status != "dispatching" or order.urgent:
        return None
    morning = hours.quiet_until(order, now)
    if morning is None or db.session.scalar(select(Offer.id).where(
            Offer.order_id == order.id, Offer.offered_at.is_not(None)).limit(1)) is not None:
        return None
    return morning


def send_now(order: Order) -> None:
    """Send an order's offers now, quiet hours or not: it is urgent from now on (the caller locks and commits).

    Its first wave is planned now if quiet hours held it; offers waiting for the morning are
    promised now too (sending one is idempotent, so the morning's job then sends nothing).
    """
    order.urgent = True
    unsent = list(db.session.scalars(select(Offer.id).where(
        Offer.order_id == order.id, Offer.state == states.OFFERED, Offer.offered_at.is_(None)).order_by(Offer.id)))
    if db.session.scalar(select(Offer.id).where(Offer.order_id == order.id).limit(1)) is None:
        promises.plan_wave(order.id)
    promises.send_offers(unsent, urgent=True)


def initial_target(needed: int, factor: Decimal | str) -> int:
    """Return the places to book for needed workers: by the fixed factor, or needed until auto plans more."""
    return needed if factor == "auto" else fixed_target(needed, float(factor))


def cancel_offers(order: Order) -> None:
    """Close every offer of a cancelled order and tell everyone who said yes (the caller commits)."""
    for offer in db.session.scalars(locks.fresh(select(Offer).where(
            Offer.order_id == order.id, Offer.state.in_(states.sources("cancel_order"))))):
        if offer.state != states.OFFERED:  # those who never answered need no word
            worker = db.session.get(Worker, offer.worker_id)
            notices.notify(worker, order, "notice", texts.cancelled_text(order, worker))
        states.move(offer, "cancel_order")


def replan_after_change(order: Order, moved: bool) -> None:
    """Re-plan an order whose headcount or time changed: booked workers are told (the caller commits).

    A new time moves every open offer and asks the booked to confirm again (a worker whose
    other shift now overlaps loses this one). Fewer workers release the latest, unconfirmed
    bookings first; more workers take the waitlist first, then a new wave.
    """
    if order.overbooking_factor is not None:
        order.booking_target = fixed_target(order.workers_needed, float(order.overbooking_factor))
    else:
        order.booking_target = max(order.workers_needed,
                                   min(order.booking_target, int(order.workers_needed * order.max_factor)))
    if moved:
        _move_offers(order)
    _fit_to_target(order)


def _move_offers(order: Order) -> None:
    for offer in db.session.scalars(locks.fresh(select(Offer).where(Offer.order_id == order.id, Offer.state.in_(
            (*states.OPEN, *states.HOLDING))))):
        offer.starts_at, offer.ends_at = order.starts_at, order.ends_at
        if offer.state not in states.HOLDING:
            continue
        worker = db.session.get(Worker, offer.worker_id)
        if booking.clashes(worker, order):
            states.move(offer, "unbook")
            notices.notify(worker, order, "notice", texts.released_text(order, worker))
            continue
        states.move(offer, "move")
        offer.confirmed_at, offer.confirm_by, offer.reminder_stage = None, None, 0
        notices.notify(worker, order, "notice", texts.moved_text(order, worker))


def _fit_to_target(order: Order) -> None:
    """Release surplus places, or fill free ones from the waitlist and then a new wave."""
    db.session.flush()
    holding = list(db.session.scalars(locks.fresh(select(Offer).where(
        Offer.order_id == order.id, Offer.state.in_(states.HOLDING))
        .order_by((Offer.state == states.CONFIRMED).asc(), Offer.booked_at.desc()))))
    for offer in holding[:max(0, len(holding) - order.booking_target)]:
        states.move(offer, "unbook")
        worker = db.session.get(Worker, offer.worker_id)
        notices.notify(worker, order, "notice", texts.released_text(order, worker))
    db.session.flush()
    while (promoted := booking.promote_waitlist(order)) is not None:
        booking.announce_promotion(order, promoted, utcnow())
    order.status = "filled" if booking.held_places(order) >= order.booking_target else "dispatching"
    if order.status == "dispatching":
        booking.replan(order)


_BOARD_ORDER = (states.CONFIRMED, states.BOOKED, states.WAITLISTED, states.OFFERED, states.DECLINED, states.DROPPED,
                states.EXPIRED, states.CANCELLED)


def board_rows(order: Order) -> list[tuple[Offer, Worker]]:
    """Return the order's offers grouped by state for the board: who holds a place first, then the
    waitlist, those still asked, and those out; in the order they were made within a state."""
    rank = {state: i for i, state in enumerate(_BOARD_ORDER)}
    return sorted(offers_of(order), key=lambda row: (rank.get(row[0].state, len(rank)), row[0].id))


def offers_of(order: Order) -> list[tuple[Offer, Worker]]:
    return list(db.session.execute(select(Offer, Worker).join(Worker, Offer.worker_id == Worker.id)
                                   .where(Offer.order_id == order.id).order_by(Offer.id)))


def fill_status(order: Order) -> dict:
    """Return the fill board's figures: counts by state and P(at least N of the booked come)."""
    rows = offers_of(order)
    counts = {}
    for offer, _worker in rows:
        counts[offer.state] = counts.get(offer.state, 0) + 1
    booked = [float(w.reliability) for o, w in rows if o.state in HOLDING_STATES]
    return {"counts": counts, "booked": len(booked), "target": order.booking_target, "needed": order.workers_needed,
            "show_up_probability": round(prob_at_least(order.workers_needed, booked), 4)}


def clashes(worker: Worker, order: Order) -> bool:
    """Whether the worker holds a place on another shift overlapping the order's, in any franchise."""
    return booking.clashes(worker, order)


def booked_workers(order: Order) -> list[Worker]:
    """Return the workers holding a place on the order, in the order they took it."""
    return list(db.session.scalars(select(Worker).join(Offer, Offer.worker_id == Worker.id).where(
        Offer.order_id == order.id, Offer.state.in_(HOLDING_STATES)).order_by(Offer.booked_at, Worker.id)))


def shift_history(worker: Worker, limit: int = 50) -> list:
    """Return the worker's offers with their orders and, once a shift is closed, his mark on it; latest first."""
    return list(db.session.execute(
        select(Offer, Order, Attendance).join(Order, Offer.order_id == Order.id)
        .outerjoin(Attendance, and_(Attendance.order_id == Offer.order_id, Attendance.worker_id == Offer.worker_id,
                                    Order.status.in_(("completed", "invoiced"))))
        .where(Offer.worker_id == worker.id).order_by(Order.starts_at.desc()).limit(limit)))


def busy_elsewhere(worker: Worker) -> list[tuple]:
    """Return (starts_at, ends_at) of the coming shifts the worker holds with franchises the caller cannot see.

    Times only: the other franchise's order, client and site stay its own.
    """
    scope = current_scope()
    if scope is None:
        return []  # head office sees every shift in the history itself
    return [tuple(row) for row in db.session.execute(network_wide(select(Offer.starts_at, Offer.ends_at).where(
        Offer.worker_id == worker.id, Offer.state.in_(HOLDING_STATES), Offer.franchise_id != scope.franchise_id,
        Offer.ends_at >= utcnow()).order_by(Offer.starts_at), Offer))]


def messages(worker: Worker, limit: int = 50) -> list:
    """Return the worker's SMS in and out, latest first."""
    return list(db.session.scalars(select(Message).where(Message.worker_id == worker.id)
                                   .order_by(Message.id.desc()).limit(limit)))
