"""Two real database connections racing: one holds row locks, the product acts in the other.

``Holder`` is a second PostgreSQL connection with its own transaction: it locks rows and
changes them as another request would, and commits when the test says so. ``in_thread``
runs product code in its own app context (its own session and connection), and
``wait_for_lock_wait`` returns once that code is blocked on a lock, so the interleaving is
the one the test means, never a matter of timing luck.
"""
import threading
import time
from concurrent.futures import Future

from sqlalchemy import text

from extensions import db


class Holder:
    """A second connection holding a transaction open (commit or roll back to end it)."""

    def __init__(self):
        self.conn = db.engine.connect()
        self.tx = self.conn.begin()

    def lock(self, table: str, row_id: int) -> None:
        self.conn.execute(text(f'SELECT id FROM "{table}" WHERE id = :id FOR NO KEY UPDATE'), {"id": row_id})

    def execute(self, sql: str, **params) -> None:
        self.conn.execute(text(sql), params)

    def commit(self) -> None:
        self.tx.commit()
        self.conn.close()

    def rollback(self) -> None:
        self.tx.rollback()
        self.conn.close()


def in_thread(app, fn, *args, **kwargs) -> Future:
    """Run fn(*args, **kwargs) in a thread inside its own app context; return its future."""
    future = Future()

    def run():
        with app.app_context():
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as exc:  # the test reads it from the future
                future.set_exception(exc)
            finally:
                db.session.remove()

    threading.Thread(target=run, daemon=True).start()
    return future


def waiting_for_locks() -> int:
    """Return how many backends of this database are waiting for a lock right now."""
    with db.engine.connect() as conn:
        return conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )).scalar_one()


def wait_for_lock_wait(future: Future | None = None, count: int = 1, timeout: float = 20) -> None:
    """Return once count backends wait for a lock; fail if the raced code finished (or failed) first."""
    deadline = time.monotonic() + timeout
    while waiting_for_locks() < count:
        if future is not None and future.done():
            future.result()  # raises what the thread raised
            raise AssertionError("the raced code finished without waiting for the lock")
        if time.monotonic() > deadline:
            raise AssertionError("nobody waited for the lock")
        time.sleep(0.02)
