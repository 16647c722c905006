"""Every job of dispatch, named once, each promised through one typed helper.

Work is promised in the transaction that needs it (core.outbox: a row committed with the
change, handed to RQ by the relay after the commit), and a job for later is a promise
with a time. Nothing in dispatch enqueues a job any other way, and no other module names
a job: tests/dispatch/test_promises.py checks that each path below is a job in
dispatch/jobs.py.

Job ids: a first send or a planned wave runs as ``outbox-<row>``; a job for later, or one
the sweep takes up again, carries an id of its own (``plan-<order>-<wave>``,
``offer-<offer>``, ``message-<message>``, ``-morning`` when it waits for the end of quiet
hours), which is what the sweep looks for before it takes the work up again.
"""
from datetime import datetime

from core.models import Outbox
from core.outbox import Job

PLAN_ORDER = Job("dispatch.jobs.plan_order", queue="dispatch")
SEND_OFFER = Job("dispatch.jobs.send_offer", queue="sms", retry=(10, 30, 60, 300))
SEND_MESSAGE = Job("dispatch.jobs.send_message", queue="sms")
WITHDRAW_WORKER = Job("dispatch.jobs.withdraw_worker", queue="dispatch")
MESSAGE_RETRY = (30, 120)  # a message taken up again by the sweep is retried this often before the next take-up


def _sms_queue(urgent: bool) -> str:
    return "urgent" if urgent else "sms"  # urgent orders' SMS go first


def plan_wave(order_id: int, wave: int = 1, at: datetime | None = None) -> Outbox:
    """Promise the order's wave number wave, now or at a later time."""
    return PLAN_ORDER.promise(order_id, wave, job_id=f"plan-{order_id}-{wave}" if at else None, run_at=at)


def send_offers(offer_ids: list[int], urgent: bool, at: datetime | None = None) -> None:
    """Promise the SMS of each offer under the offer's own job id (sending one is idempotent)."""
    suffix = "-morning" if at else ""
    for offer_id in offer_ids:
        SEND_OFFER.promise(offer_id, queue=_sms_queue(urgent), job_id=f"offer-{offer_id}{suffix}", run_at=at)


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
