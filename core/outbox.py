"""The outbox: the one way work is promised, inside the business transaction that needs it.

A domain declares each kind of job once (``Job``: the function's dotted path, its queue,
its retries) next to a typed helper that promises it; ``promise`` adds a row in the
caller's transaction, so an order and the job that dispatches it are committed together
or not at all, and a job for later is a row with ``run_at``. ``relay`` hands pending rows
to RQ after the commit, many in one round trip, under the row's job id (``outbox-<row
id>`` unless the promise named one), so a row relayed twice (two relays racing, a crash
between enqueue and marking) is still one job. While Redis is down the rows wait; the
web process relays right after each commit and the RQ worker between jobs, so they
leave as soon as Redis is back.
"""
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from core import locks, queue
from core.models import Outbox
from core.timeutil import utcnow
from extensions import db

log = logging.getLogger(__name__)
RELAY_BATCH = 500


@dataclass(frozen=True)
class Job:
    """A kind of job: the dotted path of its function, its queue, and the seconds to wait before each retry."""

    path: str
    queue: str = "default"
    retry: tuple[int, ...] = ()

    def promise(self, *args, queue: str | None = None, job_id: str | None = None, run_at: datetime | None = None,
                retry: tuple[int, ...] | None = None) -> Outbox:
        """Promise one run of this job with args in the current transaction (the caller commits)."""
        row = Outbox(job=self.path, args=list(args), queue=queue or self.queue, job_id=job_id, run_at=run_at,
                     retry=list(self.retry if retry is None else retry) or None)
        db.session.add(row)
        return row


def relay(limit: int | None = None) -> int:
    """Enqueue pending outbox rows, a batch at a time; return how many left. Never raises for a down queue."""
    sent = 0
    while limit is None or sent < limit:
        rows = list(db.session.scalars(locks.fresh(
            select(Outbox).where(Outbox.enqueued_at.is_(None)).order_by(Outbox.id).limit(RELAY_BATCH)
            .with_for_update(skip_locked=True))))
        if not rows:
            break
        try:
            queue.enqueue_calls([queue.Call(row.job, tuple(row.args), row.queue, row.job_id or f"outbox-{row.id}",
                                            tuple(row.retry or ()), row.run_at) for row in rows])
        except Exception as exc:  # Redis down: keep the rows for the next relay
            error = f"{type(exc).__name__}: {exc}"[:300]
            db.session.execute(update(Outbox).where(Outbox.id.in_([row.id for row in rows]))
                               .values(attempts=Outbox.attempts + 1, last_error=error))
            db.session.commit()
            log.warning("outbox relay paused: %s", error)
            break
        db.session.execute(update(Outbox).where(Outbox.id.in_([row.id for row in rows])).values(enqueued_at=utcnow()))
        db.session.commit()
        sent += len(rows)
        if len(rows) < RELAY_BATCH:
            break
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
