"""Orders (N workers for a shift at a site) and offers (one worker's invitation to one order)."""
from datetime import datetime
from decimal import Decimal
from typing import Optional

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import FranchiseOwnedMixin, SoftDeleteMixin, TimestampMixin
from extensions import db

ORDER_STATUSES = ("draft", "dispatching", "filled", "in_progress", "completed", "invoiced", "cancelled")
OFFER_STATES = ("offered", "declined", "booked", "waitlisted", "confirmed", "dropped", "expired", "cancelled")
# A worker holding one of these is on the shift.
HOLDING_STATES = ("booked", "confirmed")


class Order(FranchiseOwnedMixin, TimestampMixin, SoftDeleteMixin, db.Model):
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    work_type: Mapped[str] = mapped_column(String(40))
    skill_mask: Mapped[int] = mapped_column(BigInteger, default=0)
    workers_needed: Mapped[int]
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    pay_rate: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    bill_rate: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    urgent: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[Optional[str]] = mapped_column(Text)

    region = relationship("Region")
    client = relationship("Client")
    site = relationship("Site")


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
    state: Mapped[str] = mapped_column(String(16), default="offered")
    # the order's shift, copied so that overlap checks need no join
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    offered_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))

    order = relationship("Order")
    worker = relationship("Worker")
