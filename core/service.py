"""People and their credentials: create users, check passwords, issue API tokens."""
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from core.auth import hash_token, new_token_secret
from core.i18n import lazy_gettext as _l
from core.models import LOCALES, ROLES, ApiToken, AuditEntry, User
from core.roles import may
from core.timeutil import utcnow
from extensions import db

MIN_PASSWORD = 10
# Checked against when the email is unknown, so both paths cost one scrypt.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class UserError(ValueError):
    """A user could not be created or changed; the message says why."""


def sign_in_address(email) -> bool:
    """Whether a user may sign in with this address: one rule for the sign-in form and every way to create a user.

    The same check as the form's (WTForms' Email()): syntax and no special-use domain such as
    .test or .local, without asking the DNS.
    """
    email = (email or "").strip()
    if not email or len(email) > 254:
        return False
    try:
        validate_email(email, check_deliverability=False, allow_smtputf8=True, allow_empty_local=False)
    except EmailNotValidError:
        return False
    return True


def create_user(email, name, password, role, franchise_id=None, locale="en") -> User:
    """Create a user with a scrypt password hash and commit."""
    email = (email or "").strip().lower()
    if not sign_in_address(email):
        raise UserError(_l("Enter a valid email address."))
    if role not in ROLES:
        raise UserError(f"Role must be one of: {', '.join(ROLES)}.")
    if len(password or "") < MIN_PASSWORD:
        raise UserError(f"The password needs at least {MIN_PASSWORD} characters.")
    if locale not in LOCALES:
        raise UserError(f"Language must be one of: {', '.join(LOCALES)}.")
    if franchise_id is not None and not _franchise_exists(franchise_id):
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


def _franchise_exists(franchise_id: int) -> bool:
    """Whether the row a user's franchise_id would point to exists (core names no franchise model)."""
    [key] = User.__table__.c.franchise_id.foreign_keys
    return db.session.scalar(select(key.column).where(key.column == franchise_id)) is not None


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


MAX_TOKEN_DAYS = 3650


def issue_token(user: User, name: str = "api", expires_days: int | None = None) -> str:
    """Create an API token for user and return its secret (shown once, stored hashed).

    expires_days: the token stops working that many days from now (None: until revoked).
    Raises UserError for an inactive user, an empty name or a lifetime out of range.
    """
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise UserError(_l("Name the token (up to 80 characters)."))
    if expires_days is not None and not 1 <= expires_days <= MAX_TOKEN_DAYS:
        raise UserError(_l("A token lives from 1 to %(days)s days.", days=MAX_TOKEN_DAYS))
    if not user.is_active:
        raise UserError(_l("The user is not active."))
    secret = new_token_secret()
    expires_at = utcnow() + timedelta(days=expires_days) if expires_days is not None else None
    db.session.add(ApiToken(user=user, name=name, prefix=secret[:12], token_hash=hash_token(secret),
                            expires_at=expires_at))
    db.session.commit()
    return secret


def tokens_of(user: User) -> list[ApiToken]:
    """Return the user's tokens, live and revoked, newest first."""
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
    ))


def own_token(user: User, token_id: int) -> ApiToken | None:
    """Return the token of this id if it is the user's own, else None."""
    token = db.session.get(ApiToken, token_id)
    return token if token is not None and token.user_id == user.id else None


def find_token(reference: str) -> ApiToken:
    """Return the token named by its id or its prefix (as the profile page shows it).

    Raises UserError when nothing, or more than one token, matches.
    """
    reference = (reference or "").strip()
    if reference.isdigit():
        token = db.session.get(ApiToken, int(reference))
        if token is None:
            raise UserError(_l("No token with this id or prefix."))
        return token
    matches = list(db.session.scalars(select(ApiToken).where(ApiToken.prefix == reference[:12])))
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise UserError(_l("Several tokens share this prefix: give the id (%(ids)s).",
                           ids=", ".join(str(t.id) for t in matches)))
    raise UserError(_l("No token with this id or prefix."))


def revoke_token(token: ApiToken) -> None:
    """Stop the token from working from now on (a revoked token stays revoked)."""
    if token.revoked_at is None:
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
