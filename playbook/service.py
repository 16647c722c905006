"""The playbook's operations: upload, replace, withdraw; list and serve documents by tier, stamped and logged."""
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from core.i18n import gettext as _
from core.i18n import lazy_gettext as _l
from core.models import User
from core.templating import HEAD_OFFICE_TIMEZONE
from core.timeutil import to_zone, utcnow
from extensions import db
from franchise.models import Franchise
from playbook import files
from playbook.models import DOCUMENT_TIERS, PlaybookAccess, PlaybookDocument, PlaybookVersion

LOG_PAGE_SIZE = 100


class PlaybookError(ValueError):
    """A document cannot be saved as asked; the message says why."""


def tiers_for(user: User) -> tuple[str, ...]:
    """Return the tiers whose documents user may read: head office all, a franchise its package and those below it.

    A franchise that is not active (suspended, terminated) reads none.
    """
    franchise = user.franchise if user.franchise_id is not None else None
    if franchise is None or franchise.tier == "head_office":
        return DOCUMENT_TIERS
    if franchise.status != "active" or franchise.tier not in DOCUMENT_TIERS:
        return ()
    return DOCUMENT_TIERS[: DOCUMENT_TIERS.index(franchise.tier) + 1]


def _sees_withdrawn(user: User) -> bool:
    return user.is_head_office


def list_documents(user: User) -> list[PlaybookDocument]:
    """Return the documents user may read, by tier then title (head office: withdrawn ones too, last)."""
    stmt = select(PlaybookDocument).where(PlaybookDocument.min_tier.in_(tiers_for(user)))
    if not _sees_withdrawn(user):
        stmt = stmt.where(PlaybookDocument.withdrawn_at.is_(None))
    documents = db.session.scalars(stmt).all()
    return sorted(documents, key=lambda d: (d.withdrawn_at is not None, DOCUMENT_TIERS.index(d.min_tier),
                                            d.title.casefold()))


def get_document(user: User, document_id: int) -> PlaybookDocument | None:
    """Return the document if user may read it, else None: one above his tier is as missing as one never made."""
    document = db.session.get(PlaybookDocument, document_id)
    if document is None or document.min_tier not in tiers_for(user) or not document.versions:
        return None
    if document.withdrawn_at is not None and not _sees_withdrawn(user):
        return None
    return document


def _check_fields(title: str, min_tier: str) -> str:
    title = (title or "").strip()
    if not title:
        raise PlaybookError(_l("Give the document a title."))
    if min_tier not in DOCUMENT_TIERS:
        raise PlaybookError(_l("Choose the package that gets the document."))
    return title


def _add_version(document: PlaybookDocument, upload: files.Upload, by: User | None) -> PlaybookVersion:
    """Store the file and add its version to the session (the caller commits, or discards the file)."""
    number = (max((v.number for v in document.versions), default=0)) + 1
    version = PlaybookVersion(number=number, kind=upload.kind, content_type=upload.content_type,
                              filename=upload.filename, stored_name=files.store(upload), size=len(upload.data),
                              sha256=upload.sha256, uploaded_by_id=by.id if by else None)
    document.versions.append(version)
    return version


def _commit_or_discard(version: PlaybookVersion) -> None:
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        files.discard(version.stored_name)
        raise


def draft_document(title: str, description: str, min_tier: str, upload: files.Upload,
                   by: User | None) -> PlaybookDocument:
    """Add a document with its first version to the session (the caller commits); raise PlaybookError."""
    document = PlaybookDocument(title=_check_fields(title, min_tier), description=(description or "").strip(),
                                min_tier=min_tier, created_by_id=by.id if by else None)
    db.session.add(document)
    _add_version(document, upload, by)
    return document


def create_document(by: User, title: str, description: str, min_tier: str, stream, filename: str) -> PlaybookDocument:
    """Check the fields and the file, store both, and commit; raise PlaybookError or files.PlaybookFileError."""
    _check_fields(title, min_tier)
    upload = files.inspect_upload(stream, filename)
    document = draft_document(title, description, min_tier, upload, by)
    _commit_or_discard(document.current)
    return document


def replace_file(by: User, document: PlaybookDocument, stream, filename: str) -> PlaybookVersion:
    """Store a new version of the document's file and commit; the older versions stay for the log."""
    if document.withdrawn_at is not None:
        raise PlaybookError(_l("This document is withdrawn: upload it as a new document instead."))
    upload = files.inspect_upload(stream, filename)
    version = _add_version(document, upload, by)
    _commit_or_discard(version)
    return version


