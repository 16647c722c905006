"""The dispatcher's hands: book, unbook and re-send by hand; the inbox of texts no rule understood; alerts."""
from sqlalchemy import select

from core import outbox
from core.i18n import lazy_gettext as _l
from core.timeutil import utcnow
from dispatch import booking, notices, states, texts
from dispatch.models import Message, MessageReader, Offer
from extensions import db
from franchise import borrowing
from orders.models import Order
from workers.models import Worker

REPLY_MAX = 320  # two GSM-7 segments; a Cyrillic reply of this length is five


class ConsoleError(ValueError):
    """The dispatcher asked for something the order or the worker does not allow."""


_REFUSALS = {
    "closed": _l("The order is no longer taking workers."),
    "already_booked": _l("The worker is already booked on this order."),
    "clash": _l("The worker has another shift at that time."),
    "full": _l("The order is full: unbook someone or raise the headcount first."),
    "no_offer": _l("No such worker or order."),
    "inactive": _l("Only an active worker can be booked."),
    "not_booked": _l("The worker holds no place on this order."),
    "offer_closed": _l("The offer is closed: he can no longer decline it."),
}


def _finish() -> None:
    db.session.commit()
    outbox.relay_quietly()


def book(order: Order, worker: Worker) -> None:
    """Book worker on order by hand (he called the office, say) and tell him; commit."""
    if worker.status != "active" or not borrowing.may_work_in(worker.region_id, order.region_id):
        raise ConsoleError(_l("Only an active worker of the order's region, or of a region it may borrow from, "
                              "can be booked."))
    outcome = booking.book_manually(worker.id, order.id, order.franchise_id)
    if outcome.kind != "booked":
        db.session.rollback()
        raise ConsoleError(_REFUSALS[outcome.kind])
    notices.notify(worker, order, "notice", texts.booked_text(order, worker))
    _finish()


def unbook(order: Order, worker: Worker) -> None:
    """Take the worker's place back, tell him, and give it to the waitlist or a new wave; commit."""
    outcome = booking.unbook(worker.id, order.id)
    if outcome.kind != "dropped":
        db.session.rollback()
        raise ConsoleError(_REFUSALS[outcome.kind])
    notices.notify(worker, order, "notice", texts.released_text(order, worker))
    booking.after_a_place_freed(outcome.order, outcome.promoted)
    _finish()


def resend(order: Order, worker: Worker) -> None:
    """Send the offer again to a worker who has not answered it; commit."""
    offer = db.session.scalar(select(Offer).where(Offer.order_id == order.id, Offer.worker_id == worker.id))
    if offer is None or offer.state != "offered" or order.status not in booking.OPEN_STATUSES:
        raise ConsoleError(_l("Only an open offer nobody answered can be sent again."))
    if worker.opted_out:
        raise ConsoleError(_l("The worker replied STOP: no messages until he replies START."))
    notices.notify(worker, order, "resend", texts.offer_text(order, worker))
    offer.offered_at = offer.offered_at or utcnow()
    _finish()


def decline(order: Order, worker: Worker) -> None:
    """Record the worker's no by hand (he said it in words no rule reads); commit. He is not texted."""
    outcome = booking.decline(worker.id, order.id)
    if outcome.kind != "declined":
        db.session.rollback()
        raise ConsoleError(_REFUSALS[outcome.kind])
    _finish()


def open_offers(worker_ids: list[int]) -> dict[int, list[tuple[Offer, Order]]]:
    """Return, per worker, the caller's orders he has an open offer on (offered or waitlisted), soonest first:
    what an inbox text is most likely about."""
    found: dict[int, list[tuple[Offer, Order]]] = {}
    rows = db.session.execute(select(Offer, Order).join(Order, Offer.order_id == Order.id).where(
        Offer.worker_id.in_(worker_ids), Offer.state.in_(states.OPEN), Order.status.in_(booking.OPEN_STATUSES))
        .order_by(Order.starts_at, Order.id))
    for offer, order in rows:
        found.setdefault(offer.worker_id, []).append((offer, order))
    return found


def get_order(order_id: int) -> Order | None:
    """Return the order if the caller may see it."""
    return db.session.get(Order, order_id)


def orders_named(rows) -> dict[int, Order]:
    """Return the visible orders the inbox rows' texts were filed under, by id."""
    ids = {message.order_id for _reader, message, _worker in rows if message.order_id}
    return {o.id: o for o in db.session.scalars(select(Order).where(Order.id.in_(ids)))} if ids else {}


def inbox(include_handled: bool = False, limit: int = 200) -> list[tuple[MessageReader, Message, Worker | None]]:
    """Texts from workers (and strangers) that no rule understood, as each reader sees them, oldest unhandled first."""
    stmt = (select(MessageReader, Message, Worker).join(Message, MessageReader.message_id == Message.id)
            .outerjoin(Worker, Message.worker_id == Worker.id)
            .where(Message.direction == "in", Message.needs_attention.is_(True)))
    if include_handled:
        stmt = stmt.order_by(Message.id.desc(), MessageReader.id)
    else:
        stmt = stmt.where(MessageReader.handled_at.is_(None)).order_by(Message.id, MessageReader.id)
    return [tuple(row) for row in db.session.execute(stmt.limit(limit))]


def handle(message: Message, by, answer: str = "") -> Message | None:
    """Mark an inbox message handled for the caller's franchise (head office: for every reader),
    first texting answer back to the worker if given; commit."""
    readers = list(db.session.scalars(select(MessageReader).where(
        MessageReader.message_id == message.id, MessageReader.handled_at.is_(None))))
    if message.direction != "in" or not message.needs_attention or not readers:
        raise ConsoleError(_l("That message is not in the inbox."))
    answer = (answer or "").strip()
    sent = None
    if answer:
        if len(answer) > REPLY_MAX:
            raise ConsoleError(_l("At most %(n)s characters.", n=REPLY_MAX))
        worker = db.session.get(Worker, message.worker_id) if message.worker_id else None
        if worker is None:
            raise ConsoleError(_l("The sender is not in the pool: call him back instead."))
        if worker.opted_out:
            raise ConsoleError(_l("The worker replied STOP: no messages until he replies START."))
        sent = notices.notify(worker, None, "manual", answer, franchise_id=by.franchise_id)
    now = utcnow()
    for reader in readers:
        reader.handled_at, reader.handled_by_id = now, by.id
    _finish()
    return sent
