"""The dispatcher changes course: cancel, change headcount or time, book and unbook by hand, resend."""
from datetime import datetime, timedelta, timezone

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from core.models import Outbox
from dispatch import jobs
from dispatch.models import Alert, Message, Offer
from orders.models import Order
from tests import factories

NOW = datetime(2026, 11, 25, 9, tzinfo=timezone.utc)
START = datetime(2026, 12, 2, 6, tzinfo=timezone.utc)  # 09:00 Moscow, a week ahead


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time(NOW):
        yield


@pytest.fixture
def order(db, network, auth):
    auth.login(network.a_dispatcher.email)
    order = factories.order(network.a_site, needed=2, target=3, code="4821", starts_at=START, status="filled")
    order.crew = [factories.worker(network.moscow, language="en", phone=f"+7917{i:07d}", last_name=f"Crew{i}")
                  for i in range(6)]
    day = timedelta(days=1)
    order.offers = [factories.offer(order, w, state="booked", booked_at=NOW - day * (3 - i), answered_at=NOW - day)
                    for i, w in enumerate(order.crew[:3])]
    order.offers.append(factories.offer(order, order.crew[3], state="waitlisted", answered_at=NOW - day))
    order.offers.append(factories.offer(order, order.crew[4], state="offered", offered_at=NOW - day))
    return order


def notices_to(db, worker):
    return [m.body for m in db.session.scalars(select(Message).where(
        Message.worker_id == worker.id, Message.direction == "out").order_by(Message.id))]


def states(db, order):
    db.session.expire_all()
    return [db.session.get(Offer, o.id).state for o in order.offers]


def test_cancelling_tells_everyone_who_said_yes_and_closes_every_offer(client, db, order):
    response = client.post(f"/orders/{order.id}/cancel", data={"reason": "the client cancelled the delivery"})
    assert response.status_code == 302
    assert states(db, order) == ["cancelled"] * 5
    assert db.session.get(Order, order.id).status == "cancelled"
    for worker in order.crew[:4]:
        assert notices_to(db, worker) == [
            f"Order 4821, 02.12 09:00, {order.site.address}, is cancelled: do not come. We will write when there is other work"]
    assert notices_to(db, order.crew[4]) == []  # never answered: no word needed
    promised = db.session.scalars(select(Outbox).where(Outbox.job == "dispatch.jobs.send_message")).all()
    assert len(promised) == 4
    assert "the client cancelled the delivery" in client.get(f"/orders/{order.id}").get_data(as_text=True)


def test_cancelling_needs_a_reason_and_changes_nothing_without_one(client, db, order):
    response = client.post(f"/orders/{order.id}/cancel", data={"reason": "  "})
    assert response.status_code == 400
    assert states(db, order) == ["booked", "booked", "booked", "waitlisted", "offered"]
    assert db.session.scalars(select(Message)).all() == []


def test_fewer_workers_release_the_latest_unconfirmed_bookings(client, db, order):
    order.offers[2].state = "confirmed"  # the latest booked, but he confirmed: kept
    db.session.commit()
    response = client.post(f"/orders/{order.id}/change", data={
        "workers_needed": "1", "day": "2026-12-02", "start": "09:00", "end": "17:00"})
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Order, order.id).booking_target == 2  # ceil(1 × 1.5)
    assert states(db, order) == ["booked", "cancelled", "confirmed", "waitlisted", "offered"]
    assert "is no longer needed" in notices_to(db, order.crew[1])[0]
    assert notices_to(db, order.crew[0]) == []


def test_more_workers_take_the_waitlist_first_then_a_new_wave(client, db, order):
    response = client.post(f"/orders/{order.id}/change", data={
        "workers_needed": "4", "day": "2026-12-02", "start": "09:00", "end": "17:00"})
    assert response.status_code == 302
    db.session.expire_all()
    changed = db.session.get(Order, order.id)
    assert (changed.booking_target, changed.status) == (6, "dispatching")
    assert states(db, order)[3] == "booked"
    assert "A place opened: you are booked for order 4821" in notices_to(db, order.crew[3])[0]
    wave = db.session.scalar(select(Outbox).where(Outbox.job == "dispatch.jobs.plan_order"))
    assert wave.args == [order.id, 2] and wave.queue == "dispatch"


def test_a_new_time_is_sent_to_the_booked_who_must_confirm_again(client, db, network, order):
    order.offers[0].state = "confirmed"
    other = factories.order(network.a_site, code="7777", starts_at=START + timedelta(hours=9), status="filled")
    factories.offer(other, order.crew[1], state="booked")  # his other shift will overlap the new time
    db.session.commit()
    response = client.post(f"/orders/{order.id}/change", data={
        "workers_needed": "2", "day": "2026-12-02", "start": "12:00", "end": "20:00"})
    assert response.status_code == 302
    db.session.expire_all()
    assert states(db, order)[:3] == ["booked", "cancelled", "booked"]
    assert notices_to(db, order.crew[0]) == ["Order 4821 moved: 02.12 12:00-20:00. Reply DROP 4821 if you cannot come"]
    assert "is no longer needed" in notices_to(db, order.crew[1])[0]
    moved = db.session.get(Offer, order.offers[4].id)
    assert moved.starts_at == START + timedelta(hours=3)
    assert db.session.get(Offer, order.offers[3].id).state == "booked"  # the waitlist filled the freed place


