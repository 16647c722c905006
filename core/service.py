"""People and their credentials: create users, check passwords, issue API tokens."""
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from core.auth import hash_token, new_token_secret
from core.i18n import lazy_gettext as _l
from core.models import LOCALES, ROLES, ApiToken, AuditEntry, User
from core.roles import may
from core.timeutil import utcnow
from extensions import db
from franchise.models import Franchise

MIN_PASSWORD = 10
# Checked against when the email is unknown, so both paths cost one scrypt.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class UserError(ValueError):
    """A user could not be created or changed; the message says why."""


def create_user(email, name, password, role, franchise_id=None, locale="en") -> User:
    """Create a user with a scrypt password hash and commit."""
    email = (email or "").strip().lower()
    if "@" not in email or len(email) > 254:
        raise UserError(_l("Enter a valid email address."))
    if role not in ROLES:
        raise UserError(f"Role must be one of: {', '.join(ROLES)}.")
    if len(password or "") < MIN_PASSWORD:
        raise UserError(f"The password needs at least {MIN_PASSWORD} characters.")
    if locale not in LOCALES:
        raise UserError(f"Language must be one of: {', '.join(LOCALES)}.")
    if franchise_id is not None and db.session.get(Franchise, franchise_id) is None:
        raise UserError(_l("No such franchise."))
    if role == "partner" and franchise_id is None:
        raise UserError(_l("A partner belongs to a franchise."))
    if find_user(email) is not None:
        raise UserError(_l("A user with this email already exists."))
    user = User(
        email=email,
        name=(name or email).strip()[:120],
        password_hash=generate_password_hash(password),
        role=role,
        franchise_id=franchise_id,
        locale=locale,
    )
    db.session.add(user)
    db.session.commit()
    return user


def find_user(email: str) -> User | None:
    return db.session.scalar(
        select(User).where(func.lower(User.email) == (email or "").strip().lower())
    )


def authenticate(email: str, password: str) -> User | None:
    """Return the active user with these credentials, or None."""
    user = find_user(email)
    if user is None or not user.is_active:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or ""):
        return None
    return user


def record_login(user: User) -> None:
    user.last_login_at = utcnow()
    db.session.commit()


def set_locale(user: User, locale: str) -> None:
    """Change the language a user sees the product in."""
    if locale not in LOCALES:
        raise UserError(f"Language must be one of: {', '.join(LOCALES)}.")
    user.locale = locale
    db.session.commit()


def issue_token(user: User, name: str = "api") -> str:
    """Create an API token for user and return its secret (shown once, stored hashed)."""
    secret = new_token_secret()
    db.session.add(
        ApiToken(user_id=user.id, name=name[:80], prefix=secret[:12], token_hash=hash_token(secret))
    )
    db.session.commit()
    return secret


def revoke_token(token: ApiToken) -> None:
    token.revoked_at = utcnow()
    db.session.commit()


def record_class(table_name: str):
    """Return the audited model stored in table_name, or None."""
    for mapper in db.Model.registry.mappers:
        cls = mapper.class_
        if getattr(cls, "__audited__", False) and cls.__tablename__ == table_name:
            return cls
    return None


def get_record(table_name: str, row_id: int, include_deleted: bool = False):
    """Return the row the current user may see, or None (unknown table, id or franchise)."""
    cls = record_class(table_name)
    if cls is None:
        return None
    return db.session.get(cls, row_id, execution_options={"include_deleted": include_deleted})


def soft_delete(record, by: User) -> None:
    """Mark record deleted (admins only); it stays in the database and the audit log."""
    if not may(by, "records.delete"):
        raise PermissionError("Only an administrator can delete records.")
    if not hasattr(record, "deleted_at"):
        raise UserError(_l("This kind of record cannot be deleted."))
    if record.deleted_at is None:
        record.deleted_at = utcnow()
        record.deleted_by_id = by.id
        db.session.commit()


def restore(record, by: User) -> None:
    """Undo a soft delete (admins only)."""
    if not may(by, "records.delete"):
        raise PermissionError("Only an administrator can restore records.")
    if getattr(record, "deleted_at", None) is not None:
        record.deleted_at = None
        record.deleted_by_id = None
        db.session.commit()


def history_of(record) -> list:
    """Return the audit entries of record, newest first."""
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.table_name == record.__tablename__, AuditEntry.row_id == record.id)
            .order_by(AuditEntry.id.desc())
        )
    )
