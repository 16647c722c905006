"""The shared worker pool: people partitioned by home region, their skills and schedules."""
from datetime import date, datetime
from decimal import Decimal
from typing import Optional

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, select, text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from core.geo import grid_cell_sql
from core.models import RegionOwnedMixin, SearchableMixin, SoftDeleteMixin, TimestampMixin, search_index
from core.search import SearchFields
from core.timeutil import utcnow
from dispatch.ranking import merit_sql
from extensions import db
from ratings.formulas import tier
from workers.availability import ALL_HOURS

WORKER_STATUSES = ("applicant", "active", "suspended", "banned")
# Allowed moves of the status workflow; activation needs a recorded interview.
TRANSITIONS = {
    "applicant": ("active", "banned"),
    "active": ("suspended", "banned"),
    "suspended": ("active", "banned"),
    "banned": ("active",),
}
DEFAULT_SKILLS = (
    ("loader", "Loader", "Грузчик"),
    ("rigger", "Rigger", "Такелажник"),
    ("snow_clearing", "Snow clearing", "Уборка снега"),
    ("roofing", "Roofing", "Кровельные работы"),
    ("driver", "Driver with licence", "Водитель с правами"),
    ("cleaner", "Cleaner", "Уборщик"),
    ("handyman", "Handyman", "Разнорабочий"),
)


class Skill(TimestampMixin, db.Model):
    """One entry of the managed list of skills; its bit marks it in a worker's skill_mask."""

    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_en: Mapped[str] = mapped_column(String(80))
    name_ru: Mapped[str] = mapped_column(String(80))
    bit: Mapped[int] = mapped_column(unique=True)  # 0..62
    active: Mapped[bool] = mapped_column(default=True)


class Worker(RegionOwnedMixin, SearchableMixin, TimestampMixin, SoftDeleteMixin, db.Model):
    __audited__ = True
    __search__ = SearchFields(words=("first_name", "last_name"), phones=("phone",))
    # Personal data: the log says it changed, never what it was, so erasure leaves no copy.
    __audit_hidden__ = ("first_name", "last_name", "phone", "email", "address", "lat", "lon", "photo_path", "notes",
                        "status_reason")
    __table_args__ = (
        # Head office's region table counts each pool and its active workers from this index alone.
        Index("ix_worker_region_status", "region_id", "status", postgresql_where=text("deleted_at IS NULL"),
              sqlite_where=text("deleted_at IS NULL")),
        search_index("worker"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    phone: Mapped[str] = mapped_column(String(20), unique=True)  # E.164
    email: Mapped[Optional[str]] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(16), default="applicant", index=True)
    status_reason: Mapped[Optional[str]] = mapped_column(String(300))
    language: Mapped[str] = mapped_column(String(2), default="ru")
    skill_mask: Mapped[int] = mapped_column(BigInteger, default=0)
    address: Mapped[Optional[str]] = mapped_column(String(300))
    lat: Mapped[Optional[float]]
    lon: Mapped[Optional[float]]
    max_travel_km: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal("25"))
    avail_mon: Mapped[int] = mapped_column(default=ALL_HOURS)
    avail_tue: Mapped[int] = mapped_column(default=ALL_HOURS)
    avail_wed: Mapped[int] = mapped_column(default=ALL_HOURS)
    avail_thu: Mapped[int] = mapped_column(default=ALL_HOURS)
    avail_fri: Mapped[int] = mapped_column(default=ALL_HOURS)
    avail_sat: Mapped[int] = mapped_column(default=ALL_HOURS)
    avail_sun: Mapped[int] = mapped_column(default=ALL_HOURS)
    rating: Mapped[Decimal] = mapped_column(Numeric(4, 2), default=Decimal("3.50"))
    reliability: Mapped[Decimal] = mapped_column(Numeric(4, 3), default=Decimal("0.700"))
    rating_penalty: Mapped[Decimal] = mapped_column(Numeric(4, 2), default=Decimal("0"))
    shifts_worked: Mapped[int] = mapped_column(default=0)
    opted_out: Mapped[bool] = mapped_column(default=False)
    opted_out_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    last_offer_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    photo_path: Mapped[Optional[str]] = mapped_column(String(200))
    notes: Mapped[Optional[str]] = mapped_column(Text)
    anonymized_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def tier(self) -> str:
        return tier(self.rating, self.reliability, self.shifts_worked)


# Candidate search reads only this index (dispatch/candidates.py says how): partial to the dispatchable pool,
# by region, grid cell of the home and merit, with every ranked and filtered column included. PostgreSQL only:
# SQLite searches the region's rows.
Index(
    "ix_worker_candidates", Worker.region_id, grid_cell_sql(Worker.lat, Worker.lon),
    merit_sql(Worker.rating, Worker.reliability),
    postgresql_include=["id", "lat", "lon", "skill_mask", "max_travel_km", "rating", "reliability", "last_offer_at",
                        "avail_mon", "avail_tue", "avail_wed", "avail_thu", "avail_fri", "avail_sat", "avail_sun"],
    postgresql_where=text("status = 'active' AND NOT opted_out AND deleted_at IS NULL"),
).ddl_if(dialect="postgresql")


class WorkerOwnedMixin:
    """A row about one worker, visible wherever the worker is."""

    @declared_attr
    def worker_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("worker.id"), index=True)

    @declared_attr
    def worker(cls):
        return relationship("Worker")

    @classmethod
    def __tenant_filter__(cls, scope):
        return cls.worker_id.in_(select(Worker.id).where(Worker.region_id.in_(scope.pool)).scalar_subquery())

    def __tenant_allows__(self, scope) -> bool:
        with db.session.no_autoflush:  # called from inside a flush
            worker = db.session.get(Worker, self.worker_id)
        return worker is not None and worker.region_id in scope.pool


class WorkerBlackout(WorkerOwnedMixin, db.Model):
    """A date the worker cannot work."""

    __audited__ = True
    __audit_hidden__ = ("note",)  # personal (why he cannot work): erasure leaves no copy in the log
    __table_args__ = (UniqueConstraint("worker_id", "day", name="uq_worker_blackout_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    note: Mapped[Optional[str]] = mapped_column(String(200))


class Interview(WorkerOwnedMixin, db.Model):
    """A recruiter's meeting with an applicant, required before the first job."""

    __audited__ = True
    __audit_hidden__ = ("notes",)

    id: Mapped[int] = mapped_column(primary_key=True)
    recruiter_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    held_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    outcome: Mapped[str] = mapped_column(String(16))  # approved | rejected
    notes: Mapped[Optional[str]] = mapped_column(Text)

    recruiter = relationship("User")


class StatusChange(WorkerOwnedMixin, db.Model):
    """One move of the worker's status, with its reason."""

    __audited__ = True
    __audit_hidden__ = ("reason",)  # personal: erasure leaves no copy in the log

    id: Mapped[int] = mapped_column(primary_key=True)
    from_status: Mapped[str] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[Optional[str]] = mapped_column(String(300))
    by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    by = relationship("User")
