"""Places on an order, worked through by hand: take, wait, give back, promote, lapse, book by hand."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from core.timeutil import utcnow
from dispatch import booking
from dispatch.models import Offer
from orders.models import Order
from tests import factories


@pytest.fixture
def crew(db, network):
    """Order 4821 books 2 places for 1 needed; five workers have the offer."""
    order = factories.order(network.a_site, needed=1, target=2, code="4821")
    workers = [factories.worker(network.moscow) for _ in range(5)]
    for worker in workers:
        factories.offer(order, worker)
    return order, workers


def _states(db, order):
    db.session.expire_all()
    return list(db.session.scalars(select(Offer.state).where(Offer.order_id == order.id).order_by(Offer.id)))


def _do(db, act, *args):
    outcome = act(*args)
    db.session.commit()
    return outcome


def test_two_places_then_a_waitlist_in_order_of_answer(db, crew):
    order, (a, b, c, d, _e) = crew
    assert _do(db, booking.accept, a.id, order.id).kind == "booked"
    assert db.session.get(Order, order.id).status == "dispatching"  # one of two places: still open
    assert _do(db, booking.accept, b.id, order.id).kind == "booked"
    assert db.session.get(Order, order.id).status == "filled"
    third = _do(db, booking.accept, c.id, order.id)
    fourth = _do(db, booking.accept, d.id, order.id)
    assert (third.kind, third.position, fourth.kind, fourth.position) == ("waitlisted", 1, "waitlisted", 2)
    assert _do(db, booking.accept, c.id, order.id).kind == "already_waitlisted"
    assert _states(db, order) == ["booked", "booked", "waitlisted", "waitlisted", "offered"]


def test_a_dropped_place_goes_to_the_longest_waiting(db, crew):
    order, (a, b, c, d, _e) = crew
    for worker in (a, b, c, d):
        _do(db, booking.accept, worker.id, order.id)
    outcome = _do(db, booking.drop, a.id, order.id)
    assert outcome.kind == "dropped" and outcome.promoted.worker_id == c.id
    assert _states(db, order) == ["dropped", "booked", "booked", "waitlisted", "offered"]
    assert db.session.get(Order, order.id).status == "filled"


def test_a_yes_from_a_booked_worker_confirms_and_a_no_cannot_undo_a_booking(db, crew):
    order, (a, *_rest) = crew
    _do(db, booking.accept, a.id, order.id)
    assert _do(db, booking.decline, a.id, order.id).kind == "already_booked"
    assert _do(db, booking.accept, a.id, order.id).kind == "confirmed"
    assert _states(db, order)[0] == "confirmed"


def test_an_unconfirmed_place_lapses_to_the_waitlist_only_after_its_deadline(db, crew):
    order, (a, b, c, *_rest) = crew
    for worker in (a, b, c):
        _do(db, booking.accept, worker.id, order.id)
    offer = db.session.scalar(select(Offer).where(Offer.order_id == order.id, Offer.worker_id == a.id))
    offer.confirm_by = utcnow() + timedelta(minutes=10)
    db.session.commit()
    assert _do(db, booking.expire_unconfirmed, a.id, order.id, utcnow()).kind == "not_booked"  # not yet
    outcome = _do(db, booking.expire_unconfirmed, a.id, order.id, utcnow() + timedelta(minutes=11))
    assert outcome.kind == "expired" and outcome.promoted.worker_id == c.id
    assert _states(db, order)[:3] == ["expired", "booked", "booked"]


def test_booking_by_hand_fills_a_free_place_and_refuses_a_full_order(db, network, crew):
    order, (a, b, *_rest) = crew
    caller = factories.worker(network.moscow)  # never offered: he phoned the office
    assert _do(db, booking.book_manually, caller.id, order.id, order.franchise_id).kind == "booked"
    assert _do(db, booking.accept, a.id, order.id).kind == "booked"
    assert _do(db, booking.book_manually, b.id, order.id, order.franchise_id).kind == "full"
    assert _do(db, booking.book_manually, caller.id, order.id, order.franchise_id).kind == "already_booked"
    by_hand = db.session.scalar(select(Offer).where(Offer.order_id == order.id, Offer.worker_id == caller.id))
    assert (by_hand.state, by_hand.wave) == ("booked", 0)


def test_a_clash_is_judged_on_the_shift_as_it_is_under_the_order_lock(db, network, crew):
    order, (a, *_rest) = crew
    later = factories.order(network.a_site, needed=1, target=1, starts_at=order.starts_at + timedelta(hours=10))
    factories.offer(later, a, state="booked")
    db.session.commit()
    db.session.get(Order, order.id)  # the session holds the shift as it was: 06:00-14:00, clear of 16:00-24:00
    # The shift moves to overlap the later one, behind the session's back (as another process would).
    db.session.execute(update(Order).where(Order.id == order.id).values(
        starts_at=later.starts_at - timedelta(hours=2), ends_at=later.starts_at + timedelta(hours=6))
        .execution_options(synchronize_session=False))
    assert _do(db, booking.accept, a.id, order.id).kind == "clash"
    assert _states(db, order)[0] == "offered"
