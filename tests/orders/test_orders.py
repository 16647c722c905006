"""From an order to offers: rates, target, outbox, the first wave and its sending, quiet hours, the order API."""
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from freezegun import freeze_time
from rq import Queue
from sqlalchemy import func, select

from app import create_app
from config import TestConfig
from core import outbox, queue
from core import service as core_service
from core.models import Outbox
from dispatch import jobs
from dispatch.models import Message, Offer
from dispatch.texts import segments
from orders.models import Order, RateCard
from tests import factories
from tests.dispatch.sms import send

TOMORROW_9_MSK = datetime(2026, 12, 2, 6, tzinfo=timezone.utc)


@pytest.fixture
def setup(db, network):
    network.a_site.lat, network.a_site.lon = 55.7558, 37.6173
    db.session.add(RateCard(region_id=network.moscow.id, work_type="loading", conditions="indoor_warm",
                            min_headcount=1, pay_rate=Decimal("100.00"), bill_rate=Decimal("220.00")))
    db.session.add(RateCard(region_id=network.moscow.id, work_type="loading", conditions="indoor_warm",
                            min_headcount=10, pay_rate=Decimal("110.00"), bill_rate=Decimal("210.00")))
    db.session.commit()
    network.pool = [factories.worker(network.moscow, phone=f"+7925{i:07d}", language="en",
                                     lat=55.7558 + i * 0.001, lon=37.6173) for i in range(20)]
    return network


@pytest.fixture
def api(client, setup):
    token = core_service.issue_token(setup.a_dispatcher)

    def call(method, url, **kw):
        return client.open(url, method=method, headers={"Authorization": f"Bearer {token}"}, **kw)

    return call


def order_json(net, **kw):
    return {"client_id": net.a_client.id, "site_id": net.a_site.id, "work_type": "loading", "workers_needed": 10,
            "starts_at": "2026-12-02T09:00:00+03:00", "ends_at": "2026-12-02T18:00:00+03:00", **kw}


@freeze_time("2026-12-01 10:00:00")
def test_an_order_freezes_rates_books_fifteen_for_ten_and_is_promised_to_the_queue(api, db, setup, redis_conn):
    response = api("POST", "/api/v1/orders/", json=order_json(setup))
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["booking_target"], body["pay_rate"], body["bill_rate"]) == (15, "110.00", "210.00")  # the 10+ tier
    assert len(body["code"]) == 4 and body["status"] == "dispatching"
    row = db.session.scalar(select(Outbox))
    assert (row.job, row.args, row.enqueued_at is not None) == ("dispatch.jobs.plan_order", [body["id"], 1], True)
    assert Queue("dispatch", connection=redis_conn).job_ids == [f"outbox-{row.id}"]


@freeze_time("2026-12-01 10:00:00")
@pytest.mark.parametrize("change,field", [
    ({"site_id": 999999}, "site_id"),
    ({"workers_needed": 0}, "workers_needed"),
    ({"ends_at": "2026-12-02T08:00:00+03:00"}, "ends_at"),
    ({"starts_at": "2026-12-02T09:00:00"}, "starts_at"),
    ({"work_type": "juggling"}, "pay_rate"),
    ({"overbooking": "lots"}, "overbooking"),
    ({"overbooking": "5"}, "overbooking"),
    ({"skills": ["juggler"]}, "skills"),
])
def test_bad_orders_are_422_with_the_field_and_save_nothing(api, db, setup, change, field):
    response = api("POST", "/api/v1/orders/", json=order_json(setup, **change))
    assert response.status_code == 422 and field in str(response.json["errors"])
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0
    assert db.session.scalar(select(func.count()).select_from(Outbox)) == 0


def test_another_franchises_client_is_unknown(api, db, setup):
    response = api("POST", "/api/v1/orders/", json=order_json(setup, client_id=setup.b_client.id, site_id=setup.b_site.id))
    assert response.status_code == 422 and "client_id" in str(response.json["errors"])


