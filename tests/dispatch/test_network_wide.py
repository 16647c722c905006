"""Rules that guard a worker or the network hold across two franchises of the SAME region.

A worker is never on two overlapping shifts whoever booked them; order codes are unique
network-wide and come back only after a quiet period; a message belongs to the franchise
of its order, and each franchise reads only its own.
"""
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select

from core import service as core_service
from core.timeutil import utcnow
from dispatch.models import Message, MessageReader, Offer
from orders import service as orders_service
from orders.models import Order
from tests import factories
from tests.dispatch.sms import send
from tests.races import Holder, in_thread, wait_for_lock_wait

START = utcnow().replace(microsecond=0) + timedelta(days=2)


@pytest.fixture
def shared(db, city):
    """One worker of the Moscow pool, booked by A; B has an overlapping order offered to him."""
    city.worker = factories.worker(city.moscow, language="en", phone="+79160000001", lat=55.751, lon=37.62)
    city.a_order = factories.order(city.a_site, needed=1, target=1, code="4821", starts_at=START, status="filled")
    city.b_order = factories.order(city.b_site, needed=1, target=2, code="7777", starts_at=START + timedelta(hours=3))
    factories.offer(city.a_order, city.worker, state="booked", booked_at=utcnow())
    city.b_offer = factories.offer(city.b_order, city.worker)
    return city


def _held(db, worker):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Offer).where(
        Offer.worker_id == worker.id, Offer.state.in_(("booked", "confirmed"))))


def test_a_yes_to_another_franchises_overlapping_order_is_a_clash(client, db, shared):
    assert "already have a shift" in send(client, shared.worker.phone, "YES 7777").get_data(as_text=True)
    assert _held(db, shared.worker) == 1


def test_another_franchise_cannot_book_him_by_hand_on_an_overlapping_shift(client, auth, db, shared):
    auth.login(shared.b_dispatcher.email)
    response = client.post(f"/orders/{shared.b_order.id}/workers/{shared.worker.id}/book")
    assert response.status_code == 409 and "another shift at that time" in response.get_data(as_text=True)
    assert _held(db, shared.worker) == 1


