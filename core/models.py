"""Shared model pieces (mixins) and the records of people, tokens and the audit log."""
from datetime import datetime, timezone
from functools import cache
from typing import Optional

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, Text, event, inspect
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from core.search import SearchFields
from core.timeutil import utcnow
from extensions import db


@cache
def _aware_columns(cls) -> tuple[str, ...]:
    return tuple(c.key for c in inspect(cls).column_attrs
                 if isinstance(c.columns[0].type, DateTime) and c.columns[0].type.timezone)


@event.listens_for(db.Model, "load", propagate=True)
@event.listens_for(db.Model, "refresh", propagate=True)
def _utc_on_load(obj, *_args) -> None:
    """SQLite hands timestamps back naive: make them the aware UTC PostgreSQL gives, so code compares alike."""
    state = obj.__dict__
    for key in _aware_columns(type(obj)):
        value = state.get(key)
        if value is not None and value.tzinfo is None:
            state[key] = value.replace(tzinfo=timezone.utc)


ROLES = ("admin", "dispatcher", "recruiter", "foreman", "callcentre", "partner")
LOCALES = ("en", "ru")


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class SoftDeleteMixin:
    """Rows are never removed: an admin marks them deleted, and queries skip them."""

    deleted_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    # use_alter: user and franchise refer to each other, so this link is added last
    deleted_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", use_alter=True))

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class SearchableMixin:
    """A row found by text: ``search`` holds the folded text of the columns in ``__search__``.

    Filled by the column's default on every insert, ORM or bulk (the demo's, an import's), and
    refolded before every ORM update that changes one of those columns; nothing else writes it.
    """

    __search__: SearchFields

    @declared_attr
    def search(cls) -> Mapped[str]:
        return mapped_column(
            Text, default=lambda context: cls.__search__.text(context.get_current_parameters().get),
            server_default="", info={"audited": False},  # derived: the log has the columns it comes from
        )


def search_index(table: str) -> Index:
    """Return the trigram index that serves LIKE on ``table.search`` (PostgreSQL only: SQLite scans)."""
    return Index(f"ix_{table}_search", "search", postgresql_using="gin",
                 postgresql_ops={"search": "gin_trgm_ops"}).ddl_if(dialect="postgresql")


@event.listens_for(SearchableMixin, "before_update", propagate=True)
def _refold(_mapper, _connection, target) -> None:
    fields = type(target).__search__
    state = inspect(target)
    if any(state.attrs[c].history.has_changes() for c in fields.columns):
        target.search = fields.text(lambda c: getattr(target, c))


class FranchiseOwnedMixin:
    """A row that belongs to one franchise; tenancy scopes it by franchise_id."""

    @declared_attr
    def franchise_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("franchise.id"), index=True)

    @declared_attr
    def franchise(cls):
        return relationship("Franchise")

    @classmethod
    def __tenant_filter__(cls, scope):
        return cls.franchise_id == scope.franchise_id

    def __tenant_allows__(self, scope) -> bool:
        return self.franchise_id == scope.franchise_id


class RegionOwnedMixin:
    """A row of a region's shared pool; a franchise sees its region's pool and the pools it may borrow from."""

    @declared_attr
    def region_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("region.id"), index=True)

    @declared_attr
    def region(cls):
        return relationship("Region")

    @classmethod
    def __tenant_filter__(cls, scope):
        return cls.region_id.in_(scope.pool)

    def __tenant_allows__(self, scope) -> bool:
        return self.region_id in scope.pool


class User(TimestampMixin, SoftDeleteMixin, db.Model):
    __audited__ = True
    __audit_hidden__ = ("password_hash",)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    # NULL franchise: a head-office user, who sees every franchise.
    franchise_id: Mapped[Optional[int]] = mapped_column(ForeignKey("franchise.id"), index=True)
    locale: Mapped[str] = mapped_column(String(5), default="en")
    phone: Mapped[Optional[str]] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))

    franchise = relationship("Franchise", foreign_keys=[franchise_id])

    # Flask-Login protocol
    @property
    def is_active(self) -> bool:
        return self.active and self.deleted_at is None

    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def is_head_office(self) -> bool:
        return self.franchise_id is None

    @classmethod
    def __tenant_filter__(cls, scope):
        return cls.franchise_id == scope.franchise_id

    def __tenant_allows__(self, scope) -> bool:
        return self.franchise_id == scope.franchise_id


class ApiToken(TimestampMixin, db.Model):
    """A bearer token for integrations; only its SHA-256 is stored."""

    __audited__ = True
    __audit_hidden__ = ("token_hash",)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))  # NULL: until revoked
    last_used_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))  # to the minute

    user = relationship("User")

    @property
    def is_live(self) -> bool:
        """Say whether the token still lets its user in (neither revoked nor expired)."""
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > utcnow())

    @classmethod
    def __tenant_filter__(cls, scope):
        return cls.user_id.in_(
            db.select(User.id).where(User.franchise_id == scope.franchise_id).scalar_subquery()
        )

    def __tenant_allows__(self, scope) -> bool:
        return self.user is not None and self.user.franchise_id == scope.franchise_id


class AuditEntry(db.Model):
    """One create, update or delete of a business row. Append-only.

    Not tenant-filtered itself: it is read only through the history of a record the
    reader can see (core.routes.history) or by head office.
    """

    __table_args__ = (Index("ix_audit_entry_record", "table_name", "row_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    actor_label: Mapped[str] = mapped_column(String(254))
    ip: Mapped[Optional[str]] = mapped_column(String(45))
    action: Mapped[str] = mapped_column(String(10))  # create | update | delete | restore
    table_name: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[int]
    franchise_id: Mapped[Optional[int]] = mapped_column(index=True)
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[Optional[str]] = mapped_column(Text)

    actor = relationship("User")


class GeocodeCache(db.Model):
    """Addresses already geocoded, so the map service is asked once per address."""

    id: Mapped[int] = mapped_column(primary_key=True)
    query: Mapped[str] = mapped_column(String(300), unique=True)
    lat: Mapped[float]
    lon: Mapped[float]
    display_name: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Outbox(db.Model):
    """A job promised in the same transaction as the change that needs it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(120))  # dotted path of the job function
    args: Mapped[list] = mapped_column(JSON, default=list)
    queue: Mapped[str] = mapped_column(String(20), default="default")
    job_id: Mapped[Optional[str]] = mapped_column(String(120))  # NULL: outbox-<id>
    retry: Mapped[Optional[list]] = mapped_column(JSON)  # seconds to wait before each retry; NULL: none
    run_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))  # NULL: as soon as relayed
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    enqueued_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True), index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[Optional[str]] = mapped_column(String(300))