@freeze_time("2026-12-01 10:00:00")
def test_an_order_made_while_redis_is_down_is_dispatched_once_redis_is_back(app, db, setup, redis_conn):
    class RedisDown(TestConfig):
        REDIS_URL = "redis://127.0.0.1:1/0"
        RATELIMIT_STORAGE_URI = "memory://"

    down = create_app(RedisDown)
    down.test_client_class = app.test_client_class
    token = core_service.issue_token(setup.a_dispatcher)
    response = down.test_client().post("/api/v1/orders/", json=order_json(setup), headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201
    row = db.session.scalar(select(Outbox))
    assert row.enqueued_at is None and row.attempts == 1 and "ConnectionError" in row.last_error
    with app.app_context():  # Redis is back: the next relay hands it over, and only once
        assert outbox.relay() == 1
        assert outbox.relay() == 0
    assert Queue("dispatch", connection=redis_conn).job_ids == [f"outbox-{row.id}"]


@freeze_time("2026-12-01 10:00:00")
def test_a_wave_offers_each_worker_once_and_sends_each_offer_once(app, db, setup, redis_conn):
    order = factories.order(setup.a_site, needed=5, target=8, starts_at=TOMORROW_9_MSK)
    assert jobs.plan_order(order.id) == 16  # two candidates per place left
    assert jobs.plan_order(order.id) == 0  # wave 1 is out: a second run of it offers nothing more
    assert jobs.plan_order(order.id, 2) == 5  # the rest of the pool (20 + the franchise's own worker); nobody twice
    assert db.session.scalar(select(func.count()).select_from(Offer)) == 21
    worker = queue.AppSimpleWorker(list(queue.QUEUES), connection=redis_conn, app=app)
    worker.work(burst=True)
    sent = list(db.session.scalars(select(Message).where(Message.direction == "out")))
    assert len(sent) == 21 and all(m.sid and m.status == "delivered" for m in sent)
    for offer_id in db.session.scalars(select(Offer.id)):  # a job run twice sends nothing more
        jobs.send_offer(offer_id)
    assert db.session.scalar(select(func.count()).select_from(Message)) == 21
    assert f"YES {order.code}" in sent[0].body and segments(sent[0].body) <= 2


def test_no_offers_in_quiet_hours_unless_urgent(app, db, setup, redis_conn):
    order = factories.order(setup.a_site, needed=2, target=3, starts_at=TOMORROW_9_MSK)
    with freeze_time("2026-12-01 19:30:00"):  # 22:30 in Moscow
        assert jobs.plan_order(order.id) == 0
    scheduled = Queue("dispatch", connection=redis_conn).scheduled_job_registry.get_job_ids()
    assert scheduled == [f"plan-{order.id}-1"]
    order.urgent = True
    db.session.commit()
    with freeze_time("2026-12-01 19:30:00"):
        assert jobs.plan_order(order.id) == 6


def test_an_opted_out_worker_is_never_sent_an_offer(app, db, setup):
    order = factories.order(setup.a_site, needed=1, target=1, starts_at=TOMORROW_9_MSK)
    offer = factories.offer(order, setup.pool[0])
    setup.pool[0].opted_out = True
    db.session.commit()
    assert jobs.send_offer(offer.id) is None
    assert db.session.get(Offer, offer.id).state == "cancelled"
    assert db.session.scalar(select(func.count()).select_from(Message)) == 0


@freeze_time("2026-12-01 10:00:00")
def test_order_to_booking_through_the_api_and_signed_replies(app, api, client, db, setup, redis_conn):
    created = api("POST", "/api/v1/orders/", json=order_json(setup, workers_needed=2, overbooking="1.5")).json
    queue.AppSimpleWorker(list(queue.QUEUES), connection=redis_conn, app=app).work(burst=True)
    detail = api("GET", f"/api/v1/orders/{created['id']}").json
    assert detail["fill"]["counts"] == {"offered": 6} and detail["booking_target"] == 3
    phones = [o["phone"] for o in detail["offers"]]
    for phone in phones[:4]:
        send(client, phone, "YES")
    detail = api("GET", f"/api/v1/orders/{created['id']}").json
    assert detail["status"] == "filled" and detail["fill"]["counts"] == {"booked": 3, "waitlisted": 1, "offered": 2}
    assert 0 < detail["fill"]["show_up_probability"] <= 1
    listed = api("GET", "/api/v1/orders/", query_string={"status": "filled"}).json
    assert [o["code"] for o in listed] == [created["code"]]


def test_auto_overbooking_follows_reliability(app, db, setup):
    for w in setup.pool:
        w.reliability = Decimal("0.900")
    db.session.commit()
    order = factories.order(setup.a_site, needed=10, target=10, starts_at=TOMORROW_9_MSK, overbooking_factor=None)
    with freeze_time("2026-12-01 10:00:00"):
        jobs.plan_order(order.id)
    assert db.session.get(Order, order.id).booking_target == 13  # 0.9 each: 13 reach 95%
