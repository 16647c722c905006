"""An SMS from a worker: stored once per MessageSid, understood, acted on, answered once."""
from functools import cache

from flask import current_app
from flask_babel import force_locale, lazy_gettext
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, load_only

from core import locks, writes
from core.phones import try_normalize_phone
from core.timeutil import utcnow
from dispatch import booking, hours, states, yes_read
from dispatch.models import Message, MessageReader, Offer
from dispatch.replies import Reply, parse
from extensions import db
from franchise.models import Franchise, Region
from franchise.service import official_for
from orders.models import Order
from workers.models import Worker
from workers.service import set_opt_out

ORDER_KINDS = ("accept", "decline", "drop")  # replies that act on an order, under the worker's lock

# The answers, translated when one is sent (only that one: the reply path is hot).
ANSWERS = {
    "booked": lazy_gettext("You are booked for order %(code)s. We will remind you the day before."),
    "booked_soon": lazy_gettext("You are booked for order %(code)s. We will remind you before the start."),
    "waitlisted": lazy_gettext("Order %(code)s is full: you are #%(position)s on the waitlist."),
    "already_booked": lazy_gettext("You are already booked for order %(code)s."),
    "confirmed": lazy_gettext("Thank you: you are confirmed for order %(code)s."),
    "already_waitlisted": lazy_gettext("You are already #%(position)s on the waitlist for order %(code)s."),
    "clash": lazy_gettext("You already have a shift at that time, so order %(code)s cannot be booked."),
    "closed": lazy_gettext("Order %(code)s is no longer taking workers."),
    "offer_closed": lazy_gettext("The offer of order %(code)s is no longer open to you."),
    "inactive": lazy_gettext("You cannot take work at the moment. Please call the office."),
    "no_offer": lazy_gettext("You have no open offer. We will write when there is work."),
    "which": lazy_gettext("You have several offers: reply YES or NO with the order code, e.g. YES %(code)s."),
    "declined": lazy_gettext("Noted: you decline order %(code)s."),
    "dropped": lazy_gettext("You have withdrawn from order %(code)s."),
    "not_booked": lazy_gettext("You are not booked for that order."),
    "started": lazy_gettext("You will get job offers again. Reply STOP to stop them."),
    "help": lazy_gettext("Artel jobs: reply YES to take an offer, NO to decline, DROP with the code to withdraw, STOP to stop messages."),
    "hint": lazy_gettext("We did not understand. Reply YES, NO, DROP with the order code, or HELP. A dispatcher will read your message."),
    "unknown": lazy_gettext("This number is not in our pool. Call the office to sign up."),
}


def _answer_for(worker: Worker | None, key: str, **values) -> str:
    """Return the answer text in the worker's language."""
    text = _translated(worker.language if worker else "ru", key)
    return text % values if values else text


@cache
def _translated(language: str, key: str) -> str:
    """Return an answer translated into a language, once per process (the catalogs do not change while it runs)."""
    with force_locale(language):
        return str(ANSWERS[key])


def _of_branch(stmt, branch_id: int | None):
    return stmt if branch_id is None else stmt.where(Offer.franchise_id == branch_id)


def _open_offers(worker: Worker, in_states, branch_id: int | None = None) -> list[Offer]:
    return list(db.session.scalars(_of_branch(select(Offer).join(Order, Offer.order_id == Order.id).where(
        Offer.worker_id == worker.id, Offer.state.in_(in_states), Order.status.in_(booking.OPEN_STATUSES)), branch_id)
        .order_by(Order.starts_at, Offer.id)))


def _asked_to_confirm(worker: Worker, branch_id: int | None = None) -> Offer | None:
    """Return the booked place whose confirmation is being asked for first (the earliest deadline)."""
    return db.session.scalar(_of_branch(select(Offer).join(Order, Offer.order_id == Order.id).where(
        Offer.worker_id == worker.id, Offer.state == states.BOOKED, Offer.confirm_by.is_not(None),
        Order.status.in_(booking.OPEN_STATUSES)), branch_id).order_by(Offer.confirm_by, Order.starts_at, Offer.id)
        .limit(1))


