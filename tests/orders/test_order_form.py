"""The order form says when offers go, takes an overnight shift only when asked, and asks before an order earns nothing."""
from datetime import datetime, timedelta, timezone

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from core import service as core_service
from core.models import Outbox
from dispatch import jobs
from dispatch.models import Offer
from orders.models import Order
from tests import factories

NIGHT = datetime(2026, 12, 1, 19, 30, tzinfo=timezone.utc)  # 22:30 in Moscow
DAY = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)  # 12:00 in Moscow
MORNING = datetime(2026, 12, 2, 5, 0, 1, tzinfo=timezone.utc)  # 08:00 in Moscow


@pytest.fixture
def crew(db, city):
    return [factories.worker(city.moscow, phone=f"+7916{i:07d}") for i in range(6)]


def form(city, **kw):
    values = {"site_id": city.a_site.id, "work_type": "loading", "workers_needed": "2", "day": "2026-12-02",
              "start": "09:00", "end": "17:00", "overbooking": "1.5", "pay_rate": "300", "bill_rate": "450"}
    return {**values, **kw}


def orders(db):
    return db.session.scalar(select(func.count()).select_from(Order))


def test_an_order_made_at_night_says_when_its_first_offers_go_and_can_go_now(client, auth, db, city, crew):
    with freeze_time(NIGHT):
        auth.login(city.a_dispatcher.email)
        created = client.post("/orders/new", data=form(city), follow_redirects=True)
        page = created.get_data(as_text=True)
        assert "quiet hours hold its first offers until" in page and "8:00" in page
        assert 'data-testid="held-wave"' in page and "too little time" in page  # 08:00 for a 09:00 shift
        order = db.session.scalar(select(Order))
        assert jobs.plan_order(order.id) == 0  # quiet hours: the wave waits for the morning
        assert client.post(f"/orders/{order.id}/send-now").status_code == 302
        db.session.refresh(order)
        assert order.urgent
        assert 'data-testid="held-wave"' not in client.get(f"/orders/{order.id}").get_data(as_text=True)
        promised = db.session.scalars(select(Outbox).where(Outbox.job == "dispatch.jobs.plan_order")).all()
        assert [row.run_at is not None for row in promised] == [False, True, False]  # first, the morning's, "send now"
        assert jobs.plan_order(order.id) > 0  # the wave goes now, in quiet hours
    offers = db.session.scalar(select(func.count()).select_from(Offer))
    with freeze_time(MORNING):  # the wave quiet hours had held runs in the morning and finds it out already
        assert jobs.plan_order(order.id, 1) == 0
    assert db.session.scalar(select(func.count()).select_from(Offer)) == offers


def test_an_order_made_by_day_just_goes(client, auth, db, city, crew):
    with freeze_time(DAY):
        auth.login(city.a_dispatcher.email)
        page = client.post("/orders/new", data=form(city), follow_redirects=True).get_data(as_text=True)
    assert "offers are going out" in page and 'data-testid="held-wave"' not in page


def test_a_night_order_far_ahead_is_held_without_a_warning(client, auth, db, city, crew):
    with freeze_time(NIGHT):
        auth.login(city.a_dispatcher.email)
        page = client.post("/orders/new", data=form(city, start="14:00", end="20:00"),
                           follow_redirects=True).get_data(as_text=True)
    assert 'data-testid="held-wave"' in page and "too little time" not in page


def test_send_now_refuses_a_cancelled_order(client, auth, db, city):
    order = factories.order(city.a_site, status="cancelled")
    with freeze_time(NIGHT):
        auth.login(city.a_dispatcher.email)
        response = client.post(f"/orders/{order.id}/send-now")
    assert response.status_code == 409 and "can be sent now" in response.get_data(as_text=True)
    db.session.refresh(order)
    assert not order.urgent


def test_send_now_is_the_franchises_own(client, auth, db, city):
    order = factories.order(city.a_site)
    with freeze_time(NIGHT):
        auth.login(city.b_dispatcher.email)  # the other franchise of the same city
        assert client.post(f"/orders/{order.id}/send-now").status_code == 404
    db.session.refresh(order)
    assert not order.urgent


def test_an_end_before_the_start_is_an_overnight_shift_only_when_ticked(client, auth, db, city):
    with freeze_time(DAY):
        auth.login(city.a_dispatcher.email)
        refused = client.post("/orders/new", data=form(city, start="22:00", end="07:00"))
        assert refused.status_code == 400 and "tick" in refused.get_data(as_text=True) and orders(db) == 0
        odd = client.post("/orders/new", data=form(city, start="09:00", end="17:00", overnight="y"))
        assert odd.status_code == 400 and "overnight shift ends the next day" in odd.get_data(as_text=True)
        assert orders(db) == 0
        assert client.post("/orders/new", data=form(city, start="22:00", end="07:00", overnight="y")).status_code == 302
    order = db.session.scalar(select(Order))
    assert order.ends_at - order.starts_at == timedelta(hours=9)


def test_a_change_keeps_an_overnight_shift_only_when_ticked(client, auth, db, city):
    order = factories.order(city.a_site, needed=2, target=3)
    with freeze_time(DAY):
        auth.login(city.a_dispatcher.email)
        refused = client.post(f"/orders/{order.id}/change", data={"workers_needed": "2", "day": "2026-12-02",
                                                                   "start": "22:00", "end": "06:00"})
        assert refused.status_code == 400 and "tick" in refused.get_data(as_text=True)
    db.session.refresh(order)
    assert order.ends_at - order.starts_at == timedelta(hours=8)


