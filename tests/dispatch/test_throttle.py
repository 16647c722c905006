"""The SMS token bucket in Redis, and urgent orders' messages going first."""
import threading

from freezegun import freeze_time
from rq import Queue
from sqlalchemy import select

from core import queue
from core import outbox, throttle
from dispatch import promises
from dispatch.models import Message
from tests import factories


def test_the_bucket_gives_its_burst_then_one_token_per_interval(app, redis_conn):
    with app.app_context():
        waits = [throttle.take("test", rate=0.5, burst=5) for _ in range(50)]
    assert waits[:5] == [0.0] * 5
    assert all(0 < w <= 2.0 for w in waits[5:])  # the next token is at most 1/rate away, never free


def test_concurrent_takers_share_one_bucket(app, redis_conn):
    granted = []

    def taker():
        with app.app_context():
            granted.extend(w for w in (throttle.take("test", rate=0.5, burst=10) for _ in range(25)) if w == 0)

    threads = [threading.Thread(target=taker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(granted) == 10  # 200 attempts at once, and only the burst gets through


def test_no_limit_means_no_wait(app, redis_conn):
    with app.app_context():
        assert throttle.wait_for_token("test", rate=0, burst=30) == 0.0
    assert list(redis_conn.scan_iter("artel:bucket:*")) == []


@freeze_time("2026-12-01 10:00:00")  # 13:00 in Moscow: no quiet hours hold an offer back
def test_urgent_orders_offers_leave_first(app, db, network, redis_conn):
    calm = factories.order(network.a_site, code="1111")
    urgent = factories.order(network.a_site, code="2222", urgent=True)
    worker = factories.worker(network.moscow, language="en")
    calm_offer, urgent_offer = factories.offer(calm, worker), factories.offer(urgent, worker,
                                                                                starts_at=calm.ends_at)
    promises.send_offers([calm_offer.id], calm.urgent)  # promised first
    promises.send_offers([urgent_offer.id], urgent.urgent)
    db.session.commit()
    outbox.relay()
    assert Queue("urgent", connection=redis_conn).count == 1 and Queue("sms", connection=redis_conn).count == 1
    queue.AppSimpleWorker(list(queue.QUEUES), connection=redis_conn, app=app).work(burst=True)
    sent = db.session.scalars(select(Message).where(Message.direction == "out").order_by(Message.id)).all()
    assert [m.order_id for m in sent] == [urgent.id, calm.id]


@freeze_time("2026-12-01 10:00:00")
def test_a_second_job_for_the_same_offer_stays_away_while_the_first_sends(app, db, network, redis_conn):
    from dispatch import jobs

    order = factories.order(network.a_site, code="3333")
    offer = factories.offer(order, factories.worker(network.moscow, language="en"))
    with redis_conn.lock(f"artel:lock:sending:offer:{offer.id}", timeout=5):  # the first job, mid-send
        assert jobs.send_offer(offer.id) is None
    assert db.session.scalars(select(Message)).all() == []
    assert jobs.send_offer(offer.id).startswith("SM")  # once the first is done (or dead), it goes
    assert jobs.send_offer(offer.id) == db.session.scalar(select(Message.sid))  # and never twice


def test_the_sweep_does_not_queue_again_what_is_still_waiting(app, db, network, redis_conn):
    from datetime import timedelta

    from core.timeutil import utcnow
    from dispatch import sweep

    order = factories.order(network.a_site, code="4444", starts_at=utcnow() + timedelta(days=3))
    waiting, lost, popped = (factories.offer(order, factories.worker(network.moscow)) for _ in range(3))
    promises.send_offers([waiting.id], order.urgent)  # behind a backlog, still queued
    promises.send_offers([popped.id], order.urgent)
    db.session.commit()
    outbox.relay()
    sms = Queue("sms", connection=redis_conn)
    popped_job = f"offers-{popped.id}-{popped.id}"
    redis_conn.lrem(sms.key, 0, popped_job)  # taken by a worker killed before it marked the job started
    assert sms.fetch_job(popped_job).get_status() == "queued"  # in no queue, whatever its status says
    assert sweep.redrive(utcnow() + timedelta(minutes=3)) == 2  # the lost one and the popped one
    again = [job_id for job_id in sms.job_ids if job_id != f"offers-{waiting.id}-{waiting.id}"]
    assert len(sms.job_ids) == 2 and sorted(sms.fetch_job(again[0]).args[0]) == sorted([lost.id, popped.id])


def test_the_sweep_sees_every_offer_of_a_waiting_chunk(app, db, network, redis_conn):
    from datetime import timedelta

    from core.timeutil import utcnow
    from dispatch import sweep

    order = factories.order(network.a_site, code="4445", starts_at=utcnow() + timedelta(days=3))
    offers = [factories.offer(order, factories.worker(network.moscow)) for _ in range(3)]
    promises.send_offers([o.id for o in offers], order.urgent)  # one chunk, behind a backlog
    db.session.commit()
    outbox.relay()
    assert Queue("sms", connection=redis_conn).job_ids == [f"offers-{offers[0].id}-{offers[-1].id}"]
    assert sweep.redrive(utcnow() + timedelta(minutes=3)) == 0
    assert promises.offers_waiting([o.id for o in offers] + [offers[-1].id + 1]) == {o.id for o in offers}
