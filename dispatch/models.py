"""Messages in and out, who may read them, and alerts for dispatchers.

A message belongs to the franchise of its order. An inbound text about no order (a
question, STOP, a stranger) is read by the franchises the worker holds offers with, or
else by his region's official representative, or else by head office: one MessageReader
row each, which also carries that franchise's inbox state. Head office reads everything.
"""
from typing import Optional

from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, or_, select, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import FranchiseOwnedMixin, TimestampMixin
from dispatch.states import HOLDING as HOLDING_STATES  # noqa: F401  (a worker holding one of these is on the shift)
from dispatch.states import OFFERED
from extensions import db


class Offer(FranchiseOwnedMixin, TimestampMixin, db.Model):
    """One worker's invitation to one order and everything after it."""

    __audited__ = True
    __table_args__ = (
        UniqueConstraint("order_id", "worker_id", name="uq_offer_order_worker"),
        # "is this worker already on a shift at that time?" for candidate search
        Index("ix_offer_worker_shift", "worker_id", "starts_at", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id"))
    state: Mapped[str] = mapped_column(String(16), default=OFFERED)
    # the order's shift, copied so that overlap checks need no join
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    offered_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    wave: Mapped[int] = mapped_column(default=1)
    booked_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    # The worker's reliability when he took the place: what calibration compares with who came.
    reliability: Mapped[Optional[Decimal]] = mapped_column(Numeric(4, 3))
    # Reminders: 0 none yet, 1 the evening before, 2 the last one before the start.
    reminder_stage: Mapped[int] = mapped_column(default=0)
    confirm_by: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))  # else the place is released
    confirmed_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    # The worker's home region when it is not the order's: lent by that region's pool (franchise.borrowing).
    lent_from_region_id: Mapped[Optional[int]] = mapped_column(ForeignKey("region.id"))

    order = relationship("Order")
    worker = relationship("Worker")


FINAL_STATUSES = ("delivered", "undelivered", "failed", "received")
_UNSENT = text("sid IS NULL AND status IN ('queued', 'sending')")


class Message(TimestampMixin, db.Model):
    """One SMS in or out, with its Twilio SID and delivery status."""

    __table_args__ = (
        Index("ix_message_worker_created", "worker_id", "created_at"),
        # what the sweep looks through for a send job lost or failed: only messages in flight
        Index("ix_message_unsent", "updated_at", postgresql_where=_UNSENT, sqlite_where=_UNSENT),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sid: Mapped[Optional[str]] = mapped_column(String(64), unique=True)
    direction: Mapped[str] = mapped_column(String(3))  # in | out
    phone: Mapped[str] = mapped_column(String(32))  # the worker's side, E.164 when known
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    error_code: Mapped[Optional[int]]
    worker_id: Mapped[Optional[int]] = mapped_column(ForeignKey("worker.id"))
    order_id: Mapped[Optional[int]] = mapped_column(ForeignKey("order.id"), index=True)
    region_id: Mapped[Optional[int]] = mapped_column(ForeignKey("region.id"), index=True)
    answer: Mapped[Optional[str]] = mapped_column(Text)  # for replies: what we answered, replayed on retries
    kind: Mapped[str] = mapped_column(String(16), default="reply")  # out: offer | reminder | notice | manual
    # Inbound text no rule understood waits in its readers' inboxes until each handles it.
    needs_attention: Mapped[bool] = mapped_column(default=False)
    # The franchise of its order (or of whoever wrote it); NULL: its readers, else head office only.
    franchise_id: Mapped[Optional[int]] = mapped_column(ForeignKey("franchise.id"), index=True)
    # Out: how often the sweep queued it again after its send job was lost or failed (dispatch.notices),
    # and the outbox row that promised it first.
    attempts: Mapped[int] = mapped_column(default=0)
    outbox_id: Mapped[Optional[int]] = mapped_column(ForeignKey("outbox.id"))

    worker = relationship("Worker")

    @classmethod
    def __tenant_filter__(cls, scope):
        return or_(cls.franchise_id == scope.franchise_id, cls.id.in_(
            select(MessageReader.message_id).where(MessageReader.franchise_id == scope.franchise_id)))

    def __tenant_allows__(self, scope) -> bool:
        return self.franchise_id == scope.franchise_id


class MessageReader(db.Model):
    """A franchise (NULL: head office) that reads an inbound text about no order, and its inbox state for it."""

    __table_args__ = (UniqueConstraint("message_id", "franchise_id", name="uq_message_reader"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id"), index=True)
    franchise_id: Mapped[Optional[int]] = mapped_column(ForeignKey("franchise.id"), index=True)
    handled_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    handled_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))

    message = relationship("Message")
    franchise = relationship("Franchise")

    @classmethod
    def __tenant_filter__(cls, scope):
        return cls.franchise_id == scope.franchise_id

    def __tenant_allows__(self, scope) -> bool:
        return self.franchise_id == scope.franchise_id


ALERT_KINDS = ("no_candidates", "short", "worker_out", "send_failed", "sweep_failed")
_ABOUT_THE_ORDER = text("message_id IS NULL")


class Alert(FranchiseOwnedMixin, TimestampMixin, db.Model):
    """Something a dispatcher must act on: an order that will not fill by itself, an SMS that could not be sent.

    An alert about an order is raised once per kind; one about a message ("send_failed")
    once per message, and carries the message's order when it has one.
    """

    __table_args__ = (Index("uq_alert_order_kind", "order_id", "kind", unique=True,
                            postgresql_where=_ABOUT_THE_ORDER, sqlite_where=_ABOUT_THE_ORDER),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[Optional[int]] = mapped_column(ForeignKey("order.id"), index=True)
    message_id: Mapped[Optional[int]] = mapped_column(ForeignKey("message.id"), unique=True)
    # NULL: head office's (a message about no order that no franchise sent)
    franchise_id: Mapped[Optional[int]] = mapped_column(ForeignKey("franchise.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(String(300))
    resolved_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    resolved_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))

    order = relationship("Order")
    message = relationship("Message")
