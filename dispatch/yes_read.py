"""What a "YES <code>" reads, in one round trip: its worker and its order locked, his offer and the order's places.

A reply that names its order knows from its text alone (the sender's phone, the code) every
row it must lock and read. On PostgreSQL the three reads go out together, in psycopg's
pipeline mode, and the server runs them one after the other:

1. the worker by his phone, locked (the first lock of booking's lock order);
2. the live order by its code, locked, with its region's time zone;
3. the worker's offer of that order, the places the order holds, how many wait on its list,
   and whether the worker holds a place on another shift overlapping the order's.

The third read starts only when both locks are held, and takes its own snapshot then (READ
COMMITTED gives every statement its own), so it sees everything committed before the locks
were granted: exactly what booking's own third read would see. What the three take one round
trip for took three, two of them while the order's lock was held, and everyone else's YES to
the order waits for that lock.

The rows become the session's objects as if loaded (``make_transient_to_detached``), so
booking decides and writes on them as on any others. Where the session holds one of them
already, a tenancy scope is active (a webhook has none; the ORM's reads apply a scope's
filters), or the database is not PostgreSQL, ``read`` returns None and the reply reads them the
ordinary way (the locks it may have taken are its own, so that read does not wait).
"""
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy.orm import make_transient_to_detached

from core.tenancy import current_scope
from dispatch import states
from dispatch.models import Offer
from extensions import db
from franchise.models import Region
from orders.models import Order
from workers.models import Worker

# What a reply reads of its worker and its order: what booking and the answer use (anything else loads if asked for).
WORKER_COLUMNS = ("id", "phone", "region_id", "language", "status", "deleted_at", "reliability", "opted_out")
ORDER_COLUMNS = ("id", "code", "code_live", "status", "booking_target", "starts_at", "ends_at", "franchise_id",
                 "region_id")


@dataclass(frozen=True)
class Read:
    worker: Worker | None
    order: Order | None
    # booking.accept_locked's read of the offer: (offer or None, places held, waiting since now, clash elsewhere)
    places: tuple
    now: datetime


def read(phone: str, code: str, now: datetime) -> Read | None:
    """Lock and read what a YES with a code needs, in one round trip; None: read them the ordinary way."""
    if db.session.get_bind().dialect.name != "postgresql" or current_scope() is not None:
        return None  # (a franchise's scope filters what its reads find: the ORM's reads apply it)
    driver = db.session.connection().connection.dbapi_connection
    values = {"phone": phone, "code": code, "now": now}
    worker_sql, order_sql, offer_sql = _statements()
    with driver.pipeline():
        cursors = [driver.cursor() for _ in range(3)]
        for cursor, sql in zip(cursors, (worker_sql, order_sql, offer_sql)):
            cursor.execute(sql, values)
        worker_row, order_row, offer_row = (cursor.fetchone() for cursor in cursors)
    session = db.session
    found = [(model, row[0]) for model, row in ((Worker, worker_row), (Order, order_row), (Offer, offer_row)) if row]
    found += [(Region, order_row[-2])] if order_row else []
    if any(session.identity_map.get(session.identity_key(model, key)) is not None for model, key in found):
        return None
    worker = _attached(Worker(**dict(zip(WORKER_COLUMNS, worker_row)))) if worker_row else None
    order = None
    if order_row:
        region = _attached(Region(id=order_row[-2], timezone=order_row[-1]))
        order = _attached(Order(**dict(zip(ORDER_COLUMNS, order_row)), region=region))
    if offer_row is None:
        return Read(worker, order, (None, 0, 0, False), now)
    offer = _attached(Offer(**dict(zip(_offer_columns(), offer_row))))
    held, waiting, clash = offer_row[-3:]
    return Read(worker, order, (offer, held, waiting, clash), now)


def _attached(obj):
    """Return obj, built from a row just read, as the session's copy of that row (as if loaded, nothing to write)."""
    make_transient_to_detached(obj)
    db.session.add(obj)
    return obj


@cache
def _offer_columns() -> tuple[str, ...]:
    return tuple(column.key for column in Offer.__table__.columns)


@cache
def _statements() -> tuple[str, str, str]:
    """The three reads' SQL, written once. Deleted workers and orders are not found, as the ORM's reads filter them."""
    holding = ", ".join(f"'{state}'" for state in states.HOLDING)
    worker = ("SELECT " + ", ".join(f"worker.{c}" for c in WORKER_COLUMNS) + " FROM worker"
              " WHERE worker.phone = %(phone)s AND worker.deleted_at IS NULL FOR NO KEY UPDATE")
    order = ("SELECT " + ", ".join(f'"order".{c}' for c in ORDER_COLUMNS) + ", region.id, region.timezone"
             ' FROM "order" JOIN region ON region.id = "order".region_id'
             ' WHERE "order".code = %(code)s AND "order".code_live AND "order".deleted_at IS NULL'
             ' FOR NO KEY UPDATE OF "order"')
    # booking._offer_and_places_statement, with the worker and the order found by phone and code
    offer = ("SELECT " + ", ".join(f"offer.{c}" for c in _offer_columns()) +
             f", (SELECT count(*) FROM offer AS other WHERE other.order_id = offer.order_id"
             f" AND other.state IN ({holding}))"
             f", (SELECT count(*) FROM offer AS other WHERE other.order_id = offer.order_id"
             f" AND other.state = '{states.WAITLISTED}' AND other.answered_at <= %(now)s)"
             f", EXISTS (SELECT 1 FROM offer AS held WHERE held.worker_id = offer.worker_id"
             f" AND held.order_id != offer.order_id AND held.state IN ({holding})"
             f' AND held.starts_at < "order".ends_at AND held.ends_at > "order".starts_at)'
             ' FROM offer JOIN "order" ON "order".id = offer.order_id'
             " WHERE offer.worker_id = (SELECT id FROM worker WHERE phone = %(phone)s AND deleted_at IS NULL)"
             ' AND offer.order_id = (SELECT id FROM "order" WHERE code = %(code)s AND code_live'
             " AND deleted_at IS NULL)")
    return worker, order, offer
