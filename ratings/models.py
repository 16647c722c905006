"""Rating events: each explained change of a worker's rating and reliability."""
from datetime import datetime
from decimal import Decimal
from typing import Optional

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Numeric, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.timeutil import utcnow
from extensions import db
from workers.models import WorkerOwnedMixin


OPENING_ONLY = "kind = 'opening'"
OPENING_COMPLETE = ("kind <> 'opening' OR (opening_shifts IS NOT NULL AND opening_no_shows IS NOT NULL"
                    " AND opening_rating IS NOT NULL)")


class RatingEvent(WorkerOwnedMixin, db.Model):
    """One attendance event of a worker and the figures before and after it."""

    __audited__ = True
    __audit_hidden__ = ("note",)  # personal: erasing the worker leaves no copy in the log
    __table_args__ = (
        Index("ix_rating_event_worker_order", "worker_id", "occurred_at", "id"),
        # One opening record per worker: it stands for his whole past before Artel.
        Index("uq_rating_event_opening", "worker_id", unique=True, postgresql_where=text(OPENING_ONLY),
              sqlite_where=text(OPENING_ONLY)),
        CheckConstraint(OPENING_COMPLETE, name="opening_complete"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    order_id: Mapped[Optional[int]] = mapped_column(ForeignKey("order.id"), index=True)
    quality: Mapped[Optional[int]]
    minutes: Mapped[Optional[int]]
    notice_hours: Mapped[Optional[Decimal]] = mapped_column(Numeric(6, 2))
    note: Mapped[Optional[str]] = mapped_column(String(300))
    # An opening record (kind "opening"): the worker's past from before his history here.
    opening_shifts: Mapped[Optional[int]]
    opening_no_shows: Mapped[Optional[int]]
    opening_rating: Mapped[Optional[Decimal]] = mapped_column(Numeric(4, 2))
    recorded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    rating_before: Mapped[Decimal] = mapped_column(Numeric(4, 2))
    rating_after: Mapped[Decimal] = mapped_column(Numeric(4, 2))
    reliability_before: Mapped[Decimal] = mapped_column(Numeric(4, 3))
    reliability_after: Mapped[Decimal] = mapped_column(Numeric(4, 3))

    recorded_by = relationship("User")
