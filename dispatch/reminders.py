"""Before the shift: remind, ask to confirm, give unconfirmed places to the waitlist, alert when short.

A sweep runs about every ``SWEEP_SECONDS`` beside the job worker (whichever worker takes the
Redis lock) and looks at open orders starting within two days:

- the evening before (``REMINDER_EVENING_HOUR`` local, until quiet hours), each booked worker
  is reminded and asked to reply "1 <code>"; he has until the last reminder to do so (one
  booked later than that evening gets the last reminder only);
- ``REMINDER_BEFORE_MINUTES`` before the start, the last reminder: a confirmed worker is
  told "see you", an unconfirmed one is asked again with ``CONFIRM_WINDOW_MINUTES`` to answer;
- a booked worker past his confirm_by loses the place to the first on the waitlist (who
  is told, and must confirm in turn); with nobody waiting he keeps it: a maybe is better
  than an empty place;
- an order still short of N ``SHORT_ALERT_MINUTES`` before its start alerts the dispatcher;
- at the start the order is in progress, and offers nobody answered expire;
- work a killed job left undone is taken up again: offers never sent are queued again
  (sending is idempotent), a message whose send job was lost or failed is queued again a
  few times and then given up with an alert (``dispatch.notices``), and a dispatching
  order with no recent wave gets its next one.

Every step is a state change made once (reminder_stage, confirm_by, unique alerts), so a
sweep repeated or run by two workers at once sends nothing twice. Each order is swept in
a transaction of its own: one that fails is rolled back, logged and alerted once to its
dispatcher ("sweep_failed"), and the orders after it are swept all the same.
"""
import logging
from datetime import datetime, timedelta

from flask import current_app
from rq import Queue
from rq.job import Job, JobStatus
from rq.registry import DeferredJobRegistry, ScheduledJobRegistry
from sqlalchemy import func, or_, select, update

from core import locks, outbox, queue
from core.models import Outbox
from core.timeutil import utcnow
from dispatch import booking, hours, notices, states, texts
from dispatch.models import Alert, Message
from extensions import db
from orders.models import HOLDING_STATES, Offer, Order
from workers.models import Worker

SWEEP_SECONDS = 20
STALE_AFTER = timedelta(minutes=2)  # a job this late was lost, not slow
WAITING = (JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED)  # a job in these is slow, not lost
LOOKAHEAD = timedelta(days=2)
log = logging.getLogger(__name__)


def _window() -> timedelta:
    return timedelta(minutes=current_app.config["CONFIRM_WINDOW_MINUTES"])


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
        offer.confirm_by = (hours.held_until("notice", order, now) or now) + _window()
        offer.reminder_stage = 2 if now >= hours.last_call(order) else 1
    notices.notify(worker, order, "notice", texts.promoted_text(order, worker, confirm=confirm))


def replan(order: Order) -> None:
    """Promise the order's next wave of offers (the caller commits)."""
    last_wave = db.session.scalar(select(func.max(Offer.wave)).where(Offer.order_id == order.id)) or 0
    outbox.promise("dispatch.jobs.plan_order", order.id, last_wave + 1, queue_name="dispatch")


def evening_reminder_withdrawn(order: Order, worker_id: int) -> None:
    """The worker's evening reminder did not go: the last call asks him to confirm instead (the caller commits)."""
    db.session.execute(update(Offer).where(
        Offer.order_id == order.id, Offer.worker_id == worker_id, Offer.state == "booked",
        Offer.confirm_by == hours.last_call(order)).values(confirm_by=None))


def raise_alert(order: Order, kind: str, detail: str, refresh: bool = False) -> Alert | None:
    """Record an alert for the order's dispatcher once per kind (the caller commits).

    detail is figures, not prose (the page words it in the reader's language): "short"
    has "held/needed", "no_candidates" the places left, "worker_out" how many booked
    workers are no longer active. With refresh, an alert already there takes the new
    detail and opens again; otherwise it stays as it is and None is returned.
    """
    alert = db.session.scalar(select(Alert).where(Alert.order_id == order.id, Alert.kind == kind,
                                                  Alert.message_id.is_(None)))
    if alert is not None:
        if not refresh:
            return None
        alert.detail, alert.resolved_at, alert.resolved_by_id = detail[:300], None, None
        return alert
    alert = Alert(order_id=order.id, kind=kind, detail=detail[:300], franchise_id=order.franchise_id)
    db.session.add(alert)
    return alert


@queue.every_tick
def sweep_when_due() -> None:
    """Run the sweep if no process ran it in the last SWEEP_SECONDS."""
    if queue.connection().set("artel:reminders:sweep", "1", nx=True, ex=SWEEP_SECONDS):
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
            _alert_sweep_failed(order_id, exc)
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
        touched += _remind(order, offer, now)
    _alert_if_short(order, now)
    return touched


