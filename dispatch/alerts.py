"""Alerts: what a dispatcher must act on, raised once and shown until someone closes them.

An alert about an order is raised once per kind: "short" (held/needed shortly before the
start), "no_candidates" (places left when the candidates ran out), "worker_out" (booked
workers no longer active), "sweep_failed" (the error's name). An alert about a message
("send_failed") is raised once per message and carries its order when it has one.
"""
import logging

from sqlalchemy import select

from core.timeutil import utcnow
from dispatch.models import Alert, Message
from extensions import db
from orders.models import Order

log = logging.getLogger(__name__)


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


def alert_sweep_failed(order_id: int, exc: Exception) -> None:
    """Alert the order's dispatcher, once, that the sweep could not handle it; never raise."""
    try:
        order = db.session.get(Order, order_id)
        if order is not None:
            raise_alert(order, "sweep_failed", type(exc).__name__)
            db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("no sweep_failed alert for order %s", order_id)


def open_alerts(limit: int = 100) -> list[Alert]:
    """Return the visible alerts nobody closed yet, newest first."""
    return list(db.session.scalars(select(Alert).where(Alert.resolved_at.is_(None))
                                   .order_by(Alert.id.desc()).limit(limit)))


def alerts_of(order: Order) -> list[Alert]:
    """Return the order's open alerts."""
    return list(db.session.scalars(select(Alert).where(Alert.order_id == order.id, Alert.resolved_at.is_(None))))


def resolve(alert: Alert, by) -> None:
    """Close an alert; commit."""
    alert.resolved_at, alert.resolved_by_id = utcnow(), by.id
    db.session.commit()