def test_pay_not_below_bill_asks_before_the_order_is_made(client, auth, db, city):
    with freeze_time(DAY):
        auth.login(city.a_dispatcher.email)
        asked = client.post("/orders/new", data=form(city, pay_rate="450", bill_rate="450"))
        page = asked.get_data(as_text=True)
        assert asked.status_code == 400 and "earns nothing" in page and 'name="confirm_loss"' in page
        assert "The pay rate (₽450.00) is not below the bill rate (₽450.00)" in page  # money as people write it
        assert orders(db) == 0
        assert client.post("/orders/new", data=form(city, pay_rate="450", bill_rate="450",
                                                     confirm_loss="y")).status_code == 302
    assert orders(db) == 1


def test_the_api_asks_the_same(client, db, city):
    token = core_service.issue_token(city.a_dispatcher, "a")
    body = {"client_id": city.a_client.id, "site_id": city.a_site.id, "work_type": "loading", "workers_needed": 2,
            "starts_at": "2026-12-02T06:00:00Z", "ends_at": "2026-12-02T14:00:00Z", "pay_rate": "500.00",
            "bill_rate": "450.00", "dispatch": False}
    with freeze_time(DAY):
        refused = client.post("/api/v1/orders/", json=body, headers={"Authorization": f"Bearer {token}"})
        assert refused.status_code == 422 and "confirm_loss" in refused.json["errors"]["json"]
        assert orders(db) == 0
        made = client.post("/api/v1/orders/", json={**body, "confirm_loss": True},
                           headers={"Authorization": f"Bearer {token}"})
    assert made.status_code == 201 and orders(db) == 1


def test_the_board_of_an_order_without_offers_says_what_it_is(client, auth, db, city):
    cancelled = factories.order(city.a_site, status="cancelled")
    draft = factories.order(city.a_site, status="draft")
    with freeze_time(DAY):
        auth.login(city.a_dispatcher.email)
        assert "Cancelled before any offer went out" in client.get(f"/orders/{cancelled.id}/board").get_data(as_text=True)
        assert "no offers until it is sent out" in client.get(f"/orders/{draft.id}/board").get_data(as_text=True)


def test_the_order_page_shows_the_work_and_who_said_stop(client, auth, db, city):
    from workers.service import set_opt_out

    order = factories.order(city.a_site, needed=1, target=1, urgent=True, notes="Bring gloves; gate 3")
    quiet, loud = factories.worker(city.moscow, last_name="Quiet"), factories.worker(city.moscow, last_name="Loud")
    for worker in (quiet, loud):
        factories.offer(order, worker, state="booked")
    set_opt_out(quiet, True)
    db.session.commit()
    with freeze_time(DAY):
        auth.login(city.a_dispatcher.email)
        page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert 'data-testid="urgent"' in page and "Bring gloves; gate 3" in page and "loading" in page
    assert f'data-testid="stop-{quiet.id}"' in page and f'data-testid="stop-{loud.id}"' not in page


def test_head_office_narrows_the_orders_list_by_franchise_and_region(client, auth, db, city):
    a_order = factories.order(city.a_site, code="4101")
    b_order = factories.order(city.b_site, code="5202")
    c_order = factories.order(city.c_site, code="6303")
    with freeze_time(DAY):
        auth.login(city.admin.email)
        every = client.get("/orders/").get_data(as_text=True)
        assert all(o.code in every for o in (a_order, b_order, c_order)) and 'data-testid="order-filters"' in every
        only_b = client.get(f"/orders/?franchise_id={city.b.id}").get_data(as_text=True)
        assert b_order.code in only_b and a_order.code not in only_b and c_order.code not in only_b
        moscow = client.get(f"/orders/?region_id={city.moscow.id}").get_data(as_text=True)
        assert a_order.code in moscow and b_order.code in moscow and c_order.code not in moscow
        assert client.get("/orders/?franchise_id=abc").status_code == 400
        auth.logout()
        auth.login(city.a_dispatcher.email)  # a franchise's staff: the filter never reaches past his franchise
        asked_for_b = client.get(f"/orders/?franchise_id={city.b.id}").get_data(as_text=True)
        assert b_order.code not in asked_for_b and 'data-testid="order-filters"' not in asked_for_b


def test_the_board_groups_its_rows_by_state_places_first(client, auth, db, city):
    order = factories.order(city.a_site, needed=1, target=2)
    asked, waiting, holding = (factories.worker(city.moscow, last_name=n) for n in ("Asked", "Waiting", "Holding"))
    factories.offer(order, asked)  # made first
    factories.offer(order, waiting, state="waitlisted")
    factories.offer(order, holding, state="booked")
    with freeze_time(DAY):
        auth.login(city.a_dispatcher.email)
        board = client.get(f"/orders/{order.id}/board").get_data(as_text=True)
    marks = [board.index(f'data-testid="{mark}"') for mark in
             ("group-booked", f"offer-{holding.id}", "group-waitlisted", f"offer-{waiting.id}", "group-offered",
              f"offer-{asked.id}")]
    assert marks == sorted(marks)
