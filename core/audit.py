"""The audit log: every create, update and delete of a business row, append-only.

Models opt in with ``__audited__ = True`` (all business rows do); columns named in
``__audit_hidden__`` are recorded as changed but never with their values. The entries are
written in the same flush, hence the same transaction, as the change they describe.
"""
from datetime import date, datetime
from decimal import Decimal
from functools import cache

from flask import g, has_app_context, has_request_context, request
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from core.models import AuditEntry
from core.timeutil import utcnow
from extensions import db


class AuditLogImmutable(PermissionError):
    """Someone tried to change or remove an audit entry."""


def set_actor(user=None, label: str | None = None) -> None:
    """Name who is acting in this app context (a request, a CLI command, a job)."""
    g.audit_actor_id = user.id if user is not None else None
    g.audit_actor_label = label or (user.email if user is not None else "system")


def record(action: str, table_name: str, row_id: int, changes: dict | None = None, note: str | None = None,
           franchise_id: int | None = None) -> None:
    """Log something that is not a row change (an export, an erasure); the caller commits."""
    actor_id, actor_label = _actor()
    db.session.add(AuditEntry(actor_id=actor_id, actor_label=actor_label, action=action, table_name=table_name,
                              row_id=row_id, changes=changes or {}, note=note, franchise_id=franchise_id,
                              ip=request.remote_addr if has_request_context() else None))


def _actor():
    if not has_app_context():
        return None, "system"
    return g.get("audit_actor_id"), g.get("audit_actor_label", "system")


def _jsonable(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _audited(attr) -> bool:
    """Say whether the log records this column (derived ones, such as a search text, it does not)."""
    return attr.columns[0].info.get("audited", True)


def _changes(obj, hidden) -> dict:
    changes = {}
    state = inspect(obj)
    for attr in filter(_audited, state.mapper.column_attrs):
        history = state.attrs[attr.key].history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if old == new:
            continue
        if attr.key in hidden:
            changes[attr.key] = ["***", "***"]
        else:
            changes[attr.key] = [_jsonable(old), _jsonable(new)]
    changes.pop("updated_at", None)
    return changes


def _snapshot(obj, hidden) -> dict:
    state = inspect(obj)
    return {
        a.key: [None, "***" if a.key in hidden else _jsonable(getattr(obj, a.key))]
        for a in filter(_audited, state.mapper.column_attrs)
        if getattr(obj, a.key) is not None
    }


def _action(obj, changes) -> str:
    if "deleted_at" in changes:
        return "delete" if changes["deleted_at"][1] is not None else "restore"
    return "update"


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session, flush_context, instances):
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditLogImmutable("audit entries are append-only")


@event.listens_for(Session, "after_flush")
def _record(session, flush_context):
    rows = entries([(o, "create") for o in session.new] + [(o, "update") for o in session.dirty] + [
        (o, "hard_delete") for o in session.deleted])
    if rows:
        session.connection().execute(_insert_entries(), rows)


def entries(changed) -> list[dict]:
    """Return the audit entries (as rows of audit_entry) of (obj, kind) pairs about to be written, kind being
    create, update or hard_delete; rows of models that are not audited, and updates that change nothing, have none.
    The flush writes them (above), and so does core.writes when it writes a transaction's rows itself."""
    actor_id, actor_label = _actor()
    ip = request.remote_addr if has_request_context() else None
    rows = []
    for obj, kind in changed:
        if not getattr(type(obj), "__audited__", False):
            continue
        hidden = getattr(type(obj), "__audit_hidden__", ())
        if kind == "create":
            changes, action = _snapshot(obj, hidden), "create"
        elif kind == "update":
            changes = _changes(obj, hidden)
            if not changes:
                continue
            action = _action(obj, changes)
        else:
            changes, action = {}, "purge"
        rows.append(
            {
                "at": utcnow(),
                "actor_id": actor_id,
                "actor_label": actor_label,
                "ip": ip,
                "action": action,
                "table_name": obj.__tablename__,
                "row_id": inspect(obj).mapper.primary_key_from_instance(obj)[0],
                "franchise_id": _owner_franchise(obj),
                "changes": changes,
            }
        )
    return rows


@cache
def _insert_entries():
    """The INSERT of audit entries, built once: every flush that changes a business row runs it."""
    return AuditEntry.__table__.insert()


def _owner_franchise(obj):
    if type(obj).__name__ == "Franchise":
        return obj.id
    return getattr(obj, "franchise_id", None)
