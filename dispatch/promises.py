"""Every job of dispatch, named once, each promised through one typed helper.

Work is promised in the transaction that needs it (core.outbox: a row committed with the
change, handed to RQ by the relay after the commit), and a job for later is a promise
with a time. Nothing in dispatch enqueues a job any other way, and no other module names
a job: tests/dispatch/test_promises.py checks that each path below is a job in
dispatch/jobs.py.

Job ids: a first send or a planned wave runs as ``outbox-<row>``; a job for later, or one
the sweep takes up again, carries an id of its own (``plan-<order>-<wave>``,
``message-<message>``, ``-morning`` when it waits for the end of quiet hours), which is what
the sweep looks for before it takes the work up again. Offers go by the chunk, a job for up to
``OFFER_CHUNK`` of them, as ``offers-<first offer>-<last offer>`` (their ids in that range).
"""
import re
from bisect import bisect_right
from datetime import datetime

from core import queue
from core.models import Outbox
from core.outbox import Job

PLAN_ORDER = Job("dispatch.jobs.plan_order", queue="dispatch")
SEND_OFFERS = Job("dispatch.jobs.send_offers", queue="sms", retry=(10, 30, 60, 300))
SEND_OFFER = Job("dispatch.jobs.send_offer", queue="sms", retry=(10, 30, 60, 300))  # one offer: jobs queued before
SEND_MESSAGE = Job("dispatch.jobs.send_message", queue="sms")
WITHDRAW_WORKER = Job("dispatch.jobs.withdraw_worker", queue="dispatch")
MESSAGE_RETRY = (30, 120)  # a message taken up again by the sweep is retried this often before the next take-up
OFFER_CHUNK = 100  # offers sent by one job: its claims and records take a few round trips whatever its size
_OFFER_JOB = re.compile(r"offers?-(\d+)(?:-(\d+))?(?:-morning)?$")


def _sms_queue(urgent: bool) -> str:
    return "urgent" if urgent else "sms"  # urgent orders' SMS go first


def plan_wave(order_id: int, wave: int = 1, at: datetime | None = None) -> Outbox:
    """Promise the order's wave number wave, now or at a later time."""
    return PLAN_ORDER.promise(order_id, wave, job_id=f"plan-{order_id}-{wave}" if at else None, run_at=at)


def send_offers(offer_ids: list[int], urgent: bool, at: datetime | None = None) -> None:
    """Promise the SMS of the offers, a job for each chunk of them in id order (sending one is idempotent)."""
    suffix = "-morning" if at else ""
    ids = sorted(offer_ids)
    for start in range(0, len(ids), OFFER_CHUNK):
        chunk = ids[start:start + OFFER_CHUNK]
        SEND_OFFERS.promise(chunk, queue=_sms_queue(urgent), job_id=f"offers-{chunk[0]}-{chunk[-1]}{suffix}",
                            run_at=at)


def offers_waiting(offer_ids: list[int]) -> set[int]:
    """Return which of these offers a send job still waits to send: in a queue, or for its time (the morning's)."""
    if not offer_ids:
        return set()
    spans = []  # (first, last) of every waiting job, merged where they overlap
    for first, last in sorted(_span(job_id) for job_id in queue.job_ids_waiting("offer") if _OFFER_JOB.match(job_id)):
        if spans and first <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(last, spans[-1][1]))
        else:
            spans.append((first, last))
    firsts = [first for first, _last in spans]
    return {offer_id for offer_id in offer_ids
            if (at := bisect_right(firsts, offer_id) - 1) >= 0 and offer_id <= spans[at][1]}


def _span(job_id: str) -> tuple[int, int]:
    """The first and last offer id a send job carries: ``offers-<first>-<last>``, or ``offer-<id>`` (one offer)."""
    found = _OFFER_JOB.match(job_id)
    first = int(found.group(1))
    return first, int(found.group(2) or first)


def send_message(message_id: int, urgent: bool) -> Outbox:
    """Promise the first send of a stored outbound message."""
    return SEND_MESSAGE.promise(message_id, queue=_sms_queue(urgent))


def send_message_again(message_id: int, urgent: bool, *, last: bool = False, at: datetime | None = None) -> Outbox:
    """Promise a stored message again: a take-up by the sweep (retried unless its last), or at the morning."""
    suffix = "-morning" if at else ""
    return SEND_MESSAGE.promise(message_id, queue=_sms_queue(urgent), job_id=f"message-{message_id}{suffix}",
                                run_at=at, retry=() if last or at else MESSAGE_RETRY)


def withdraw_worker(worker_id: int) -> Outbox:
    """Promise that a worker who left the active pool has his offers withdrawn and his bookings flagged."""
    return WITHDRAW_WORKER.promise(worker_id)
