"""An order's attendance tally is counted again from its marks whenever they change, however they are written."""
from datetime import timedelta
from decimal import Decimal

from freezegun import freeze_time
from sqlalchemy import func, insert, select

from extensions import db as _db
from orders.models import Attendance, Order
from orders.tally import WORKED, retally
from tests import factories


def counted(order_id: int) -> tuple:
    """The tally as the marks give it, counted here the plain way."""
    marks = list(_db.session.scalars(select(Attendance).where(Attendance.order_id == order_id)))
    worked = [m for m in marks if m.outcome in WORKED]
    return (sum((m.hours or Decimal(0) for m in worked), Decimal(0)), len(worked), len(marks),
            sum(1 for m in marks if m.outcome == "no_show"))


def tally(order_id: int) -> tuple:
    _db.session.expire_all()
    order = _db.session.get(Order, order_id)
    return order.tally_hours, order.tally_came, order.tally_marks, order.tally_no_shows


def mark(order, outcome="came", hours="8"):
    worker = factories.worker(order.region)
    return factories._save(Attendance(order_id=order.id, worker_id=worker.id, franchise_id=order.franchise_id,
                                      outcome=outcome, hours=Decimal(hours) if hours else None))


def test_marks_added_changed_and_removed_are_tallied(db, city):
    order = factories.order(city.a_site, needed=3, target=3)
    assert tally(order.id) == (0, 0, 0, 0)
    first, _second, third = mark(order), mark(order, "late", "6.5"), mark(order, "no_show", None)
    assert tally(order.id) == counted(order.id) == (Decimal("14.50"), 2, 3, 1)
    third = _db.session.get(Attendance, third.id)
    third.outcome, third.hours = "came", Decimal("4")
    _db.session.commit()
    assert tally(order.id) == counted(order.id) == (Decimal("18.50"), 3, 3, 0)
    _db.session.delete(_db.session.get(Attendance, first.id))
    _db.session.commit()
    assert tally(order.id) == counted(order.id) == (Decimal("10.50"), 2, 2, 0)


def test_a_mark_moved_to_another_order_is_tallied_on_both(db, city):
    one, two = factories.order(city.a_site, needed=1, target=1), factories.order(city.a_site, needed=1, target=1)
    moved = mark(one)
    moved = _db.session.get(Attendance, moved.id)
    moved.order_id = two.id
    _db.session.commit()
    assert tally(one.id) == (0, 0, 0, 0) and tally(two.id) == (Decimal("8.00"), 1, 1, 0)


def test_a_change_of_marks_moves_the_orders_updated_at(db, city):
    """The month close finds late corrections by the order's updated_at."""
    order = factories.order(city.b_site, needed=1, target=1)
    before = _db.session.get(Order, order.id).updated_at
    with freeze_time(before.replace(tzinfo=None) + timedelta(days=40)):
        mark(order)
    assert _db.session.get(Order, order.id).updated_at > before


def test_a_bulk_write_past_the_session_is_tallied_by_retally(db, city):
    order = factories.order(city.b_site, needed=2, target=2)
    workers = [factories.worker(city.moscow) for _ in range(2)]
    _db.session.execute(insert(Attendance), [
        dict(order_id=order.id, worker_id=w.id, franchise_id=order.franchise_id, outcome=o, hours=h)
        for w, o, h in zip(workers, ("left_early", "no_show"), (Decimal("3.25"), None))])
    retally(_db.session.connection(), [order.id], _db.session)
    _db.session.commit()
    assert tally(order.id) == counted(order.id) == (Decimal("3.25"), 1, 2, 1)
    assert _db.session.scalar(select(func.count()).select_from(Order).where(Order.tally_marks > 0)) == 1
