"""Delivery callbacks: repeated and out of order, never stepping a message back from a final status.

A notice, reminder or answer that the carrier reports failed or undelivered alerts the
dispatcher, as one the gateway refused does.
"""
from sqlalchemy import select

from core import locks
from dispatch import alerts, notices
from dispatch.sending import record_permanent_error
from dispatch.models import Message
from extensions import db
from workers.models import Worker

RANK = {"accepted": 0, "queued": 0, "sending": 1, "sent": 2, "delivered": 3, "undelivered": 3, "failed": 3,
        "read": 4, "receiving": 1, "received": 3}


def apply_status(sid: str, status: str, error_code: int | None) -> bool:
    """Move the message to status if that is a step forward; return whether anything changed."""
    message = db.session.scalar(locks.fresh(select(Message).where(Message.sid == sid).with_for_update()))
    if message is None or status not in RANK:
        db.session.rollback()
        return False
    if RANK[status] <= RANK.get(message.status, 0):  # a repeat, a late one, or a step back
        db.session.rollback()
        return False
    message.status = status
    if error_code:
        message.error_code = error_code
        worker = locks.lock(Worker, message.worker_id) if message.worker_id else None
        if worker is not None:
            record_permanent_error(worker, error_code)
    if status in ("failed", "undelivered"):
        alerts.alert_failed(message, notices.order_of(message))
    db.session.commit()
    return True
