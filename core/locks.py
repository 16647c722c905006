"""Row locks behind decisions: always the row as it is now, always taken in one order.

A locking read that waited for another transaction must decide on what that transaction
committed, not on the copy this session loaded before it waited: SQLAlchemy hands back
the object it already holds unless told to overwrite it (``populate_existing``), so every
lock here does.

One lock order everywhere, so that two transactions never wait on each other: worker rows
first (ascending id when there are several), then the order's row. A step that must take
a worker while it already holds an order (promoting the waitlist) skips a locked worker
instead of waiting for him.

Locks are FOR NO KEY UPDATE (``key_share=True``) on PostgreSQL: they exclude each other just
as FOR UPDATE does, but not the key-share locks PostgreSQL takes when a new row refers to
the locked one (a stored reply refers to the worker and the order), which FOR UPDATE would
turn into deadlocks. SQLite has no row locks; its one writer at a time serialises instead.
"""
from functools import cache

from sqlalchemy import bindparam, select, text

from extensions import db


def fresh(statement):
    """Return statement set to overwrite the session's copies with what it reads."""
    return statement.execution_options(populate_existing=True)


def locking(statement, *, of=None, skip_locked: bool = False):
    """Return statement set to lock the rows it reads (of: only those of this model) and read them as committed now.

    A statement that joins other tables for reading names the one it locks (of): PostgreSQL
    would lock the joined rows too, and refuses to lock the nullable side of an outer join.
    """
    return fresh(statement.with_for_update(key_share=True, skip_locked=skip_locked, of=of))


def lock(model, row_id: int, *, skip_locked: bool = False):
    """Lock one row by id and return it as committed now (None if gone, or locked and skip_locked)."""
    return db.session.scalar(_lock_statement(model, skip_locked), {"row_id": row_id})


@cache
def _lock_statement(model, skip_locked: bool):
    """The locking read of one row of model, built once: replies lock a worker and an order each."""
    return locking(select(model).where(model.id == bindparam("row_id")), skip_locked=skip_locked)


def lock_all(model, row_ids) -> list:
    """Lock several rows in ascending id order and return them as committed now."""
    ids = sorted(set(row_ids))
    if not ids:
        return []
    return list(db.session.scalars(locking(select(model).where(model.id.in_(ids)).order_by(model.id))))


def lock_name(name: str) -> None:
    """Hold a lock on a name until the transaction ends, for a decision no row stands for yet.

    PostgreSQL: a transaction-level advisory lock. SQLite's one writer at a time serialises instead.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name})