def _alert_sweep_failed(order_id: int, exc: Exception) -> None:
    """Alert the order's dispatcher, once, that the sweep could not handle it; never raise."""
    try:
        order = db.session.get(Order, order_id)
        if order is not None:
            raise_alert(order, "sweep_failed", type(exc).__name__)
            db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("sweep: no alert for order %s", order_id)


def _jobs_waiting(job_ids: list[str]) -> set[str]:
    """Return which of these jobs still wait in a queue or a registry (behind a backlog, not lost).

    The status alone does not tell: a worker killed between taking a job off its queue and
    marking it started leaves it "queued" in no queue at all, so each one is looked for where
    its status says it is.
    """
    conn = queue.connection()
    jobs = Job.fetch_many(job_ids, connection=conn) if job_ids else []
    candidates = [job for job in jobs if job is not None and job.get_status(refresh=False) in WAITING]
    if not candidates:
        return set()
    with conn.pipeline(transaction=False) as pipe:
        for job in candidates:
            status = job.get_status(refresh=False)
            if status == JobStatus.QUEUED:
                pipe.lpos(Queue(job.origin, connection=conn).key, job.id)
            else:
                registry = ScheduledJobRegistry if status == JobStatus.SCHEDULED else DeferredJobRegistry
                pipe.zscore(registry(job.origin, connection=conn).key, job.id)
        places = pipe.execute()
    return {job.id for job, place in zip(candidates, places) if place is not None}


def redrive(now: datetime) -> int:
    """Queue again what a killed job left undone; return how many offers, messages or orders were taken up."""
    stale = now - STALE_AFTER
    unsent = list(db.session.execute(select(Offer.id, Order).join(Order, Offer.order_id == Order.id).where(
        Offer.state == "offered", Offer.offered_at.is_(None), Offer.created_at < stale,
        Order.status.in_(booking.OPEN_STATUSES), Order.starts_at > now)))
    jobs = {offer_id: [f"offer-{offer_id}", f"offer-{offer_id}-morning"] for offer_id, _order in unsent}
    waiting = _jobs_waiting([job for ids in jobs.values() for job in ids])
    unsent = [(offer_id, order) for offer_id, order in unsent if waiting.isdisjoint(jobs[offer_id])]
    for offer_id, order in unsent:
        notices.queue_offer(order, offer_id)
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
            _alert_sweep_failed(order.id, exc)
            continue
        if due:
            replan(order)
    db.session.commit()  # the take-ups are counted before their jobs can run
    for message, order in messages:
        notices.queue_message(message, order)
    return len(unsent) + len(messages) + len(stalled)


def _take_up_messages(stale: datetime) -> list[tuple[Message, Order | None]]:
    """Count a take-up of each stored message whose send job was lost or failed, and return them to queue again.

    One taken up too often already is given up as failed, with an alert, instead.

    A message still waiting for the outbox relay (Redis was down) is not stuck, nor is one
    whose job waits in a queue, for a retry or for the morning.
    """
    stuck = list(db.session.scalars(select(Message).outerjoin(Outbox, Message.outbox_id == Outbox.id).where(
        Message.direction == "out", Message.kind != "offer", Message.sid.is_(None),
        Message.status.in_(("queued", "sending")), Message.updated_at < stale,
        or_(Message.outbox_id.is_(None), Outbox.enqueued_at.is_not(None))).order_by(Message.id)))
    waiting = _jobs_waiting([job for message in stuck for job in notices.message_jobs(message)])
    taken = []
    for message in stuck:
        if not waiting.isdisjoint(notices.message_jobs(message)):
            continue
        order = notices.order_of(message)
        if message.attempts > notices.MESSAGE_TAKE_UPS:  # its last look never finished either
            message.status = "failed"
            notices.alert_failed(message, order)
        else:
            message.attempts += 1
            taken.append((message, order))
    return taken


def _remind(order: Order, offer: Offer, now: datetime) -> int:
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
        announce_promotion(order, outcome.promoted, now)
    return 1


def _someone_waits(order: Order) -> bool:
    return db.session.scalar(select(Offer.id).where(Offer.order_id == order.id, Offer.state == "waitlisted")
                             .limit(1)) is not None


def _alert_if_short(order: Order, now: datetime) -> None:
    if now < order.starts_at - timedelta(minutes=current_app.config["SHORT_ALERT_MINUTES"]):
        return
    held = booking.held_places(order)
    if held < order.workers_needed:
        raise_alert(order, "short", f"{held}/{order.workers_needed}")


def _start(order: Order) -> None:
    """The shift has begun: the order is in progress and unanswered offers expire."""
    order.status = "in_progress"
    db.session.execute(update(Offer).where(Offer.order_id == order.id, Offer.state.in_(states.sources("start")))
                       .values(state=states.target(states.OFFERED, "start")))
    db.session.commit()