def test_bad_changes_are_400_and_save_nothing(client, db, order):
    for data in ({"workers_needed": "0", "day": "2026-12-02", "start": "09:00", "end": "17:00"},
                 {"workers_needed": "2", "day": "2026-11-20", "start": "09:00", "end": "17:00"},
                 {"workers_needed": "2", "day": "2026-12-02", "start": "", "end": "17:00"}):
        assert client.post(f"/orders/{order.id}/change", data=data).status_code == 400
    db.session.expire_all()
    unchanged = db.session.get(Order, order.id)
    assert (unchanged.workers_needed, unchanged.starts_at) == (2, START)
    assert db.session.scalars(select(Message)).all() == []


def test_booking_by_hand_respects_the_target(client, db, network, order):
    caller = factories.worker(network.moscow, language="en", phone="+79170001234")
    response = client.post(f"/orders/{order.id}/book", data={"phone": "8 917 000-12-34"})
    assert response.status_code == 409
    assert "The order is full" in response.get_data(as_text=True)
    client.post(f"/orders/{order.id}/workers/{order.crew[0].id}/unbook")
    assert states(db, order)[0] == "cancelled" and states(db, order)[3] == "booked"  # the waitlist moved up
    client.post(f"/orders/{order.id}/workers/{order.crew[1].id}/unbook")  # nobody waits now: a place is free
    response = client.post(f"/orders/{order.id}/book", data={"phone": "8 917 000-12-34"})
    assert response.status_code == 302
    offer = db.session.scalar(select(Offer).where(Offer.order_id == order.id, Offer.worker_id == caller.id))
    assert (offer.state, offer.wave, offer.reliability) == ("booked", 0, caller.reliability)
    assert notices_to(db, caller)[0].startswith("You are booked for order 4821, 02.12 09:00")
    assert db.session.get(Order, order.id).status == "filled"
    assert client.post(f"/orders/{order.id}/book", data={"phone": "+79990000000"}).status_code == 400


def test_resend_sends_the_offer_again_only_to_someone_who_has_not_answered(client, db, order):
    assert client.post(f"/orders/{order.id}/workers/{order.crew[4].id}/resend").status_code == 302
    [again] = db.session.scalars(select(Message).where(Message.worker_id == order.crew[4].id)).all()
    assert again.kind == "resend" and again.body.startswith("Work 4821:")
    assert jobs.send_message(again.id).startswith("SM")
    response = client.post(f"/orders/{order.id}/workers/{order.crew[0].id}/resend")
    assert response.status_code == 409 and "Only an open offer" in response.get_data(as_text=True)


def test_the_board_offers_the_right_button_per_state(client, db, order):
    page = client.get(f"/orders/{order.id}/board").get_data(as_text=True)
    assert f'data-testid="unbook-{order.crew[0].id}"' in page
    assert f'data-testid="book-{order.crew[3].id}"' in page
    assert f'data-testid="resend-{order.crew[4].id}"' in page and f'data-testid="book-{order.crew[4].id}"' in page


def test_an_order_whose_candidates_ran_out_shows_the_alert_until_closed(app, client, auth, db, network):
    auth.login(network.a_dispatcher.email)
    lonely = factories.order(network.a_site, needed=3, target=5, code="5555", starts_at=START)
    network.a_site.lat, network.a_site.lon = 10.0, 10.0  # nobody lives near
    db.session.commit()
    assert jobs.plan_order(lonely.id) == 0
    [alert] = db.session.scalars(select(Alert)).all()
    assert (alert.kind, alert.detail) == ("no_candidates", "5")
    page = client.get(f"/orders/{lonely.id}").get_data(as_text=True)
    assert "Candidates ran out with 5 places left" in page
    assert "Candidates ran out with 5 places left" in client.get("/dispatch/inbox").get_data(as_text=True)
    client.post(f"/dispatch/alerts/{alert.id}/resolve", data={"back": "order"})
    assert "Candidates ran out" not in client.get(f"/orders/{lonely.id}").get_data(as_text=True)


def test_a_draft_goes_out_only_when_confirmed(client, db, network, order):
    draft = factories.order(network.a_site, code="6666", starts_at=START, status="draft")
    page = client.get(f"/orders/{draft.id}").get_data(as_text=True)
    assert 'data-testid="confirm-form"' in page and 'data-testid="change-form"' not in page
    assert db.session.scalars(select(Outbox)).all() == []
    assert client.post(f"/orders/{draft.id}/dispatch").status_code == 302
    db.session.expire_all()
    assert db.session.get(Order, draft.id).status == "dispatching"
    [promise] = db.session.scalars(select(Outbox)).all()
    assert (promise.job, promise.args) == ("dispatch.jobs.plan_order", [draft.id, 1])
    response = client.post(f"/orders/{draft.id}/dispatch")  # twice: refused, nothing promised again
    assert response.status_code == 409 and len(db.session.scalars(select(Outbox)).all()) == 1
