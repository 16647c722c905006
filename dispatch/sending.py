"""Offer SMS by the chunk: one job sends many offers, each claimed once before it goes, several in flight at once.

A chunk goes a slice at a time, and each slice in a few round trips whatever its size:

1. the offers' send locks are taken together (the lock a single send takes, so no two jobs
   send one offer at the same moment); an offer another job holds is left to it;
2. the claim: every offer still to send gets its message stored "sending" (or found already
   sent) in one commit, before anything reaches the gateway. After a crash, or a send whose
   fate is unknown, the next attempt looks a "sending" message up at the gateway instead of
   sending it again;
3. the sends, from a few threads at once, each waiting for its token of the shared bucket, so
   the rate limit holds however many are in flight;
4. every outcome recorded in one commit: SIDs, offers marked offered, refusals.

A killed job leaves its locks to expire and its claimed messages "sending": the sweep promises
the unsent offers again, and their send looks each one up first. A send that may or may not
have reached Twilio (``AmbiguousSend``) is raised once the rest of the chunk is sent and
recorded, so the job's retry looks up only the doubtful ones.
"""
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import insert, select, update
from sqlalchemy.orm import joinedload

from core import outbox, queue, throttle
from core.timeutil import utcnow
from dispatch import hours, promises, states, texts
from dispatch.gateway import INVALID_NUMBER, OPTED_OUT, PermanentSmsError, Sent, sms_gateway
from dispatch.models import Message, Offer
from extensions import db
from franchise.models import Franchise
from orders.models import Order
from workers.models import Worker
from workers.service import set_opt_out, set_status

SEND_LOCK_SECONDS = 120  # longer than a slice's sends with their retries and their waits for tokens
SMS_BUCKET = "sms"  # every outgoing SMS takes a token of this bucket (SMS_RATE_PER_SECOND, SMS_BURST)
SEND_THREADS = 8  # sends in flight per job: most of a send is waiting for Twilio's answer
SLICE = 50  # offers claimed and recorded together
FIRST_SLICE = SEND_THREADS  # a wave's first SMS leaves once this few are claimed, not the whole slice
SECONDS_OF_TOKENS = 10  # a slice holds at most this long's tokens, so its locks outlast it under any rate


@dataclass(frozen=True)
class _Send:
    """One claimed offer SMS, in plain values: the session's objects expire at the claim's commit."""

    offer_id: int
    message_id: int
    worker_id: int
    phone: str
    body: str
    sender: str | None
    look_up_since: datetime | None  # an earlier attempt may have reached the gateway: look it up first


def send_offers(offer_ids: list[int]) -> dict[int, str | None]:
    """Send each offer's SMS unless it went already; return offer id -> SID (None: not sent, or another job's).

    Raises the first doubtful send (AmbiguousSend) after all the others went and were recorded.
    """
    sids, doubtful = {}, None
    for part in _slices(list(dict.fromkeys(offer_ids))):
        done, failure = _send_slice(part)
        sids.update(done)
        doubtful = doubtful or failure
    if doubtful is not None:
        raise doubtful
    return sids


def _slices(offer_ids: list[int]) -> list[list[int]]:
    """Cut offer_ids into a small first slice and then full ones, none longer than SECONDS_OF_TOKENS of the bucket."""
    rate = current_app.config["SMS_RATE_PER_SECOND"]
    size = SLICE if rate <= 0 else max(1, min(SLICE, int(rate * SECONDS_OF_TOKENS)))
    first = min(size, FIRST_SLICE)
    parts = [offer_ids[:first]]
    parts += [offer_ids[start:start + size] for start in range(first, len(offer_ids), size)]
    return [part for part in parts if part]


def _send_slice(offer_ids: list[int]) -> tuple[dict[int, str | None], Exception | None]:
    keys = {offer_id: f"sending:offer:{offer_id}" for offer_id in offer_ids}
    with queue.short_locks(list(keys.values()), SEND_LOCK_SECONDS) as mine:
        sends, sids = _claim([offer_id for offer_id, key in keys.items() if key in mine])
        outcomes = _deliver_all(sends)
        sids.update(_record(sends, outcomes))
    doubtful = next((outcome for outcome in outcomes if isinstance(outcome, Exception)
                     and not isinstance(outcome, PermanentSmsError)), None)
    return sids, doubtful


