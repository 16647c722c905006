"""Telling workers what changed: each notice is an outbound Message row plus an outbox promise.

The row and the promise to send it are written in the caller's transaction, so a
notice exists if and only if the change it reports was committed, and it leaves once
(``dispatch.jobs.send_message`` sends a stored row at most once). Urgent orders' notices
ride the urgent queue.
"""
from rq import Retry

from core import outbox, queue
from dispatch.models import Message
from extensions import db


def notify(worker, order, kind: str, body: str, franchise_id: int | None = None) -> Message | None:
    """Queue body to worker about order (the caller commits); None for a worker who said STOP.

    The message belongs to the order's franchise; about no order, to franchise_id (None: head office).
    """
    if worker.opted_out:
        return None
    message = Message(direction="out", kind=kind, phone=worker.phone, body=body, status="queued",
                      worker_id=worker.id, order_id=order.id if order is not None else None,
                      region_id=worker.region_id, franchise_id=order.franchise_id if order is not None else franchise_id)
    db.session.add(message)
    db.session.flush()
    outbox.promise("dispatch.jobs.send_message", message.id, queue_name=sms_queue(order))
    return message


def sms_queue(order) -> str:
    """Urgent orders' messages go first."""
    return "urgent" if order is not None and order.urgent else "sms"


def queue_offer(order, offer_id: int) -> None:
    """Queue the offer's SMS under its own job id (sending it is idempotent); urgent orders' first."""
    queue_offers(order, [offer_id])


def queue_offers(order, offer_ids: list[int]) -> None:
    """Queue the SMS of many offers of one order at once, one job per offer."""
    if offer_ids:
        queue.enqueue_many("dispatch.jobs.send_offer", [((offer_id,), f"offer-{offer_id}") for offer_id in offer_ids],
                           queue=sms_queue(order), retry=Retry(max=4, interval=[10, 30, 60, 300]))