def _order_for(worker: Worker, kind: str, code: str | None, branch_id: int | None = None
               ) -> tuple[Order | None, str | None]:
    """Return the order the reply is about, locked (the caller holds the worker's lock), or an answer key explaining
    why there is none.

    Without a code, a YES (or "1") first confirms the booked shift whose confirmation is
    being asked for; otherwise it is about his one open offer (or, with none, his one
    booked shift); a NO is about his one open offer; a DROP about his one booked shift.
    A reply to a branch's own SMS sender (branch_id) is about that branch's offers only.
    """
    if code:
        order = db.session.scalar(_locked_order("code"), {"code": code})
        return (order, None) if order else (None, "no_offer")
    if kind == "accept" and (asked := _asked_to_confirm(worker, branch_id)) is not None:
        return _lock_order(asked.order_id)
    if kind == "drop":
        offers = _open_offers(worker, states.HOLDING, branch_id)
    else:
        offers = _open_offers(worker, states.OPEN, branch_id)
        if not offers and kind == "accept":  # "1" to a reminder: the booked shift to confirm
            offers = _open_offers(worker, states.HOLDING, branch_id)
    if not offers:
        return None, "no_offer"
    if len(offers) > 1:
        return None, "which"
    return _lock_order(offers[0].order_id)


def _lock_order(order_id: int) -> tuple[Order | None, str | None]:
    order = db.session.scalar(_locked_order("id"), {"id": order_id})
    return (order, None) if order else (None, "no_offer")


@cache
def _locked_order(by: str):
    """Lock the live order with a code (by="code"), or an order by id, and read it with its region (its time zone
    words the answer) as committed now, in one statement built once; only the order's row is locked."""
    where = (Order.code == bindparam("code"), Order.code_live) if by == "code" else (Order.id == bindparam("id"),)
    return locks.locking(select(Order).options(
        load_only(*_ORDER_READ), joinedload(Order.region, innerjoin=True).load_only(Region.timezone)).where(*where),
        of=Order)


# What a reply reads of its worker and its order (the rest loads if something asks for it: a DROP's re-planning). The
# locking reads that find them are the first to load either in the request, and booking's own locks read all of it.
_WORKER_READ = (Worker.phone, Worker.region_id, Worker.language, Worker.status, Worker.deleted_at, Worker.reliability,
                Worker.opted_out)
_ORDER_READ = (Order.code, Order.code_live, Order.status, Order.booking_target, Order.starts_at, Order.ends_at,
               Order.franchise_id, Order.region_id)


@cache
def _worker_by_phone(locked: bool):
    """The worker with a phone, locked (the first lock of a reply that acts on an order) or not; built once each."""
    statement = select(Worker).where(Worker.phone == bindparam("phone"))
    return locks.locking(statement.options(load_only(*_WORKER_READ))) if locked else statement


def branch_of_sender(*senders: str | None) -> int | None:
    """Return the franchise whose own SMS sender (number or Messaging Service SID) a reply went to, if any."""
    network = {current_app.config.get("TWILIO_FROM"), current_app.config.get("TWILIO_MESSAGING_SERVICE_SID")}
    wanted = [s for s in senders if s and s not in network]  # the network's own sender: no branch, no query
    if not wanted:
        return None
    return db.session.scalar(select(Franchise.id).where(Franchise.sms_sender.in_(wanted), Franchise.status == "active")
                             .order_by(Franchise.id).limit(1))