def _claim(offer_ids: list[int]) -> tuple[list[_Send], dict[int, str | None]]:
    """Store a "sending" message for each offer still to send, and commit; return the sends and the SIDs known.

    Offers no longer open are skipped; an offer whose worker left the pool is withdrawn; one
    that must wait for the end of quiet hours is promised again for the morning. One whose
    message has its SID already went before: it is only marked offered.
    """
    offers = list(db.session.scalars(select(Offer).where(Offer.id.in_(offer_ids), Offer.state == states.OFFERED)
                                     .order_by(Offer.id))) if offer_ids else []
    sids = dict.fromkeys(offer_ids)
    if not offers:
        return [], sids
    workers = {w.id: w for w in db.session.scalars(select(Worker).where(Worker.id.in_({o.worker_id for o in offers})))}
    orders = {o.id: o for o in db.session.scalars(select(Order).where(Order.id.in_({o.order_id for o in offers}))
                                                  .options(joinedload(Order.region), joinedload(Order.site)))}
    now = utcnow()
    earlier = _messages_of(offers)
    mornings: dict[datetime, list[int]] = {}
    claimed, new, sent_before = [], [], []
    bodies = {}  # (order, language) -> the offer's text: the same for every worker who reads that language
    for offer in offers:
        worker, order = workers.get(offer.worker_id), orders.get(offer.order_id)
        if worker is None or order is None or worker.opted_out or worker.status != "active":
            states.move(offer, "withdraw")  # deleted since the wave, said STOP, or suspended: nobody to offer it to
            continue
        morning = hours.held_until("offer", order, now)
        if morning is not None:  # the wave was planned before quiet hours, the job runs in them
            mornings.setdefault(morning, []).append(offer.id)
            continue
        message = earlier.get((order.id, worker.id))
        if message is None:
            key = (order.id, worker.language)
            if key not in bodies:
                bodies[key] = texts.offer_text(order, worker)
            new.append((offer, dict(direction="out", kind="offer", phone=worker.phone, body=bodies[key],
                                    status="sending", worker_id=worker.id, order_id=order.id,
                                    region_id=worker.region_id, franchise_id=order.franchise_id)))
        elif message.sid:
            sids[offer.id] = message.sid
            sent_before.append(offer.id)
        else:
            claimed.append((offer.id, offer.worker_id, message.id, message.phone, message.body, message.franchise_id,
                            message.created_at if message.status == "sending" else None))
            message.status = "sending"
    if sent_before:
        _mark_offered(sent_before, now)
    for morning, held in mornings.items():
        promises.send_offers(held, urgent=False, at=morning)
    if new:  # one statement for every new message, ids back in the order given
        ids = db.session.scalars(insert(Message).returning(Message.id, sort_by_parameter_order=True),
                                 [row for _offer, row in new]).all()
        claimed += [(offer.id, offer.worker_id, message_id, row["phone"], row["body"], row["franchise_id"], None)
                    for (offer, row), message_id in zip(new, ids)]
    senders = _senders({franchise_id for *_rest, franchise_id, _since in claimed})
    sends = [_Send(offer_id, message_id, worker_id, phone, body, senders.get(franchise_id), since)
             for offer_id, worker_id, message_id, phone, body, franchise_id, since in claimed]
    db.session.commit()
    if mornings:
        outbox.relay_quietly()
    return sends, sids


def _messages_of(offers: list[Offer]) -> dict[tuple[int, int], Message]:
    """Return the first offer message stored for each (order, worker) of offers."""
    pairs = {(o.order_id, o.worker_id) for o in offers}
    found = {}
    for message in db.session.scalars(select(Message).where(
            Message.direction == "out", Message.kind == "offer", Message.order_id.in_({p[0] for p in pairs}),
            Message.worker_id.in_({p[1] for p in pairs})).order_by(Message.id)):
        if (message.order_id, message.worker_id) in pairs:
            found.setdefault((message.order_id, message.worker_id), message)
    return found


