"""The whole path through a real `flask worker` process: waves, replies, reminders, attendance, ratings;
and a worker killed in the middle of a wave."""
from collections import Counter
from datetime import timedelta

import pytest
from freezegun import freeze_time
from rq.job import Job
from sqlalchemy import func, select

from core import outbox
from core.models import Outbox
from core.timeutil import utcnow
from dispatch import jobs, notices, sweep, texts
from dispatch.models import Message, Offer
from orders import service as order_service
from orders.models import Order
from ratings.models import RatingEvent
from tests import factories
from tests.dispatch.rq_process import RqWorker, eventually, rq_worker
from tests.dispatch.sms import send
from tests.fakes.twilio import FakeTwilio
from workers.models import Worker


@pytest.fixture
def pool(db, network):
    network.a_site.lat, network.a_site.lon = 55.7558, 37.6173
    db.session.commit()
    network.pool = [factories.worker(network.moscow, phone=f"+7921{i:07d}", language="en",
                                     lat=55.7558 + i * 0.0005, lon=37.6173) for i in range(40)]
    return network


def fresh(db, stmt):
    db.session.expire_all()
    return db.session.execute(stmt)


def sent_offers(db, order) -> int:
    return fresh(db, select(func.count()).select_from(Offer).where(
        Offer.order_id == order.id, Offer.offered_at.is_not(None))).scalar_one()


def test_a_worker_killed_mid_wave_sends_each_offer_exactly_once(app, db, pool, redis_conn, tmp_path, monkeypatch):
    order = factories.order(pool.a_site, needed=10, target=15, code="4821", starts_at=utcnow() + timedelta(days=2),
                            urgent=True)
    with FakeTwilio() as fake:
        twilio = {"SMS_BACKEND": "twilio", "TWILIO_API_BASE": fake.url, "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
                  "TWILIO_FROM": "+15005550006", "SMS_RATE_PER_SECOND": 8, "SMS_BURST": 1}
        for key, value in twilio.items():  # the planning job sends the wave's first SMS itself
            monkeypatch.setitem(app.config, key, value)
        assert jobs.plan_order(order.id) == 30  # a wave of 15 places × 2, the first sent, the rest queued
        assert len(fake.creates) == 1
        first = RqWorker(tmp_path, **twilio)
        try:
            assert first.wait_ready(), first.output()
            assert eventually(lambda: len(fake.creates) >= 8, 60), first.output()
        finally:
            first.kill()  # SIGKILL to the worker and its work horse, mid-wave
        assert sent_offers(db, order) < 30
        for key in redis_conn.scan_iter("artel:lock:sending:*"):  # the dead job's send lock expires by itself...
            assert 0 < redis_conn.ttl(key) <= jobs.SEND_LOCK_SECONDS
            redis_conn.delete(key)  # ...here at once rather than in two minutes
        with rq_worker(tmp_path, **twilio) as second:
            # Anything the killed process held is taken up again by the sweep (offers unsent after 2 minutes).
            sweep.redrive(utcnow() + timedelta(minutes=3))
            assert eventually(lambda: sent_offers(db, order) == 30, 120), second.output()
        phones = Counter(create["To"] for create in fake.creates)
    offered = {w.phone for w in fresh(db, select(Worker).join(Offer, Offer.worker_id == Worker.id)
                                      .where(Offer.order_id == order.id)).scalars()}
    assert set(phones) == offered and set(phones.values()) == {1}  # every offered worker: one SMS, never two
    messages = fresh(db, select(Message).where(Message.kind == "offer")).scalars().all()
    assert len(messages) == 30 and all(m.sid and m.status != "sending" for m in messages)


