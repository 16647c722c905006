"""Rating events: each explained change of a worker's rating and reliability."""
from datetime import datetime
from decimal import Decimal
from typing import Optional

from sqlalchemy import DateTime, ForeignKey, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.timeutil import utcnow
from extensions import db
from workers.models import WorkerOwnedMixin


class RatingEvent(WorkerOwnedMixin, db.Model):
    """One attendance event of a worker and the figures before and after it."""

    __audited__ = True
    __audit_hidden__ = ("note",)  # personal: erasing the worker leaves no copy in the log
    __table_args__ = (Index("ix_rating_event_worker_order", "worker_id", "occurred_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    order_id: Mapped[Optional[int]] = mapped_column(ForeignKey("order.id"), index=True)
    quality: Mapped[Optional[int]]
    minutes: Mapped[Optional[int]]
    notice_hours: Mapped[Optional[Decimal]] = mapped_column(Numeric(6, 2))
    note: Mapped[Optional[str]] = mapped_column(String(300))
    recorded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    rating_before: Mapped[Decimal] = mapped_column(Numeric(4, 2))
    rating_after: Mapped[Decimal] = mapped_column(Numeric(4, 2))
    reliability_before: Mapped[Decimal] = mapped_column(Numeric(4, 3))
    reliability_after: Mapped[Decimal] = mapped_column(Numeric(4, 3))

    recorded_by = relationship("User")
