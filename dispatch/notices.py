"""Telling workers what changed: each notice is an outbound Message row plus an outbox promise.

The row and the promise to send it are written in the caller's transaction, so a
notice exists if and only if the change it reports was committed, and it leaves once
(``dispatch.jobs.send_message`` sends a stored row at most once). Urgent orders' notices
ride the urgent queue.

A send that fails is not the end of it: the sweep takes up a message whose job was lost
or failed (``dispatch.sweep.redrive``) a few times, each time with RQ retries, and
then gives it up as "failed" with an alert for the dispatcher (who can phone the worker).
"""
from dispatch import promises
from dispatch.models import Message
from extensions import db
from orders.models import Order
from workers.models import Worker

MESSAGE_TAKE_UPS = 2  # times the sweep queues a stuck message again; the next take-up is its last look


def notify(worker, order, kind: str, body: str, franchise_id: int | None = None) -> Message | None:
    """Queue body to worker about order (the caller commits); None for a worker who said STOP.

    The message belongs to the order's franchise; about no order, to franchise_id (None: head office).
    """
    if worker.opted_out:
        return None
    return _queue(Message(direction="out", kind=kind, phone=worker.phone, body=body, status="queued",
                          worker_id=worker.id, order_id=order.id if order is not None else None, region_id=worker.region_id,
                          franchise_id=order.franchise_id if order is not None else franchise_id), urgent(order))


def notify_staff(phone: str, kind: str, body: str, franchise_id: int | None, region_id: int | None) -> Message:
    """Queue body to a staff phone, not a worker's (a branch's duty phone): at once, on the urgent queue (the caller commits)."""
    return _queue(Message(direction="out", kind=kind, phone=phone, body=body, status="queued",
                          region_id=region_id, franchise_id=franchise_id), True)


def _queue(message: Message, on_urgent: bool) -> Message:
    db.session.add(message)
    db.session.flush()
    promise = promises.send_message(message.id, on_urgent)
    db.session.flush()
    message.outbox_id = promise.id  # the sweep looks for this job before it takes the message up again
    return message


def urgent(order) -> bool:
    """Whether messages about order ride the urgent queue, which every worker drains first."""
    return order is not None and order.urgent


def message_jobs(message: Message) -> list[str]:
    """Return the ids of every job that may carry message: its outbox job, a take-up, the morning's."""
    first = [f"outbox-{message.outbox_id}"] if message.outbox_id else []
    return [*first, f"message-{message.id}", f"message-{message.id}-morning"]


def take_up(message: Message, order: Order | None) -> None:
    """Promise a stored message again under its own job id, with retries until its last take-up (the caller commits)."""
    promises.send_message_again(message.id, urgent(order), last=message.attempts > MESSAGE_TAKE_UPS)


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


