"""People and their credentials: create and manage users, check passwords, issue API tokens."""
import secrets
import string
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from core.auth import hash_token, new_token_secret
from core.i18n import lazy_gettext as _l
from core.locks import fresh, lock
from core.models import LOCALES, ROLES, ApiToken, AuditEntry, User
from core.roles import may
from core.search import one_page
from core.timeutil import utcnow
from extensions import db

MIN_PASSWORD = 10
MAX_PASSWORD = 200
# Whom a partner hires and manages on his staff page; every other role is head office's to give.
STAFF_ROLES = ("dispatcher", "recruiter", "foreman")
# Roles of head office only: they never belong to a franchise.
HEAD_OFFICE_ROLES = ("callcentre",)
USERS_PAGE_SIZE = 100
# Generated passwords: no look-alike characters (0/O, 1/l/I), since an administrator reads them out.
_PASSWORD_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")
GENERATED_PASSWORD_LENGTH = 16
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
        raise UserError(_l("Role must be one of: %(roles)s.", roles=", ".join(ROLES)))
    _check_password(password)
    if locale not in LOCALES:
        raise UserError(_l("Language must be one of: %(locales)s.", locales=", ".join(LOCALES)))
    if franchise_id is not None and not _franchise_exists(franchise_id):
        raise UserError(_l("No such franchise."))
    if role == "partner" and franchise_id is None:
        raise UserError(_l("A partner belongs to a franchise."))
    if role in HEAD_OFFICE_ROLES and franchise_id is not None:
        raise UserError(_l("A call-centre agent works for head office, not for a franchise."))
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


def _check_password(password) -> None:
    if not MIN_PASSWORD <= len(password or "") <= MAX_PASSWORD:
        raise UserError(_l("The password needs at least %(min)s characters (at most %(max)s).",
                           min=MIN_PASSWORD, max=MAX_PASSWORD))


def generate_password() -> str:
    """Return a fresh strong password (about 93 bits) for an administrator to hand over once."""
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(GENERATED_PASSWORD_LENGTH))


def _franchise_exists(franchise_id: int) -> bool:
    """Whether the row a user's franchise_id would point to exists (core names no franchise model)."""
    [key] = User.__table__.c.franchise_id.foreign_keys
    return db.session.scalar(select(key.column).where(key.column == franchise_id)) is not None


# Managing users from the pages. Head office (core.roles "users.manage") manages every user;
# a partner ("staff.manage") only his own franchise's dispatchers, recruiters and foremen. The
# checks are here, not in the routes, so no page or future API can reach past them.

def _manages_everyone(actor) -> bool:
    return may(actor, "users.manage")


def _partner_franchise(actor) -> int:
    """Return the franchise whose staff actor manages; PermissionError if he manages none."""
    if not may(actor, "staff.manage") or actor.franchise_id is None:
        raise PermissionError("Only head office and partners manage users.")
    return actor.franchise_id


def roles_given_by(actor) -> tuple[str, ...]:
    """Return the roles actor may give a new user."""
    if _manages_everyone(actor):
        return STAFF_ROLES + ("callcentre", "partner", "admin")  # the widest last: never a form's default
    _partner_franchise(actor)
    return STAFF_ROLES


def list_managed_users(actor, page: int = 1) -> tuple[list[User], int]:
    """Return one page of the users actor sees on his users or staff page, and how many there are."""
    stmt = select(User)
    if not _manages_everyone(actor):
        stmt = stmt.where(User.franchise_id == _partner_franchise(actor))
    rows, total = one_page(User, stmt, (User.franchise_id.nulls_first(), User.name, User.id), page, USERS_PAGE_SIZE)
    return [user for user, _extra in rows], total


def managed_user(actor, user_id: int) -> User | None:
    """Return the user of this id if actor sees him on his page, else None (another franchise's, unknown)."""
    user = db.session.get(User, user_id)
    if user is None or _manages_everyone(actor):
        return user
    return user if user.franchise_id == _partner_franchise(actor) else None


def may_change(actor, user: User) -> bool:
    """Say whether actor may deactivate, reactivate or reset user (not whether the change itself is allowed)."""
    if _manages_everyone(actor):
        return True
    if not may(actor, "staff.manage") or actor.franchise_id is None:
        return False
    return user.franchise_id == actor.franchise_id and user.role in STAFF_ROLES and user.id != actor.id


def _check_change(actor, user: User) -> None:
    if not may_change(actor, user):
        raise PermissionError("This user is not on the actor's staff.")


def add_user(actor, email, name, role, franchise_id=None, locale="en", password=None) -> tuple[User, str | None]:
    """Create a user as actor (head office: any; a partner: his own staff) and commit.

    password None: generate one. Returns the user and the generated password (to be shown
    once, never stored in plain), or None when the password was given.
    Raises UserError for bad input, PermissionError for a role or franchise actor may not give.
    """
    if not _manages_everyone(actor):
        own = _partner_franchise(actor)
        if franchise_id not in (None, own):
            raise PermissionError("A partner adds staff only to his own franchise.")
        if role not in STAFF_ROLES:
            raise UserError(_l("A partner adds dispatchers, recruiters and foremen only."))
        franchise_id = own
    generated = generate_password() if password is None else None
    user = create_user(email, name, generated or password, role, franchise_id, locale)
    return user, generated


def set_user_active(actor, user: User, active: bool) -> None:
    """Deactivate (he is logged out at his next request, his tokens stop) or reactivate user, and commit.

    Nobody deactivates himself, and the last active head-office administrator stays: without
    him nobody could manage users from the pages. Raises UserError for either.
    """
    if not active and actor is not None and user.id == actor.id:
        raise UserError(_l("You cannot deactivate yourself."))
    _check_change(actor, user)
    if not active and user.role == "admin" and user.franchise_id is None:
        # Lock every head-office administrator (in id order, as core.locks asks) so that two
        # of them deactivating each other at once cannot both succeed.
        admins = db.session.scalars(fresh(select(User).where(User.role == "admin", User.franchise_id.is_(None))
                                          .order_by(User.id).with_for_update(key_share=True))).all()
        if not any(a.is_active for a in admins if a.id != user.id):
            db.session.rollback()
            raise UserError(_l("The last active administrator cannot be deactivated."))
    target = lock(User, user.id)
    target.active = active
    db.session.commit()


def reset_password(actor, user: User, password=None) -> str | None:
    """Give user a new password and commit; password None: generate one and return it (shown once)."""
    _check_change(actor, user)
    generated = generate_password() if password is None else None
    _check_password(generated or password)
    user.password_hash = generate_password_hash(generated or password)
    db.session.commit()
    return generated


def change_own_password(user: User, current: str, new: str) -> None:
    """Replace user's password with new once he proves he knows the current one, and commit."""
    if not check_password_hash(user.password_hash, current or ""):
        raise UserError(_l("The current password is wrong."))
    _check_password(new)
    user.password_hash = generate_password_hash(new)
    db.session.commit()


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
        raise UserError(_l("Language must be one of: %(locales)s.", locales=", ".join(LOCALES)))
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
