"""Each order's attendance tally: hours worked, workers who came, marks and no-shows, counted from its marks.

The month close and head office's dashboard read a year of the network's shifts; counting a million
marks for them every time would not do, so an order carries the count of its own marks. A tally is
never added to or taken from: whenever an order's marks change, it is counted again from them in the
same transaction, and the order's updated_at moves (the month close looks there for late corrections).
Marks written through the session are tallied by the after-flush hook below; bulk writes that go past
the session (the demo's history) call retally() themselves.
"""
from itertools import chain

from sqlalchemy import bindparam, event, func, inspect, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from core.timeutil import utcnow
from orders.models import Attendance, Order

WORKED = ("came", "late", "left_early")  # outcomes that put hours on the bill
CHUNK = 1000
ZERO_TALLY = (0, 0, 0, 0)


def retally(connection, order_ids, session: Session | None = None, touch: bool = True) -> None:
    """Count the orders' tallies again from their marks, on connection (inside its transaction).

    touch: move the orders' updated_at to now, as for a change (not for history written as it was).
    """
    ids = sorted({i for i in order_ids if i is not None})
    orders = Order.__table__
    worked = Attendance.outcome.in_(WORKED)
    now = utcnow()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        found = {row[0]: tuple(row[1:]) for row in connection.execute(
            select(Attendance.order_id, func.coalesce(func.sum(Attendance.hours).filter(worked), 0),
                   func.count().filter(worked), func.count(), func.count().filter(Attendance.outcome == "no_show"))
            .where(Attendance.order_id.in_(chunk)).group_by(Attendance.order_id))}
        connection.execute(
            update(orders).where(orders.c.id == bindparam("oid"))
            .values(tally_hours=bindparam("hours"), tally_came=bindparam("came"), tally_marks=bindparam("marks"),
                    tally_no_shows=bindparam("no_shows"), **({"updated_at": bindparam("now")} if touch else {})),
            [dict(oid=i, hours=h, came=c, marks=m, no_shows=n, now=now)
             for i in chunk for h, c, m, n in [found.get(i, ZERO_TALLY)]])
        if session is not None:  # orders already loaded show the new tally without a reload
            for i in chunk:
                order = session.identity_map.get(session.identity_key(Order, i))
                if order is not None:
                    h, c, m, n = found.get(i, ZERO_TALLY)
                    for key, value in (("tally_hours", h), ("tally_came", c), ("tally_marks", m),
                                       ("tally_no_shows", n), *((("updated_at", now),) if touch else ())):
                        set_committed_value(order, key, value)


@event.listens_for(Session, "after_flush")
def _retally_flushed_marks(session: Session, _context) -> None:
    """Tally again every order whose marks this flush added, changed or removed (also a mark moved away)."""
    touched = set()
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Attendance):
            touched.add(obj.order_id)
            touched.update(inspect(obj).attrs.order_id.history.deleted or ())
    if touched:
        retally(session.connection(), touched, session)
