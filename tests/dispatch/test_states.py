"""The offer state machine: the table itself, every forbidden move, and who may take a place."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.timeutil import utcnow
from dispatch import states
from dispatch.models import Alert, Offer
from dispatch.jobs import withdraw_worker
from tests import factories
from tests.dispatch.sms import send
from workers import service as workers_service

ALLOWED = {
    ("offered", "book"), ("waitlisted", "book"), ("offered", "waitlist"), ("booked", "confirm"),
    ("confirmed", "confirm"), ("offered", "decline"), ("waitlisted", "decline"), ("booked", "drop"),
    ("confirmed", "drop"), ("booked", "unbook"), ("confirmed", "unbook"), ("offered", "book_by_hand"),
    ("waitlisted", "book_by_hand"), ("declined", "book_by_hand"), ("dropped", "book_by_hand"),
    ("expired", "book_by_hand"), ("cancelled", "book_by_hand"), ("waitlisted", "promote"), ("booked", "lapse"),
    ("offered", "start"), ("waitlisted", "start"), ("offered", "cancel_order"), ("waitlisted", "cancel_order"),
    ("booked", "cancel_order"), ("confirmed", "cancel_order"), ("booked", "move"), ("confirmed", "move"),
    ("offered", "undeliverable"), ("offered", "withdraw"), ("waitlisted", "withdraw"),
}


class _Offer:
    def __init__(self, state):
        self.state = state


@pytest.mark.parametrize("state", states.STATES)
@pytest.mark.parametrize("event", states.EVENTS)
def test_every_state_and_event_is_allowed_or_refused_as_written(state, event):
    offer = _Offer(state)
    if (state, event) in ALLOWED:
        assert states.move(offer, event) in states.STATES
    else:
        with pytest.raises(states.ForbiddenTransition):
            states.move(offer, event)
        assert offer.state == state  # a refused move changes nothing


def test_the_table_says_where_each_move_leads():
    assert states.target("offered", "book") == "booked"
    assert states.target("offered", "waitlist") == "waitlisted"
    assert states.target("booked", "confirm") == "confirmed"
    assert states.target("confirmed", "move") == "booked"  # a moved shift is asked again
    assert states.target("booked", "lapse") == "expired"
    assert states.target(states.NEW, "book_by_hand") == "booked"
    assert {states.target(s, "cancel_order") for s in states.sources("cancel_order")} == {"cancelled"}


@pytest.fixture
def order(db, city):
    o = factories.order(city.a_site, needed=1, target=2, code="4821")
    o.worker = factories.worker(city.moscow, language="en", phone="+79160000001")
    return o


def _state(db, offer):
    db.session.expire_all()
    return db.session.get(Offer, offer.id).state


@pytest.mark.parametrize("closed", ["cancelled", "expired", "dropped", "declined"])
def test_a_yes_never_reopens_an_offer_that_is_closed(client, db, order, closed):
    offer = factories.offer(order, order.worker, state=closed)
    answer = send(client, order.worker.phone, "YES 4821").get_data(as_text=True)
    assert "no longer open to you" in answer
    assert _state(db, offer) == closed


def test_an_offer_the_dispatcher_unbooked_cannot_be_taken_back_by_sms(client, auth, db, city, order):
    offer = factories.offer(order, order.worker)
    send(client, order.worker.phone, "YES 4821")
    auth.login(city.a_dispatcher.email)
    assert client.post(f"/orders/{order.id}/workers/{order.worker.id}/unbook").status_code == 302
    assert _state(db, offer) == "cancelled"
    assert "no longer open to you" in send(client, order.worker.phone, "YES 4821").get_data(as_text=True)
    assert _state(db, offer) == "cancelled"


@pytest.mark.parametrize("status", ["suspended", "banned", "applicant"])
def test_a_worker_who_is_not_active_books_nothing(client, db, order, status):
    offer = factories.offer(order, order.worker)
    order.worker.status = status
    db.session.commit()
    assert "cannot take work at the moment" in send(client, order.worker.phone, "YES 4821").get_data(as_text=True)
    assert _state(db, offer) == "offered"


def test_suspending_a_worker_withdraws_his_offers_everywhere_and_alerts_about_his_bookings(client, auth, db, city):
    worker = factories.worker(city.moscow, language="en", phone="+79160000009")
    a_order = factories.order(city.a_site, needed=1, target=1, code="5001", starts_at=utcnow() + timedelta(days=1))
    b_order = factories.order(city.b_site, needed=2, target=2, code="5002", starts_at=utcnow() + timedelta(days=3))
    b_booked = factories.order(city.b_site, needed=1, target=1, code="5003", starts_at=utcnow() + timedelta(days=5))
    a_offer, b_offer = factories.offer(a_order, worker), factories.offer(b_order, worker, state="waitlisted")
    held = factories.offer(b_booked, worker, state="booked", booked_at=utcnow())
    workers_service.change_status(worker, "suspended", "fought on site", city.a_recruiter)  # a recruiter of A
    assert withdraw_worker(worker.id) == 2  # the promised job, as the RQ worker runs it (unscoped)
    assert (_state(db, a_offer), _state(db, b_offer), _state(db, held)) == ("cancelled", "cancelled", "booked")
    alert = db.session.scalar(select(Alert).where(Alert.order_id == b_booked.id))
    assert (alert.kind, alert.detail, alert.franchise_id) == ("worker_out", "1", city.b.id)
    auth.login(city.b_dispatcher.email)
    assert "no longer active" in client.get(f"/orders/{b_booked.id}").get_data(as_text=True)
    assert withdraw_worker(worker.id) == 0  # twice: nothing more


def test_the_suspension_job_is_promised_with_the_suspension(db, city):
    from core.models import Outbox

    worker = factories.worker(city.moscow)
    workers_service.change_status(worker, "banned", "fraud", city.a_recruiter)
    promised = db.session.scalars(select(Outbox.job)).all()
    assert promised == ["dispatch.jobs.withdraw_worker"]


def test_a_bare_one_confirms_the_shift_being_confirmed_not_a_new_offer(client, db, city):
    worker = factories.worker(city.moscow, language="en", phone="+79160000010")
    tomorrow = factories.order(city.a_site, needed=1, target=1, code="6001", starts_at=utcnow() + timedelta(hours=20))
    later = factories.order(city.a_site, needed=1, target=1, code="6002", starts_at=utcnow() + timedelta(days=4))
    booked = factories.offer(tomorrow, worker, state="booked", booked_at=utcnow(), reminder_stage=1,
                             confirm_by=utcnow() + timedelta(hours=18))
    offered = factories.offer(later, worker)
    answer = send(client, worker.phone, "1").get_data(as_text=True)
    assert "confirmed for order 6001" in answer
    assert (_state(db, booked), _state(db, offered)) == ("confirmed", "offered")


def test_a_bare_yes_with_one_open_offer_and_nothing_to_confirm_takes_the_offer(client, db, city):
    worker = factories.worker(city.moscow, language="en", phone="+79160000011")
    tomorrow = factories.order(city.a_site, needed=1, target=1, code="6003", starts_at=utcnow() + timedelta(hours=20))
    later = factories.order(city.a_site, needed=1, target=1, code="6004", starts_at=utcnow() + timedelta(days=4))
    factories.offer(tomorrow, worker, state="confirmed", booked_at=utcnow())
    offered = factories.offer(later, worker)
    assert "booked for order 6004" in send(client, worker.phone, "YES").get_data(as_text=True)
    assert _state(db, offered) == "booked"
