"""The outbox: jobs promised inside a business transaction, handed to the queue afterwards.

``promise`` adds a row in the caller's transaction, so an order and the job that
dispatches it are committed together or not at all. ``relay`` hands pending rows to RQ
under the id ``outbox-<row id>``, so a row relayed twice (two relays racing, a crash
between enqueue and marking) is still one job. While Redis is down the rows wait; the
web process relays right after each commit and the RQ worker before each dequeue, so
they leave as soon as Redis is back.
"""
import logging

from sqlalchemy import select

from core import locks, queue
from core.models import Outbox
from core.timeutil import utcnow
from extensions import db

log = logging.getLogger(__name__)


def promise(job: str, *args, queue_name: str = "default") -> Outbox:
    """Add a job to the current transaction's outbox and return its row (the caller commits)."""
    row = Outbox(job=job, args=list(args), queue=queue_name)
    db.session.add(row)
    return row


def relay(limit: int = 200) -> int:
    """Enqueue pending outbox rows; return how many left. Never raises for a down queue."""
    rows = list(db.session.scalars(locks.fresh(
        select(Outbox).where(Outbox.enqueued_at.is_(None)).order_by(Outbox.id).limit(limit)
        .with_for_update(skip_locked=True))))
    sent = 0
    for row in rows:
        try:
            queue.enqueue(row.job, *row.args, queue=row.queue, job_id=f"outbox-{row.id}")
        except Exception as exc:  # Redis down: keep the row for the next relay
            row.attempts += 1
            row.last_error = f"{type(exc).__name__}: {exc}"[:300]
            log.warning("outbox relay paused: %s", row.last_error)
            break
        row.enqueued_at = utcnow()
        sent += 1
    db.session.commit()
    return sent


@queue.every_tick
def relay_quietly() -> None:
    """Relay after a commit without letting a queue problem reach the user."""
    try:
        relay()
    except Exception:
        db.session.rollback()
        log.exception("outbox relay failed")
