"""Clients of a franchise and the sites where their shifts take place."""
from typing import Optional

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import FranchiseOwnedMixin, SearchableMixin, SoftDeleteMixin, TimestampMixin, search_index
from core.search import SearchFields
from extensions import db

SITE_CONDITIONS = ("indoor_warm", "indoor_cold", "outdoor", "hazardous")


class Client(FranchiseOwnedMixin, SearchableMixin, TimestampMixin, SoftDeleteMixin, db.Model):
    __audited__ = True
    __search__ = SearchFields(words=("name",), phones=("phone",), numbers=("inn",))
    __table_args__ = (search_index("client"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    inn: Mapped[Optional[str]] = mapped_column(String(12))  # taxpayer number
    phone: Mapped[Optional[str]] = mapped_column(String(20), index=True)  # E.164
    email: Mapped[Optional[str]] = mapped_column(String(254))
    manager_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    notes: Mapped[Optional[str]] = mapped_column(Text)

    manager = relationship("User", foreign_keys=[manager_id])
    sites = relationship("Site", back_populates="client", order_by="Site.id")


class Site(FranchiseOwnedMixin, TimestampMixin, SoftDeleteMixin, db.Model):
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    lat: Mapped[Optional[float]]
    lon: Mapped[Optional[float]]
    conditions: Mapped[str] = mapped_column(String(20), default="indoor_warm")

    client = relationship("Client", back_populates="sites")
