"""RQ jobs of dispatch: plan a wave, send an offer or a message, withdraw a worker. Ids in, safe twice.

Each is promised through its typed helper in dispatch.promises, never enqueued by name.
"""
import logging
from dataclasses import replace
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from core import locks, outbox, queue, throttle
from core.timeutil import utcnow
from dispatch import alerts, booking, hours, notices, promises, reminders, sending, texts
from dispatch.sending import SEND_LOCK_SECONDS, SMS_BUCKET, record_permanent_error
from dispatch.booking import held_places
from dispatch.gateway import PermanentSmsError, sms_gateway
from dispatch.models import HOLDING_STATES, Message, Offer
from dispatch.overbooking import auto_target, fixed_target
from franchise import borrowing
from franchise.models import Franchise
from extensions import db
from dispatch.candidates import Shift, find_candidates
from orders.models import Order
from workers.models import Worker

RANKED_MARGIN = 100  # candidates ranked beyond a fixed-factor wave, so its picks match a ranking of the whole list
log = logging.getLogger(__name__)


def plan_order(order_id: int, wave: int = 1) -> int:
    """Offer the order to its next wave of candidates and schedule the wave after; return offers made."""
    order = db.session.get(Order, order_id)
    if order is None or order.status != "dispatching":
        return 0
    now = utcnow()
    morning = None if order.urgent else hours.quiet_until(order, now)
    if morning is not None:
        promises.plan_wave(order_id, wave, at=morning)
        _commit_and_relay()
        return 0
    if (db.session.scalar(select(func.max(Offer.wave)).where(Offer.order_id == order.id)) or 0) >= wave:
        return 0  # a stale run: this wave (its offers and their sends promised with them) or a later one is out
    config = current_app.config
    offered = set(db.session.scalars(select(Offer.worker_id).where(Offer.order_id == order.id)))
    site = texts.site_of(order)
    shift = Shift(
        region_id=order.region_id, lat=site.lat, lon=site.lon, starts_at=order.starts_at, ends_at=order.ends_at,
        timezone=order.region.timezone, skill_mask=order.skill_mask, radius_km=config["DISPATCH_RADIUS_KM"],
        exclude_order_id=order.id)
    limit = config["DISPATCH_MAX_CANDIDATES"]
    if order.overbooking_factor is not None:
        # A fixed factor sizes the wave without the candidates: rank only those the wave can take (past the ones
        # asked before), with a margin, rather than the whole list: the exact distance of each costs time.
        limit = min(limit, len(offered) + _size_wave(order, [], [])[1] + RANKED_MARGIN)
    candidates = [c for c in find_candidates(shift, limit=limit) if c.worker_id not in offered]
    holding = [float(w.reliability) for w in db.session.scalars(
        select(Worker).join(Offer, Offer.worker_id == Worker.id).where(
            Offer.order_id == order.id, Offer.state.in_(HOLDING_STATES)))]
    places_left, wave_size = _size_wave(order, holding, candidates)
    lent = {}  # worker id -> the region lending him
    if places_left > 0 and len(candidates) < wave_size and (pools := borrowing.neighbours(order.region_id)):
        # The order's own pool cannot fill this wave: top it up from the pools head office lets it borrow from,
        # best first, after every worker of its own.
        extra = []
        for region_id in pools:
            for c in find_candidates(replace(shift, region_id=region_id), limit=limit):
                if c.worker_id not in offered:
                    lent[c.worker_id] = region_id
                    extra.append(c)
        candidates += sorted(extra, key=lambda c: (-c.score, c.worker_id))
        places_left, wave_size = _size_wave(order, holding, candidates)
    chosen = candidates[:wave_size] if places_left > 0 else []
    if chosen:
        # The unique (order, worker) key makes a second run of this job a no-op for these rows.
        statement = pg_insert(Offer) if db.engine.dialect.name == "postgresql" else None
        rows = [dict(order_id=order.id, worker_id=c.worker_id, franchise_id=order.franchise_id, state="offered",
                     starts_at=order.starts_at, ends_at=order.ends_at, wave=wave,
                     lent_from_region_id=lent.get(c.worker_id)) for c in chosen]
        if statement is not None:
            db.session.execute(statement.on_conflict_do_nothing(constraint="uq_offer_order_worker"), rows)
        else:
            db.session.add_all(Offer(**r) for r in rows)
        db.session.execute(Worker.__table__.update().where(Worker.id.in_([c.worker_id for c in chosen]))
                           .values(last_offer_at=now))
    unsent = list(db.session.scalars(select(Offer.id).where(
        Offer.order_id == order.id, Offer.wave == wave, Offer.offered_at.is_(None)).order_by(Offer.id)))
    promises.send_offers(unsent, order.urgent)
    if chosen:  # the next wave, or, if this one asked the last candidates, the check that alerts
        promises.plan_wave(order_id, wave + 1, at=now + timedelta(minutes=config["DISPATCH_WAVE_MINUTES"]))
    elif places_left > 0:
        alerts.raise_alert(order, "no_candidates", str(places_left))
    db.session.commit()
    if unsent:
        _send_first(unsent[0])
    outbox.relay_quietly()
    return len(chosen)


