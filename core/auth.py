"""Who is asking: sessions for people, bearer tokens for integrations, roles for both."""
import hashlib
import secrets
from datetime import timedelta
from functools import wraps

from flask import abort, g
from flask_login import current_user
from sqlalchemy import or_, select, update

from core import roles, tenancy
from core.audit import set_actor
from core.i18n import gettext as _
from core.models import ApiToken, User
from core.timeutil import utcnow
from extensions import db, login_manager

# The page each role lands on after logging in.
HOME_ENDPOINTS = {
    "admin": "franchise.admin_home",
    "dispatcher": "orders.index",
    "recruiter": "workers.index",
    "foreman": "orders.foreman_home",
    "callcentre": "leads.index",
    "partner": "franchise.portal",
}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token_secret() -> str:
    """Return a fresh token: a recognisable prefix and 32 random bytes."""
    return "artel_" + secrets.token_urlsafe(32)


# A token's last use is written at most this often, not on every request.
LAST_USE_PRECISION = timedelta(minutes=1)


@login_manager.user_loader
def load_user(user_id: str):
    """Return the user of a session cookie, or None (logged out) once he is deactivated or deleted."""
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.is_active else None


@login_manager.request_loader
def load_user_from_token(req):
    """Return the active user of a live bearer token (not revoked, not expired), noting its use."""
    header = req.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(header[7:].strip())))
    if token is None or not token.is_live or token.user is None or not token.user.is_active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USE_PRECISION:
        _note_use(token, now)
    g.api_token = token
    return token.user


def _note_use(token: ApiToken, now) -> None:
    """Stamp the token's last use; the condition lets one of several requests at once do it."""
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.id == token.id,
               or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= now - LAST_USE_PRECISION))
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def bind_request_identity() -> None:
    """Resolve the caller, then activate its tenancy scope and audit identity."""
    user = current_user._get_current_object() if current_user else None
    if user is not None and user.is_authenticated:
        tenancy.activate(tenancy.scope_for_user(user))
        set_actor(user)
    else:
        tenancy.activate(None)
        set_actor(None, label="anonymous")


def _declare(wrapped, name: str, api: bool):
    """Mark a view with the action it takes, so the role walk can read the declaration."""
    wrapped.required_action = name
    wrapped.api_action = api
    return wrapped


def requires(name: str):
    """Let a logged-in user in when core.roles allows his role the named action; 403 otherwise."""
    rule = roles.action(name)

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not rule.allows(current_user):
                abort(403)
            return view(*args, **kwargs)

        return _declare(wrapped, name, api=False)

    return decorator


def api_requires(name: str):
    """Let a bearer token in when core.roles allows its user's role the named action: 401 without one, 403 if not.

    Put it right under the route decorator, above the argument parsing, so a refused caller
    learns nothing about the body he sent.
    """
    rule = roles.action(name)

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if g.get("api_token") is None or not current_user.is_authenticated:
                abort(401)
            if not rule.allows(current_user):
                abort(403, _("Your role does not allow this."))
            return view(*args, **kwargs)

        return _declare(wrapped, name, api=True)

    return decorator


def public(view):
    """Mark a view open to everyone (it checks its caller some other way, or needs none)."""
    view.required_action = None
    return view
