"""The sweep: every reminder, release and alert that falls due, and work a killed job left undone.

It runs about every ``SWEEP_SECONDS`` beside the job worker (whichever process takes the
key first) and looks at open orders starting within two days:

- each booked worker gets the reminder step due for him (dispatch.reminders);
- an order still short of N ``SHORT_ALERT_MINUTES`` before its start alerts the dispatcher;
- at the start the order is in progress, and offers nobody answered expire;
- work a killed job left undone is taken up again (``redrive``): offers never sent are
  promised again (sending is idempotent), a message whose send job was lost or failed is
  promised again a few times and then given up with an alert, and a dispatching order
  with no recent wave gets its next one.

Every step is a state change made once (reminder_stage, confirm_by, unique alerts), so a
sweep repeated or run by two workers at once sends nothing twice. Each order is swept in
a transaction of its own, its booked workers and then the order locked: one that fails
is rolled back, logged and alerted once to its dispatcher ("sweep_failed"), and the
orders after it are swept all the same.
"""
import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select, update

from core import locks, outbox, queue
from core.models import Outbox
from core.timeutil import utcnow
from dispatch import alerts, booking, hours, notices, promises, reminders, states
from dispatch.models import HOLDING_STATES, Alert, Message, Offer
from extensions import db
from orders.models import Order
from workers.models import Worker

SWEEP_SECONDS = 20
STALE_AFTER = timedelta(minutes=2)  # a job this late was lost, not slow
LOOKAHEAD = timedelta(days=2)
log = logging.getLogger(__name__)


@queue.every_tick
def sweep_when_due() -> None:
    """Run the sweep if no process ran it in the last SWEEP_SECONDS."""
    if queue.once_per("sweep", SWEEP_SECONDS):
        sweep()
        outbox.relay_quietly()


def sweep(now: datetime | None = None) -> int:
    """Do every reminder, release and alert that is due; return how many offers were touched."""
    now = now or utcnow()
    touched = 0
    order_ids = list(db.session.scalars(select(Order.id).where(
        Order.status.in_(booking.OPEN_STATUSES), Order.starts_at <= now + LOOKAHEAD).order_by(Order.starts_at)))
    for order_id in order_ids:
        try:
            touched += _sweep_order(order_id, now)
            db.session.commit()
        except Exception as exc:  # one broken order must not hold up the others
            db.session.rollback()
            log.exception("sweep: order %s failed", order_id)
            alerts.alert_sweep_failed(order_id, exc)
    return touched + redrive(now)


def _sweep_order(order_id: int, now: datetime) -> int:
    """Take every step due for one order now; return how many offers were touched (the caller commits).

    Its booked workers and then the order are locked (the lock order replies use), so a
    "1" or a DROP arriving meanwhile waits, and each step decides on the places as they are.
    """
    locks.lock_all(Worker, db.session.scalars(select(Offer.worker_id).where(
        Offer.order_id == order_id, Offer.state.in_(HOLDING_STATES))))
    order = locks.lock(Order, order_id)
    if order is None or order.status not in booking.OPEN_STATUSES:
        return 0  # deleted, cancelled or started since the sweep began
    if order.starts_at <= now:
        _start(order)
        return 0
    touched = 0
    for offer in db.session.scalars(locks.fresh(select(Offer).where(
            Offer.order_id == order.id, Offer.state.in_(HOLDING_STATES)).order_by(Offer.id))):
        touched += reminders.remind(order, offer, now)
    _alert_if_short(order, now)
    return touched


def redrive(now: datetime) -> int:
    """Promise again what a killed job left undone; return how many offers, messages or orders were taken up."""
    stale = now - STALE_AFTER
    unsent = list(db.session.execute(select(Offer.id, Order).join(Order, Offer.order_id == Order.id).where(
        Offer.state == "offered", Offer.offered_at.is_(None), Offer.created_at < stale,
        Order.status.in_(booking.OPEN_STATUSES), Order.starts_at > now)))
    waiting = promises.offers_waiting([offer_id for offer_id, _order in unsent])
    unsent = [(offer_id, order) for offer_id, order in unsent if offer_id not in waiting]
    for urgent in (True, False):
        promises.send_offers([offer_id for offer_id, order in unsent if notices.urgent(order) == urgent], urgent)
    messages = _take_up_messages(stale)
    wave_gap = timedelta(minutes=current_app.config["DISPATCH_WAVE_MINUTES"]) * 2 + STALE_AFTER
    latest = (select(Offer.order_id, func.max(Offer.created_at).label("last")).group_by(Offer.order_id).subquery())
    stalled = list(db.session.scalars(select(Order).outerjoin(latest, latest.c.order_id == Order.id).where(
        Order.status == "dispatching", Order.starts_at > now, Order.created_at < stale,
        func.coalesce(latest.c.last, Order.created_at) < now - wave_gap,
        ~select(Alert.id).where(Alert.order_id == Order.id, Alert.kind == "no_candidates").exists())))
    for order in stalled:
        try:
            due = booking.held_places(order) < order.booking_target and (
                order.urgent or not hours.quiet_until(order, now))
        except Exception as exc:  # one broken order must not hold up the others
            log.exception("redrive: order %s failed", order.id)
            alerts.alert_sweep_failed(order.id, exc)
            continue
        if due:
            booking.replan(order)
    for message, order in messages:
        notices.take_up(message, order)
    db.session.commit()  # the take-ups are counted with their promises, before their jobs can run
    outbox.relay_quietly()
    return len(unsent) + len(messages) + len(stalled)


def _take_up_messages(stale: datetime) -> list[tuple[Message, Order | None]]:
    """Count a take-up of each stored message whose send job was lost or failed, and return them to promise again.

    One taken up too often already is given up as failed, with an alert, instead.

    A message still waiting for the outbox relay (Redis was down) is not stuck, nor is one
    whose job waits in a queue, for a retry or for the morning.
    """
    stuck = list(db.session.scalars(select(Message).outerjoin(Outbox, Message.outbox_id == Outbox.id).where(
        Message.direction == "out", Message.kind != "offer", Message.sid.is_(None),
        Message.status.in_(("queued", "sending")), Message.updated_at < stale,
        or_(Message.outbox_id.is_(None), Outbox.enqueued_at.is_not(None))).order_by(Message.id)))
    waiting = queue.jobs_waiting([job for message in stuck for job in notices.message_jobs(message)])
    taken = []
    for message in stuck:
        if not waiting.isdisjoint(notices.message_jobs(message)):
            continue
        order = notices.order_of(message)
        if message.attempts > notices.MESSAGE_TAKE_UPS:  # its last look never finished either
            message.status = "failed"
            alerts.alert_failed(message, order)
        else:
            message.attempts += 1
            taken.append((message, order))
    return taken


def _alert_if_short(order: Order, now: datetime) -> None:
    if now < order.starts_at - timedelta(minutes=current_app.config["SHORT_ALERT_MINUTES"]):
        return
    held = booking.held_places(order)
    if held < order.workers_needed:
        alerts.raise_alert(order, "short", f"{held}/{order.workers_needed}")


def _start(order: Order) -> None:
    """The shift has begun: the order is in progress and unanswered offers expire."""
    order.status = "in_progress"
    db.session.execute(update(Offer).where(Offer.order_id == order.id, Offer.state.in_(states.sources("start")))
                       .values(state=states.target(states.OFFERED, "start")))
    db.session.commit()
