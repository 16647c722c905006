"""Telling workers what changed: each notice is an outbound Message row plus an outbox promise.

The row and the promise to send it are written in the caller's transaction, so a
notice exists if and only if the change it reports was committed, and it leaves once
(``dispatch.jobs.send_message`` sends a stored row at most once). Urgent orders' notices
ride the urgent queue.

A send that fails is not the end of it: the sweep takes up a message whose job was lost
or failed (``dispatch.reminders.redrive``) a few times, each time with RQ retries, and
then gives it up as "failed" with an alert for the dispatcher (who can phone the worker).
"""
from rq import Retry
from sqlalchemy import select

from core import outbox, queue
from dispatch.models import Alert, Message
from extensions import db
from orders.models import Order
from workers.models import Worker

OFFER_RETRY = Retry(max=4, interval=[10, 30, 60, 300])
MESSAGE_RETRY = Retry(max=2, interval=[30, 120])
MESSAGE_TAKE_UPS = 2  # times the sweep queues a stuck message again; the next take-up is its last look


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
    promise = outbox.promise("dispatch.jobs.send_message", message.id, queue_name=sms_queue(order))
    db.session.flush()
    message.outbox_id = promise.id  # the sweep looks for this job before it takes the message up again
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
                           queue=sms_queue(order), retry=OFFER_RETRY)


def message_jobs(message: Message) -> list[str]:
    """Return the ids of every job that may carry message: its outbox job, a take-up, the morning's."""
    first = [f"outbox-{message.outbox_id}"] if message.outbox_id else []
    return [*first, f"message-{message.id}", f"message-{message.id}-morning"]


def queue_message(message: Message, order: Order | None) -> None:
    """Queue a stored message again under its own job id, with retries until its last take-up."""
    last = message.attempts > MESSAGE_TAKE_UPS
    queue.enqueue("dispatch.jobs.send_message", message.id, queue=sms_queue(order), job_id=f"message-{message.id}",
                  retry=None if last else MESSAGE_RETRY)


def recipient(worker_id: int | None) -> Worker | None:
    """Return the worker a message goes to, even one deleted from the pool since (he holds the shift still)."""
    if worker_id is None:
        return None
    return db.session.get(Worker, worker_id, execution_options={"include_deleted": True})


def order_of(message: Message) -> Order | None:
    """Return the order a message is about, even one deleted since."""
    if message.order_id is None:
        return None
    return db.session.get(Order, message.order_id, execution_options={"include_deleted": True})


def alert_failed(message: Message, order: Order | None) -> Alert | None:
    """Tell the dispatcher that message could not be sent, once per message (the caller commits).

    Offers raise none: the place is offered to someone else. detail is the message's kind; the
    page shows the worker and the text from the message itself (so erasing him erases them there too).
    """
    if message.kind == "offer" or db.session.scalar(select(Alert.id).where(Alert.message_id == message.id)):
        return None
    alert = Alert(kind="send_failed", message_id=message.id, order_id=message.order_id, detail=message.kind,
                  franchise_id=order.franchise_id if order is not None else message.franchise_id)
    db.session.add(alert)
    return alert