def withdraw_document(by: User, document: PlaybookDocument) -> None:
    """Take the document away from every franchise; it, its files and its log stay for head office."""
    if document.withdrawn_at is None:
        document.withdrawn_at = utcnow()
        document.withdrawn_by_id = by.id
        db.session.commit()


@dataclass(frozen=True)
class Copy:
    """One stamped copy, ready to send."""

    access: PlaybookAccess
    data: bytes
    content_type: str
    filename: str


def _stamp_words(access: PlaybookAccess, user: User, franchise: Franchise | None, when: datetime) -> str:
    zone = franchise.region.timezone if franchise is not None and franchise.region is not None else HEAD_OFFICE_TIMEZONE
    local = to_zone(when, zone)
    issued_to = (_("%(franchise)s (franchise %(number)s)", franchise=franchise.name, number=franchise.id)
                 if franchise is not None else _("head office"))
    return _("Confidential. Copy %(copy)s of “%(title)s” v%(version)s issued to %(to)s, %(user)s <%(email)s>, "
             "%(time)s. Do not pass it on.", copy=access.id, title=access.document.title,
             version=access.version.number, to=issued_to, user=user.name, email=user.email,
             time=f"{local:%Y-%m-%d %H:%M} {local:%Z} ({zone})")


def serve_copy(user: User, document: PlaybookDocument, kind: str, client_address: str | None) -> Copy:
    """Log the copy and return it stamped with its reader, his franchise, the time and the log row's number.

    Raise LookupError when the version's file is gone from the disk (nothing is logged then).
    """
    version = document.current
    data = files.read(version.stored_name)
    if data is None:
        raise LookupError(f"playbook file {version.stored_name} is missing")
    franchise = user.franchise if user.franchise_id is not None else None
    access = PlaybookAccess(document=document, version=version, user_id=user.id, franchise_id=user.franchise_id,
                            at=utcnow(), kind=kind, client_address=(client_address or "")[:45] or None)
    db.session.add(access)
    db.session.flush()  # the row's number goes into the stamp
    stamp = _stamp_words(access, user, franchise, access.at)
    font = current_app.config.get("PLAYBOOK_STAMP_FONT")
    from playbook import stamps  # here, not at the top: fpdf and pypdf weigh ~25 MB in every web and rq process

    if version.kind == "pdf":
        data, content_type = stamps.stamp_pdf(data, stamp, font), "application/pdf"
    elif version.kind == "image":
        data, content_type = stamps.stamp_image(data, stamp, font)
    else:
        data, content_type = stamps.stamp_text(data, stamp), version.content_type  # Flask adds charset=utf-8
    db.session.commit()
    return Copy(access, data, content_type, _filename(version, content_type))


def _filename(version: PlaybookVersion, content_type: str) -> str:
    stem, dot, suffix = version.filename.rpartition(".")
    stem = stem if dot else version.filename
    if content_type.startswith("image/"):
        suffix = "jpg" if content_type == "image/jpeg" else "png"
    return f"{stem}.{suffix or 'txt'}"


def access_log(document_id: int | None = None, franchise_id: int | None = None, page: int = 1):
    """Return (rows newest first, total) of the log, for one document and/or one franchise."""
    stmt = select(PlaybookAccess)
    if document_id:
        stmt = stmt.where(PlaybookAccess.document_id == document_id)
    if franchise_id:
        stmt = stmt.where(PlaybookAccess.franchise_id == franchise_id)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.scalars(stmt.order_by(PlaybookAccess.at.desc(), PlaybookAccess.id.desc())
                              .limit(LOG_PAGE_SIZE).offset((page - 1) * LOG_PAGE_SIZE)).all()
    return rows, total


def access_counts(by: str) -> list[tuple]:
    """Return (key, views, downloads, last time) per document (by="document") or per franchise (by="franchise")."""
    column = PlaybookAccess.document_id if by == "document" else PlaybookAccess.franchise_id
    rows = db.session.execute(
        select(column,
               func.count().filter(PlaybookAccess.kind == "view"),
               func.count().filter(PlaybookAccess.kind == "download"),
               func.max(PlaybookAccess.at))
        .group_by(column).order_by(func.max(PlaybookAccess.at).desc())
    ).all()
    model = PlaybookDocument if by == "document" else Franchise
    keys = [r[0] for r in rows if r[0]]
    names = {row.id: row for row in db.session.scalars(
        select(model).where(model.id.in_(keys)).execution_options(include_deleted=True))}
    return [(names.get(key), views, downloads, last) for key, views, downloads, last in rows]