def handle_inbound(sid: str, from_number: str, body: str, to: str | None = None, service: str | None = None) -> str:
    """Store, act on and answer one inbound SMS; a repeated sid gets the first answer again.

    to and service are the number and Messaging Service the worker wrote to: a branch's own
    sender attributes the reply to that branch (its offers, its inbox).
    """
    phone = try_normalize_phone(from_number) or from_number
    reply = parse(body)
    # A reply about an order takes the worker's lock in the read that finds him: the first lock of booking's order.
    # A YES with a code reads its worker, its order and its offer in one round trip, all under the locks.
    known = yes_read.read(phone, reply.code, utcnow()) if reply.kind == "accept" and reply.code else None
    worker = known.worker if known else db.session.scalar(_worker_by_phone(reply.kind in ORDER_KINDS), {"phone": phone})
    branch_id = branch_of_sender(service, try_normalize_phone(to) if to else None)
    message = Message(sid=sid, direction="in", phone=phone[:32], body=(body or "")[:1600], status="received",
                      worker_id=worker.id if worker else None, region_id=worker.region_id if worker else None,
                      franchise_id=branch_id)
    answer = message.answer = _act(worker, message, reply, branch_id, known)
    if message.order_id is None:
        _add_readers(message, worker, branch_id)
    try:
        # written once, with its answer: with the offer it changed in one statement sent with the COMMIT, else by
        # the commit's flush
        if not writes.write_together(db.session, message, commit=True):
            db.session.add(message)
        db.session.commit()
    except IntegrityError:
        # The sid's unique index is the one test for a repeat: a delivery of a sid stored already fails here, a
        # concurrent one waits here for the first to commit, then fails; everything it did is rolled back, and
        # both get the stored answer.
        db.session.rollback()
        stored = db.session.scalar(_message_by_sid(), {"sid": sid})
        if stored is None:
            raise  # not a repeat: another constraint refused the transaction
        return stored.answer or ""
    return answer  # not message.answer: the commit expired it, and reading it would load the row again


@cache
def _message_by_sid():
    return select(Message).where(Message.sid == bindparam("sid"))


def _add_readers(message: Message, worker: Worker | None, branch_id: int | None = None) -> None:
    """Give a message about no order to the franchises that read it: the branch it was written to, if any."""
    for franchise_id in ([branch_id] if branch_id is not None else readers_of(worker)):
        db.session.add(MessageReader(message=message, franchise_id=franchise_id))


def readers_of(worker: Worker | None) -> list[int | None]:
    """Return who reads a text about no order: the franchises the worker holds offers with, else his
    region's official representative, else head office (None)."""
    if worker is not None:
        holding = sorted(set(db.session.scalars(select(Offer.franchise_id).join(Order, Offer.order_id == Order.id).where(
            Offer.worker_id == worker.id, Offer.state.in_((*states.OPEN, *states.HOLDING)),
            Order.status.in_((*booking.OPEN_STATUSES, "in_progress"))))))
        if holding:
            return holding
        official = official_for(worker.region_id)
        if official is not None:
            return [official.id]
    return [None]


def _act(worker: Worker | None, message: Message, reply: Reply, branch_id: int | None = None,
         known: yes_read.Read | None = None) -> str:
    if worker is None:
        message.needs_attention = True  # perhaps someone who wants to work: a person calls back
        return _answer_for(None, "unknown")
    if reply.kind == "stop":
        set_opt_out(worker, True)
        return ""  # Twilio answers opt-outs itself
    if reply.kind == "start":
        set_opt_out(worker, False)
        return _answer_for(worker, "started")
    if reply.kind == "help":
        return _answer_for(worker, "help")
    if reply.kind == "text":
        message.needs_attention = True  # the dispatcher's inbox
        return _answer_for(worker, "hint")
    if known is not None:
        order, problem = (known.order, None) if known.order else (None, "no_offer")
    else:
        order, problem = _order_for(worker, reply.kind, reply.code, branch_id)
    if problem:
        example = _open_offers(worker, states.OPEN, branch_id) or _open_offers(worker, states.HOLDING, branch_id)
        code = db.session.get(Order, example[0].order_id).code if example else ""
        return _answer_for(worker, problem, code=code) if problem == "which" else _answer_for(worker, problem)
    if reply.kind == "accept":
        # both locked already, in the reads that found them (and the offer read too, if known)
        outcome = booking.accept_locked(worker, order, *((known.places, known.now) if known else ()))
    else:
        outcome = (booking.decline if reply.kind == "decline" else booking.drop)(worker.id, order.id)
    message.order_id, message.franchise_id = order.id, order.franchise_id  # a message belongs to its order's franchise
    if outcome.kind == "dropped":
        booking.after_a_place_freed(order, outcome.promoted)
    if outcome.kind in ("no_offer", "not_booked", "inactive"):
        return _answer_for(worker, outcome.kind)
    kind = outcome.kind
    if kind == "booked" and not hours.evening_reminder_ahead(order, utcnow()):
        kind = "booked_soon"  # too late for the evening reminder: the last call reminds him
    return _answer_for(worker, kind, code=order.code, position=outcome.position or 0)