def _senders(franchise_ids: set) -> dict[int, str | None]:
    """Return each franchise's own SMS sender: the worker sees the branch and answers it."""
    ids = {i for i in franchise_ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(Franchise.id, Franchise.sms_sender).where(Franchise.id.in_(ids))).all())


def _deliver_all(sends: list[_Send]) -> list:
    """Hand each send to the gateway, several at a time; return per send its Sent or the exception it raised."""
    if not sends:
        return []
    app = current_app._get_current_object()
    rate, burst = app.config["SMS_RATE_PER_SECOND"], app.config["SMS_BURST"]

    def deliver(send: _Send):
        with app.app_context():  # the thread's own: the gateway (and its HTTP session) is kept per thread
            try:
                gateway = sms_gateway()
                if send.look_up_since is not None:
                    found = gateway.find_sent(send.phone, send.body, send.look_up_since)
                    if found:
                        return Sent(found, "sent")
                throttle.wait_for_token(SMS_BUCKET, rate, burst)
                return gateway.send(send.phone, send.body, send.sender)
            except Exception as exc:  # recorded with the others; the caller decides what it means
                return exc

    if len(sends) == 1:
        return [deliver(sends[0])]
    return list(_pool().map(deliver, sends))


_pools: dict[int, ThreadPoolExecutor] = {}


def _pool() -> ThreadPoolExecutor:
    """Return this process's sending threads (a forked work horse starts its own)."""
    pid = os.getpid()
    if pid not in _pools:
        _pools.clear()
        _pools[pid] = ThreadPoolExecutor(SEND_THREADS, thread_name_prefix="artel-send")
    return _pools[pid]


def _record(sends: list[_Send], outcomes: list) -> dict[int, str | None]:
    """Store what the gateway said about each send, and commit; return offer id -> SID of those it took."""
    sent = [(send, outcome) for send, outcome in zip(sends, outcomes) if isinstance(outcome, Sent)]
    refused = [(send, outcome) for send, outcome in zip(sends, outcomes) if isinstance(outcome, PermanentSmsError)]
    if not sent and not refused:
        return {}
    now = utcnow()
    quietly = {"synchronize_session": False}
    if sent:
        db.session.execute(update(Message), [{"id": send.message_id, "sid": outcome.sid, "status": outcome.status,
                                              "updated_at": now} for send, outcome in sent],
                           execution_options=quietly)
        _mark_offered([send.offer_id for send, _outcome in sent], now)
    if refused:
        db.session.execute(update(Message), [{"id": send.message_id, "status": "failed", "error_code": outcome.code,
                                              "updated_at": now} for send, outcome in refused],
                           execution_options=quietly)
        # refused for good: the place is offered to someone else
        db.session.execute(update(Offer).where(Offer.id.in_([send.offer_id for send, _outcome in refused]),
                                               Offer.state.in_(states.sources("undeliverable")))
                           .values(state=states.target(states.OFFERED, "undeliverable"), updated_at=now),
                           execution_options=quietly)
        for send, outcome in refused:
            worker = db.session.get(Worker, send.worker_id)
            if worker is not None:
                record_permanent_error(worker, outcome.code)
    db.session.commit()
    return {send.offer_id: outcome.sid for send, outcome in sent}


def _mark_offered(offer_ids: list[int], now: datetime) -> None:
    db.session.execute(update(Offer).where(Offer.id.in_(offer_ids), Offer.offered_at.is_(None))
                       .values(offered_at=now, updated_at=now), execution_options={"synchronize_session": False})


def record_permanent_error(worker: Worker, code: int | None) -> None:
    """Record on the worker what Twilio refused for good (the caller commits)."""
    if code == OPTED_OUT:  # unsubscribed at the carrier: mirror it, never send again
        set_opt_out(worker, True)
    elif code == INVALID_NUMBER and worker.status == "active":
        set_status(worker, "suspended", "phone number rejected by the SMS provider (21211)")