def _send_first(offer_id: int) -> None:
    """Send the wave's first offer SMS (its best candidate's) from the job that planned it, before its chunk's job.

    That job, promised with the wave, still runs: it finds this one sent and sends the rest. A
    send in doubt or a failure here is left to it (it looks a "sending" message up first).
    """
    try:
        sending.send_offers([offer_id])
    except Exception:  # the chunk's job, with its retries, takes the offer up
        db.session.rollback()
        log.warning("offer %s: the first send from its wave's job failed; its chunk's job takes it up", offer_id,
                    exc_info=True)


def _size_wave(order: Order, holding: list[float], candidates: list) -> tuple[int, int]:
    """Set the order's booking target from who holds a place and who could; return (places left, wave size)."""
    if order.overbooking_factor is None:
        order.booking_target = auto_target(order.workers_needed, holding + [float(c.reliability) for c in candidates],
                                           float(order.target_probability), float(order.max_factor))
    else:
        order.booking_target = fixed_target(order.workers_needed, float(order.overbooking_factor))
    places_left = order.booking_target - held_places(order)
    return places_left, max(1, places_left * current_app.config["DISPATCH_WAVE_MULTIPLE"])


def _commit_and_relay() -> None:
    db.session.commit()
    outbox.relay_quietly()


def _sending(key: str):
    """Hold a short lock while one job sends; yield False if another job is sending the same SMS.

    A redriven job can run beside the original (or an RQ retry beside a job a dying worker
    left behind); the lock keeps the second away from the gateway. It expires by itself,
    so a job killed mid-send never blocks the message for long.
    """
    return queue.short_lock(f"sending:{key}", SEND_LOCK_SECONDS)


def send_offers(offer_ids: list[int]) -> int:
    """Send the SMS of each of these offers not sent yet, a chunk in one job (dispatch.sending); return how many
    went now or before."""
    return sum(sid is not None for sid in sending.send_offers(offer_ids).values())


def send_offer(offer_id: int) -> str | None:
    """Send one offer SMS unless it was sent already; return the message SID (the job of a single offer)."""
    return sending.send_offers([offer_id]).get(offer_id)


def send_message(message_id: int) -> str | None:
    """Send one stored outbound SMS (a reminder, a notice, a dispatcher's text) once; return its SID.

    It waits for the morning, is withdrawn, or goes now by the rules of dispatch.hours. On
    its last take-up by the sweep it is not sent again: it is looked up at the gateway, and
    if it is not there it ends "failed" with an alert for the dispatcher.
    """
    with _sending(f"message:{message_id}") as mine:
        return _send_message(message_id) if mine else None