def test_a_notice_a_twilio_500_failed_is_taken_up_by_the_sweep_and_sent_once(app, db, pool, redis_conn, tmp_path):
    order = factories.order(pool.a_site, needed=1, target=1, code="4822", starts_at=utcnow() + timedelta(days=3),
                            status="filled", urgent=True)  # urgent: it goes at any hour of the wall clock
    worker = pool.pool[0]
    factories.offer(order, worker, state="booked", booked_at=utcnow())
    with FakeTwilio() as fake:
        fake.plan = ["500"]
        twilio = {"SMS_BACKEND": "twilio", "TWILIO_API_BASE": fake.url, "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
                  "TWILIO_FROM": "+15005550006"}
        with rq_worker(tmp_path, **twilio) as rq:
            message = notices.notify(worker, order, "notice", texts.cancelled_text(order, worker))
            db.session.commit()
            outbox.relay()
            first = f"outbox-{db.session.scalar(select(Outbox.id).where(Outbox.job == 'dispatch.jobs.send_message'))}"
            assert eventually(lambda: Job.fetch(first, connection=redis_conn).get_status() == "failed", 60), rq.output()
            assert fresh(db, select(Message.status, Message.sid).where(Message.id == message.id)).one() == ("sending", None)
            assert sweep.redrive(utcnow() + timedelta(minutes=3)) == 1  # the sweep, as it runs two minutes on
            assert eventually(lambda: fresh(db, select(Message.sid).where(Message.id == message.id)).scalar(), 60), \
                rq.output()
        assert len(fake.stored) == 1 and len(fake.creates) == 2  # sent once: the first try never reached Twilio
    assert fresh(db, select(Message.sid).where(Message.id == message.id)).scalar() == fake.stored[0]["sid"]


def test_order_to_ratings_through_a_real_rq_worker(app, client, auth, db, pool, redis_conn, tmp_path):
    starts = (utcnow() + timedelta(minutes=100)).replace(second=0, microsecond=0)
    with rq_worker(tmp_path, SMS_BACKEND="simulator") as worker:
        order = order_service.create_order({
            "client_id": pool.a_client.id, "site_id": pool.a_site.id, "work_type": "loading", "workers_needed": 2,
            "starts_at": starts, "ends_at": starts + timedelta(hours=8), "pay_rate": "100", "bill_rate": "200",
            "urgent": True}, pool.a_dispatcher)
        assert order.booking_target == 3
        # the outbox → plan_order → one send_offer job per offer, all in the worker process
        assert eventually(lambda: sent_offers(db, order) == 6, 120), worker.output()
        offered = fresh(db, select(Worker).join(Offer, Offer.worker_id == Worker.id)
                        .where(Offer.order_id == order.id).order_by(Offer.id)).scalars().all()
        answers = [send(client, w.phone, "YES").get_data(as_text=True) for w in offered[:4]]
        assert ["booked" in a for a in answers] == [True, True, True, False] and "waitlist" in answers[3]
        booked, waiting = offered[:3], offered[3]

        # The shift starts within two hours: the worker's own sweep sends the last reminder to each booked.
        redis_conn.delete("artel:once:sweep")

        def reminded():
            return fresh(db, select(func.count()).select_from(Message).where(
                Message.kind == "reminder", Message.sid.is_not(None), Message.order_id == order.id)).scalar_one() == 3
        assert eventually(reminded, 120), worker.output()
        reminder = fresh(db, select(Message).where(Message.kind == "reminder", Message.worker_id == booked[0].id)).scalar_one()
        assert f"Reply 1 {order.code} within 30 min" in reminder.body
        assert "you are confirmed" in send(client, booked[0].phone, "1").get_data(as_text=True)
        assert "you are confirmed" in send(client, booked[1].phone, f"1 {order.code}").get_data(as_text=True)

        # The third never confirms: past his window, his place goes to the waitlist, who is told by SMS.
        sweep.sweep(utcnow() + timedelta(minutes=31))

        def promoted_told():
            return fresh(db, select(Message).where(Message.kind == "notice", Message.worker_id == waiting.id,
                                                   Message.sid.is_not(None))).scalar_one_or_none()
        assert eventually(promoted_told, 120), worker.output()
    states = dict(fresh(db, select(Offer.worker_id, Offer.state).where(Offer.order_id == order.id)).all())
    assert [states[w.id] for w in (*booked, waiting)] == ["confirmed", "confirmed", "expired", "booked"]

    crew = [booked[0], booked[1], waiting]
    marks = {f"outcome-{crew[0].id}": "came", f"outcome-{crew[1].id}": "no_show", f"outcome-{crew[2].id}": "came",
             **{f"hours-{w.id}": "8" for w in crew}, **{f"quality-{w.id}": "5" for w in (crew[0], crew[2])},
             "close": "1"}
    with freeze_time(order.ends_at):  # the foreman closes the shift at its end, not before it starts
        auth.login(pool.a_foreman.email)
        assert client.post(f"/orders/{order.id}/attendance", data=marks).status_code == 302
    assert fresh(db, select(Order.status).where(Order.id == order.id)).scalar_one() == "completed"
    events = dict(fresh(db, select(RatingEvent.worker_id, RatingEvent.kind).where(RatingEvent.order_id == order.id)).all())
    assert events == {crew[0].id: "came", crew[1].id: "no_show", crew[2].id: "came"}
