"""Regions (city territories) and the franchises that own them."""
from datetime import date, datetime
from decimal import Decimal
from typing import Optional

from sqlalchemy import Date, DateTime, ForeignKey, Index, Numeric, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import SoftDeleteMixin, TimestampMixin
from core.timeutil import utcnow
from extensions import db

TIERS = ("head_office", "basic", "brand", "official")
FRANCHISE_STATUSES = ("active", "suspended", "terminated")


class Region(TimestampMixin, db.Model):
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3), default="RUB")
    phone_region: Mapped[str] = mapped_column(String(2), default="RU")
    center_lat: Mapped[float]
    center_lon: Mapped[float]
    radius_km: Mapped[Decimal] = mapped_column(Numeric(7, 2))

    franchises = relationship("Franchise", back_populates="region")

    @classmethod
    def __tenant_filter__(cls, scope):
        return cls.id.in_(scope.pool)  # a borrowed worker's home region is shown with him

    def __tenant_allows__(self, scope) -> bool:
        return self.id in scope.region_ids


class RegionLink(db.Model):
    """Head office lets the franchises of region_id borrow workers of neighbour_id's pool.

    A pair is allowed both ways and stored as two rows (A→B and B→A), so "whose pools may this
    region dispatch from" is one indexed read. Not tenant-filtered: the scope itself reads it
    (Franchise.pool_region_ids) and so does dispatch; only head office writes it
    (franchise.borrowing).
    """

    __table_args__ = (UniqueConstraint("region_id", "neighbour_id", name="uq_region_link"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))  # the unique key's first column indexes it
    neighbour_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))

    region = relationship("Region", foreign_keys=[region_id])
    neighbour = relationship("Region", foreign_keys=[neighbour_id])


# One official representative per city: at most one active, undeleted official franchise per region.
ONE_OFFICIAL = "tier = 'official' AND status = 'active' AND deleted_at IS NULL"


class Franchise(TimestampMixin, SoftDeleteMixin, db.Model):
    __audited__ = True
    __table_args__ = (
        Index("uq_franchise_official_region", "region_id", unique=True, postgresql_where=text(ONE_OFFICIAL),
              sqlite_where=text(ONE_OFFICIAL)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160))  # the brand people see
    legal_name: Mapped[Optional[str]] = mapped_column(String(200))  # the company on the contract
    contract_start: Mapped[Optional[date]] = mapped_column(Date)
    contract_end: Mapped[Optional[date]] = mapped_column(Date)
    tier: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="active")
    region_id: Mapped[Optional[int]] = mapped_column(ForeignKey("region.id"), index=True)
    royalty_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4), default=Decimal("0.15"))
    sms_sender: Mapped[Optional[str]] = mapped_column(String(34))  # E.164, or a Messaging Service SID (MG + 32)
    duty_phone: Mapped[Optional[str]] = mapped_column(String(20))  # E.164: told by SMS of each lead routed here
    monthly_fee: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0.00"), server_default="0")

    region = relationship("Region", back_populates="franchises")

    @property
    def pool_region_ids(self) -> tuple[int, ...]:
        """The pools this franchise dispatches from: its region's, then the neighbours head office allows."""
        if self.region_id is None:
            return ()
        linked = db.session.scalars(db.select(RegionLink.neighbour_id).where(RegionLink.region_id == self.region_id)
                                    .order_by(RegionLink.neighbour_id))
        return (self.region_id, *linked)

    @classmethod
    def __tenant_filter__(cls, scope):
        return cls.id == scope.franchise_id

    def __tenant_allows__(self, scope) -> bool:
        return self.id == scope.franchise_id


class DashboardRollup(db.Model):
    """Head office's dashboard's count of one region's closed orders in one month (franchise.rollup)."""

    __table_args__ = (Index("ix_dashboard_rollup_month", "region_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM in the region's time zone
    franchise_id: Mapped[int] = mapped_column(ForeignKey("franchise.id"))
    bill_rate: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    hours: Mapped[Decimal] = mapped_column(Numeric(10, 2))  # hours worked on each of these orders
    worked: Mapped[bool]  # someone came
    orders: Mapped[int]
    needed: Mapped[int]
    filled: Mapped[int]
    marks: Mapped[int]
    no_shows: Mapped[int]


class DashboardCounted(db.Model):
    """A (region, month) whose closed orders are counted in dashboard_rollup, and when."""

    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    counted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DashboardWatermark(db.Model):
    """One row: when the rollup last looked for changed orders (locked by the refresh under way)."""

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    checked_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