def _send_message(message_id: int) -> str | None:
    message = db.session.get(Message, message_id)
    if message is None or message.direction != "out" or message.status in ("failed", "cancelled"):
        return None
    if message.sid:
        return message.sid  # sent before: a second run of the job sends nothing
    worker, order = notices.recipient(message.worker_id), notices.order_of(message)
    if worker is not None and worker.opted_out:
        message.status = "cancelled"  # STOP stops every message, even one already queued
        db.session.commit()
        return None
    now = utcnow()
    if message.kind == "reminder" and order is not None and not hours.reminder_goes(
            order, now, written_at=message.created_at, awaits_answer=_awaits_answer(order, message.worker_id)):
        message.status = "cancelled"
        reminders.evening_reminder_withdrawn(order, message.worker_id)
        db.session.commit()
        return None
    morning = hours.held_until(message.kind, order, now)
    if morning is not None:
        promises.send_message_again(message.id, notices.urgent(order), at=morning)
        _commit_and_relay()
        return None
    if message.attempts > notices.MESSAGE_TAKE_UPS:
        sid = _last_look(message)
    else:
        sid = _deliver(message, worker)
    if sid is None:
        alerts.alert_failed(message, order)
    db.session.commit()
    return sid


def _awaits_answer(order: Order, worker_id: int | None) -> bool:
    """Whether the worker's place waits for his "1" (booked, not yet confirmed)."""
    return db.session.scalar(select(Offer.state).where(Offer.order_id == order.id, Offer.worker_id == worker_id)) == "booked"


def _last_look(message: Message) -> str | None:
    """Give a message up unless the gateway has it after all; never send it again (the caller commits)."""
    found = None
    if message.status == "sending":  # an attempt may have reached the gateway
        try:
            found = sms_gateway().find_sent(message.phone, message.body, message.created_at)
        except Exception:  # nothing certain from the gateway still: it failed, and is never sent twice
            log.warning("message %s: the last lookup failed; giving it up", message.id, exc_info=True)
    if found:
        message.sid, message.status = found, "sent"
        return found
    message.status = "failed"
    return None


def _deliver(message: Message, worker: Worker | None) -> str | None:
    """Hand message to the gateway at most once, whatever retries do; None if refused for good.

    Marked "sending" and committed before the send, so that after a crash or an ambiguous
    failure the next attempt looks the message up at the gateway instead of sending it again.
    The outcome (SID and status, or the refusal) is left for the caller to commit with its own.
    """
    if message.sid:
        return message.sid  # sent before: a second run of the job sends nothing
    gateway = sms_gateway()
    if message.status == "sending":
        found = gateway.find_sent(message.phone, message.body, message.created_at)
        if found:
            message.sid, message.status = found, "sent"
            return found
    else:
        message.status = "sending"
        db.session.commit()
    throttle.wait_for_token(SMS_BUCKET, current_app.config["SMS_RATE_PER_SECOND"], current_app.config["SMS_BURST"])
    try:
        sent = gateway.send(message.phone, message.body, _sender_of(message))
    except PermanentSmsError as exc:
        message.status, message.error_code = "failed", exc.code
        if worker is not None:
            record_permanent_error(worker, exc.code)
        return None
    # AmbiguousSend propagates: the job is retried, and the retry looks the message up first.
    message.sid, message.status = sent.sid, sent.status
    return sent.sid


def _sender_of(message: Message) -> str | None:
    """Return the branch's own SMS sender for its message, if it has one: the worker sees the branch and answers it."""
    if message.franchise_id is None:
        return None
    franchise = db.session.get(Franchise, message.franchise_id)  # one query per job: the session keeps it
    return franchise.sms_sender if franchise is not None else None


def withdraw_worker(worker_id: int) -> int:
    """Withdraw a suspended or banned worker's open offers and alert the dispatchers of the shifts he holds.

    Safe twice: withdrawn offers stay withdrawn, and each order's alert counts the booked
    workers who are no longer active as they are now.
    """
    worker = locks.lock(Worker, worker_id)
    if worker is None or worker.status == "active":
        db.session.commit()
        return 0
    withdrawn = booking.withdraw_open_offers(worker)
    for order in booking.held_future_orders(worker, utcnow()):
        alerts.raise_alert(order, "worker_out", str(booking.inactive_holders(order)), refresh=True)
    db.session.commit()
    return withdrawn
