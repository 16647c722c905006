"""Playbook documents, their file versions, and the log of every copy served."""
from datetime import datetime
from typing import Optional

from sqlalchemy import DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import TimestampMixin
from core.timeutil import utcnow
from extensions import db

# The packages in the order they include each other: brand gets basic's documents, official all three.
DOCUMENT_TIERS = ("basic", "brand", "official")
KINDS = ("pdf", "text", "image")
ACCESS_KINDS = ("view", "download")


class PlaybookDocument(TimestampMixin, db.Model):
    """One piece of know-how, shown to franchises of min_tier and above; head office owns it.

    Not a franchise's row: tenancy does not scope it, playbook.service gates it by tier.
    """

    __tablename__ = "playbook_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    min_tier: Mapped[str] = mapped_column(String(20))
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    withdrawn_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    withdrawn_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))

    versions = relationship("PlaybookVersion", back_populates="document", order_by="PlaybookVersion.number")

    @property
    def current(self) -> "PlaybookVersion":
        return self.versions[-1]


class PlaybookVersion(db.Model):
    """One uploaded file of a document; the newest is the one served, the older stay for the log."""

    __tablename__ = "playbook_version"
    __table_args__ = (UniqueConstraint("document_id", "number", name="uq_playbook_version_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("playbook_document.id"), index=True)
    number: Mapped[int]
    kind: Mapped[str] = mapped_column(String(10))  # pdf, text, image
    content_type: Mapped[str] = mapped_column(String(80))
    filename: Mapped[str] = mapped_column(String(200))  # as uploaded, for the download's name
    stored_name: Mapped[str] = mapped_column(String(200))  # under UPLOAD_FOLDER/playbook
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    uploaded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))

    document = relationship("PlaybookDocument", back_populates="versions")


class PlaybookAccess(db.Model):
    """One stamped copy served: who, of which franchise, which version, when, from where, viewed or downloaded.

    Append-only. A franchise's rows are scoped to it; head office's own reads carry no franchise.
    """

    __tablename__ = "playbook_access"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("playbook_document.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("playbook_version.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    franchise_id: Mapped[Optional[int]] = mapped_column(ForeignKey("franchise.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(10))  # view, download
    client_address: Mapped[Optional[str]] = mapped_column(String(45))

    document = relationship("PlaybookDocument")
    version = relationship("PlaybookVersion")
    user = relationship("User")
    franchise = relationship("Franchise")

    @classmethod
    def __tenant_filter__(cls, scope):
        return cls.franchise_id == scope.franchise_id

    def __tenant_allows__(self, scope) -> bool:
        return self.franchise_id == scope.franchise_id
