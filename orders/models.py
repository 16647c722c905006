"""Orders (N workers for a shift at a site), the rate cards that price them, and attendance on the day."""
from datetime import date, datetime
from decimal import Decimal
from typing import Optional

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import FranchiseOwnedMixin, SoftDeleteMixin, TimestampMixin
from extensions import db

ORDER_STATUSES = ("draft", "dispatching", "filled", "in_progress", "completed", "invoiced", "cancelled")


class Order(FranchiseOwnedMixin, TimestampMixin, SoftDeleteMixin, db.Model):
    __audited__ = True
    __table_args__ = (
        Index("uq_order_live_code", "code", unique=True, postgresql_where=text("code_live"),
              sqlite_where=text("code_live")),
        Index("ix_order_updated_at", "updated_at"),  # the month close looks for shifts changed since a statement
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # What workers quote ("YES 4821"): unique among live codes network-wide; a finished order's
    # code goes back to the pool only after a quiet period (orders.service.new_code).
    code: Mapped[Optional[str]] = mapped_column(String(6))
    code_live: Mapped[bool] = mapped_column(default=True)
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
    # Overbooking: a fixed factor, or NULL for "auto" (reliabilities reach target_probability).
    overbooking_factor: Mapped[Optional[Decimal]] = mapped_column(Numeric(4, 2))
    target_probability: Mapped[Decimal] = mapped_column(Numeric(4, 3), default=Decimal("0.950"))
    max_factor: Mapped[Decimal] = mapped_column(Numeric(4, 2), default=Decimal("2.00"))
    booking_target: Mapped[int] = mapped_column(default=0)  # M: places to book for N needed
    foreman_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    cancel_reason: Mapped[Optional[str]] = mapped_column(String(200))
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    # Counted from the order's attendance marks whenever they change (orders.tally): hours of the workers who
    # came, were late or left early; how many of them; all marks; no-shows.
    tally_hours: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"), server_default="0")
    tally_came: Mapped[int] = mapped_column(default=0, server_default="0")
    tally_marks: Mapped[int] = mapped_column(default=0, server_default="0")
    tally_no_shows: Mapped[int] = mapped_column(default=0, server_default="0")

    region = relationship("Region")
    client = relationship("Client")
    site = relationship("Site")
    foreman = relationship("User", foreign_keys=[foreman_id])


class RateCard(TimestampMixin, db.Model):
    """Worker pay and client bill per hour for a work type, conditions and headcount, valid for a span of days.

    Head office's cards (no franchise) are a region's defaults and its floors; a franchise's own
    card for the same work replaces the default for its orders, never below it. An order freezes
    the rates it was created with.
    """

    __audited__ = True
    __table_args__ = (
        UniqueConstraint("region_id", "franchise_id", "work_type", "conditions", "min_headcount", "valid_from",
                         name="uq_rate_card_tier"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    franchise_id: Mapped[Optional[int]] = mapped_column(ForeignKey("franchise.id"), index=True)  # None: head office's
    work_type: Mapped[str] = mapped_column(String(40))
    conditions: Mapped[str] = mapped_column(String(20))
    min_headcount: Mapped[int] = mapped_column(default=1)  # the tier applies from this many workers
    pay_rate: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    bill_rate: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    valid_from: Mapped[date] = mapped_column(Date, default=date(2000, 1, 1), server_default="2000-01-01")
    valid_to: Mapped[Optional[date]] = mapped_column(Date)  # the last day it applies; None: open-ended

    region = relationship("Region")
    franchise = relationship("Franchise")

    @classmethod
    def __tenant_filter__(cls, scope):
        """A franchise reads its region's defaults and its own cards, never another franchise's."""
        return cls.region_id.in_(scope.region_ids) & (cls.franchise_id.is_(None) | (cls.franchise_id == scope.franchise_id))

    def __tenant_allows__(self, scope) -> bool:
        """A franchise writes only its own cards, in its regions."""
        return self.region_id in scope.region_ids and self.franchise_id == scope.franchise_id


ATTENDANCE_OUTCOMES = ("came", "late", "left_early", "no_show")


class Attendance(FranchiseOwnedMixin, TimestampMixin, db.Model):
    """What happened on the day for one booked worker, as the foreman marked it."""

    __audited__ = True
    __table_args__ = (UniqueConstraint("order_id", "worker_id", name="uq_attendance_order_worker"),
                      Index("ix_attendance_updated_at", "updated_at"),  # the month close looks for late changes
                      # the few marks of borrowed workers, for the lending region's figures
                      Index("ix_attendance_lent", "lent_from_region_id",
                            postgresql_where=text("lent_from_region_id IS NOT NULL"),
                            sqlite_where=text("lent_from_region_id IS NOT NULL")))

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id"))
    outcome: Mapped[str] = mapped_column(String(12))
    minutes_late: Mapped[Optional[int]]
    hours: Mapped[Optional[Decimal]] = mapped_column(Numeric(5, 2))
    quality: Mapped[Optional[int]]
    surplus: Mapped[bool] = mapped_column(default=False)  # came beyond the N the client asked for
    # The worker's home region when it is not the order's (copied from his offer): he was lent by that pool.
    lent_from_region_id: Mapped[Optional[int]] = mapped_column(ForeignKey("region.id"))
    recorded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