def test_candidates_of_another_franchise_leave_out_a_worker_it_cannot_see_booked(client, db, shared):
    token = core_service.issue_token(shared.b_dispatcher, "b")
    query = {"region_id": shared.moscow.id, "lat": 55.75, "lon": 37.62, "radius_km": 20,
             "starts_at": (START + timedelta(hours=3)).isoformat(), "ends_at": (START + timedelta(hours=11)).isoformat()}
    response = client.get("/api/v1/workers/candidates", query_string=query, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    ids = [row["worker"]["id"] for row in response.get_json()]
    assert shared.b_worker.id in ids and shared.worker.id not in ids


def test_the_card_shows_another_franchises_booking_as_busy_without_its_details(client, auth, db, shared):
    auth.login(shared.b_dispatcher.email)
    page = client.get(f"/workers/{shared.worker.id}").get_data(as_text=True)
    busy = page.split('data-testid="busy-elsewhere"')
    assert len(busy) == 2 and "another branch" in busy[1]
    for secret in ("4821", shared.a_client.name, shared.a_site.name, shared.a.name):
        assert secret not in page


def test_order_codes_never_collide_with_another_franchises_even_when_most_are_taken(client, db, city):
    """90% of the 4-digit codes held by B's live orders: A's next twenty orders all succeed, uniquely."""
    taken = list(range(1000, 1000 + 8100))
    db.session.execute(insert(Order), [dict(
        franchise_id=city.b.id, region_id=city.moscow.id, client_id=city.b_client.id, site_id=city.b_site.id,
        work_type="loading", workers_needed=1, booking_target=1, starts_at=START, ends_at=START + timedelta(hours=8),
        pay_rate=100, bill_rate=200, status="dispatching", code=str(code)) for code in taken])
    db.session.commit()
    token = core_service.issue_token(city.a_dispatcher, "a")
    body = {"client_id": city.a_client.id, "site_id": city.a_site.id, "work_type": "loading", "workers_needed": 2,
            "starts_at": START.isoformat(), "ends_at": (START + timedelta(hours=8)).isoformat(),
            "pay_rate": "100", "bill_rate": "220", "dispatch": False}
    codes = []
    for _ in range(20):
        response = client.post("/api/v1/orders/", json=body, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 201, response.get_data(as_text=True)
        codes.append(response.get_json()["code"])
    assert len(set(codes)) == 20 and not {int(c) for c in codes} & set(taken)


def test_two_orders_racing_for_the_last_free_code_both_get_one(app, db, city):
    free = "5555"
    _hold_every_four_digit_code_but(db, city, free)
    other = Holder()  # another order took the last free 4-digit code and has not committed yet
    other.execute('INSERT INTO "order" (franchise_id, region_id, client_id, site_id, work_type, skill_mask, '
                  'workers_needed, booking_target, starts_at, ends_at, pay_rate, bill_rate, status, urgent, '
                  'target_probability, max_factor, code, code_live, created_at, updated_at) VALUES (:f, :r, :c, :s, '
                  "'loading', 0, 1, 1, now(), now(), 100, 200, 'draft', false, 0.95, 2, :code, true, now(), now())",
                  f=city.b.id, r=city.moscow.id, c=city.b_client.id, s=city.b_site.id, code=free)
    data = {"client_id": city.a_client.id, "site_id": city.a_site.id, "work_type": "loading", "workers_needed": 1,
            "starts_at": START, "ends_at": START + timedelta(hours=8), "pay_rate": "100", "bill_rate": "220",
            "dispatch": False}
    created = in_thread(app, lambda: orders_service.create_order(data).code)
    wait_for_lock_wait(created)  # it chose the same free code and waits on the unique index
    other.commit()
    code = created.result(timeout=20)
    assert code != free and len(code) == 5


def _hold_every_four_digit_code_but(db, city, *free):
    db.session.execute(insert(Order), [dict(
        franchise_id=city.b.id, region_id=city.moscow.id, client_id=city.b_client.id, site_id=city.b_site.id,
        work_type="loading", workers_needed=1, booking_target=1, starts_at=START, ends_at=START + timedelta(hours=8),
        pay_rate=100, bill_rate=200, status="dispatching", code=str(code)) for code in range(1000, 10000)
        if str(code) not in free])
    db.session.commit()


def test_a_finished_orders_code_comes_back_only_after_the_quiet_period(app, client, db, city):
    _hold_every_four_digit_code_but(db, city, "4321")
    done = factories.order(city.b_site, code="4321", status="completed", starts_at=utcnow() - timedelta(days=10))
    data = {"client_id": city.a_client.id, "site_id": city.a_site.id, "work_type": "loading", "workers_needed": 1,
            "starts_at": START, "ends_at": START + timedelta(hours=8), "pay_rate": "100", "bill_rate": "220"}
    assert len(orders_service.create_order(dict(data, dispatch=False)).code) == 5  # 4321 is still quiet
    done.starts_at, done.ends_at = utcnow() - timedelta(days=32), utcnow() - timedelta(days=31, hours=16)
    db.session.commit()
    fresh = orders_service.create_order(data)
    assert fresh.code == "4321"
    db.session.expire_all()
    assert db.session.get(Order, done.id).code_live is False and db.session.get(Order, done.id).code == "4321"
    worker = factories.worker(city.moscow, language="en", phone="+79160000042")
    factories.offer(fresh, worker)
    assert "booked for order 4321" in send(client, worker.phone, "YES 4321").get_data(as_text=True)


def test_messages_belong_to_the_franchise_of_their_order(client, auth, db, shared):
    send(client, shared.worker.phone, "YES 7777")  # about B's order
    auth.login(shared.a_dispatcher.email)
    card = client.get(f"/workers/{shared.worker.id}").get_data(as_text=True)
    assert "YES 7777" not in card
    auth.logout()
    auth.login(shared.b_dispatcher.email)
    assert "YES 7777" in client.get(f"/workers/{shared.worker.id}").get_data(as_text=True)


def test_a_free_text_goes_to_each_franchise_he_holds_offers_with_and_each_handles_its_own(client, auth, db, shared):
    send(client, shared.worker.phone, "Where is the gate?")
    message = db.session.scalar(select(Message).where(Message.body == "Where is the gate?"))
    readers = set(db.session.scalars(select(MessageReader.franchise_id).where(MessageReader.message_id == message.id)))
    assert readers == {shared.a.id, shared.b.id}
    auth.login(shared.a_dispatcher.email)
    assert "Where is the gate?" in client.get("/dispatch/inbox").get_data(as_text=True)
    assert client.post(f"/dispatch/inbox/{message.id}", data={"answer": "North side."}).status_code == 302
    assert "Where is the gate?" not in client.get("/dispatch/inbox").get_data(as_text=True)
    auth.logout()
    auth.login(shared.b_dispatcher.email)
    inbox = client.get("/dispatch/inbox").get_data(as_text=True)
    assert "Where is the gate?" in inbox  # still waiting for B
    assert "North side." not in client.get(f"/workers/{shared.worker.id}").get_data(as_text=True)  # A's answer is A's


def test_a_franchise_cannot_read_or_answer_another_franchises_inbox_message(client, auth, db, city):
    b_order = factories.order(city.b_site, needed=1, target=1, code="7001", starts_at=START)
    factories.offer(b_order, city.b_worker)
    send(client, city.b_worker.phone, "I will be late, B-secret")
    message = db.session.scalar(select(Message).where(Message.direction == "in"))
    auth.login(city.a_dispatcher.email)
    assert "B-secret" not in client.get("/dispatch/inbox").get_data(as_text=True)
    assert "B-secret" not in client.get(f"/workers/{city.b_worker.id}").get_data(as_text=True)
    assert client.post(f"/dispatch/inbox/{message.id}", data={"answer": "ok"}).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Message).where(Message.direction == "out")) == 0


def test_a_free_text_with_no_offers_goes_to_the_regions_official_representative(client, db, city):
    send(client, city.a_worker.phone, "Any work this week?")
    message = db.session.scalar(select(Message).where(Message.direction == "in"))
    readers = db.session.scalars(select(MessageReader.franchise_id).where(MessageReader.message_id == message.id)).all()
    assert readers == [city.a.id]  # A is Moscow's official representative, B is not
    send(client, "+79990000000", "I want to work")
    stranger = db.session.scalar(select(Message).where(Message.body == "I want to work"))
    assert db.session.scalars(select(MessageReader.franchise_id).where(
        MessageReader.message_id == stranger.id)).all() == [None]  # head office
