"""The shared worker pool: people partitioned by home region."""
from decimal import Decimal
from typing import Optional

from sqlalchemy import JSON, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.models import RegionOwnedMixin, SoftDeleteMixin, TimestampMixin
from extensions import db

WORKER_STATUSES = ("applicant", "active", "suspended", "banned")
SKILLS = ("loader", "rigger", "snow_clearing", "roofing", "driver", "cleaner", "handyman")


class Worker(RegionOwnedMixin, TimestampMixin, SoftDeleteMixin, db.Model):
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    phone: Mapped[str] = mapped_column(String(20), unique=True)  # E.164
    status: Mapped[str] = mapped_column(String(16), default="applicant", index=True)
    language: Mapped[str] = mapped_column(String(2), default="ru")
    skills: Mapped[list] = mapped_column(JSON, default=list)
    address: Mapped[Optional[str]] = mapped_column(String(300))
    lat: Mapped[Optional[float]]
    lon: Mapped[Optional[float]]
    max_travel_km: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal("25"))
    rating: Mapped[Decimal] = mapped_column(Numeric(4, 2), default=Decimal("3.50"))
    reliability: Mapped[Decimal] = mapped_column(Numeric(4, 3), default=Decimal("0.700"))
    opted_out: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[Optional[str]] = mapped_column(Text)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"
