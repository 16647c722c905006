"""Offers sent by the chunk (dispatch.sending): each claimed once before it goes, whatever fails, dies or runs twice."""
from collections import Counter
from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from core import outbox
from core.timeutil import utcnow
from dispatch import gateway, jobs, promises, sending
from dispatch.models import Message, Offer
from tests import factories
from tests.dispatch.rq_process import RqWorker, eventually, rq_worker, run_jobs
from tests.fakes.twilio import FakeTwilio


def wave(network, count: int, **order_kw) -> list[Offer]:
    order = factories.order(network.a_site, code="5821", **order_kw)
    return [factories.offer(order, factories.worker(network.moscow, language="en", phone=f"+7922{i:07d}"))
            for i in range(count)]


def stored_once(fake: FakeTwilio, offers: list[Offer]) -> bool:
    """Whether Twilio holds exactly one message for each offered worker, and no other."""
    return Counter(m["to"] for m in fake.stored) == Counter(o.worker.phone for o in offers)


def offered(db, offers) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Offer).where(
        Offer.id.in_([o.id for o in offers]), Offer.offered_at.is_not(None)))


@freeze_time("2026-12-01 10:00:00")  # 13:00 in Moscow: no quiet hours hold an offer back
def test_a_chunk_sends_each_offer_once_and_a_second_run_sends_nothing(db, network, twilio):
    offers = wave(network, 12)
    assert jobs.send_offers([o.id for o in offers]) == 12
    assert stored_once(twilio, offers) and len(twilio.creates) == 12
    assert jobs.send_offers([o.id for o in offers]) == 12  # sent before: counted, not sent again
    assert len(twilio.creates) == 12 and offered(db, offers) == 12
    messages = db.session.scalars(select(Message).where(Message.kind == "offer")).all()
    assert len(messages) == 12 and all(m.sid and m.status == "queued" for m in messages)


@freeze_time("2026-12-01 10:00:00")
def test_chunks_send_over_a_few_kept_connections(db, network, twilio):
    offers = wave(network, 30)
    assert jobs.send_offers([o.id for o in offers[:15]]) == 15
    assert jobs.send_offers([o.id for o in offers[15:]]) == 15
    assert stored_once(twilio, offers) and twilio.connections <= sending.SEND_THREADS  # a thread's, job after job


@freeze_time("2026-12-01 10:00:00")
def test_a_waves_first_sms_goes_from_its_job_and_each_offer_goes_once(app, db, network, twilio, redis_conn):
    network.a_site.lat, network.a_site.lon = 55.7558, 37.6173
    crew = [factories.worker(network.moscow, language="en", phone=f"+7926{i:07d}", lat=55.7558, lon=37.6173)
            for i in range(6)]
    order = factories.order(network.a_site, needed=2, target=2, code="5822", urgent=True)
    twilio.plan = ["500-kept"]  # the first send is in doubt for the wave's job: Twilio kept it nonetheless
    assert jobs.plan_order(order.id) == 6 and len(twilio.creates) == 1  # the best candidate's SMS, before the chunk's
    assert jobs.plan_order(order.id) == 0 and len(twilio.creates) == 1  # a second run of the wave sends nothing
    run_jobs(app, redis_conn)  # the chunk's job looks the doubtful one up and sends the others
    offers = db.session.scalars(select(Offer).where(Offer.order_id == order.id)).all()
    assert {o.worker_id for o in offers} == {w.id for w in crew}
    assert stored_once(twilio, offers) and len(twilio.creates) == 6 and offered(db, offers) == 6


@freeze_time("2026-12-01 10:00:00")
def test_doubtful_sends_are_raised_after_the_rest_went_and_the_retry_looks_them_up(db, network, twilio):
    offers = wave(network, 10)
    twilio.plan = ["ok", "500-kept", "ok", "500", "ok"]  # one kept by Twilio despite its 500, one lost
    with pytest.raises(gateway.AmbiguousSend):
        jobs.send_offers([o.id for o in offers])
    assert offered(db, offers) == 8  # every certain send is recorded before the job fails
    doubtful = db.session.scalars(select(Message).where(Message.status == "sending")).all()
    assert len(doubtful) == 2 and all(m.sid is None for m in doubtful)
    assert jobs.send_offers([o.id for o in offers]) == 10  # RQ's retry of the chunk
    assert stored_once(twilio, offers)  # the kept one found at Twilio, the lost one sent once more
    assert len(twilio.creates) == 11 and offered(db, offers) == 10


@freeze_time("2026-12-01 10:00:00")
def test_a_job_killed_after_its_claim_leaves_nothing_to_send_twice(app, db, network, twilio, monkeypatch):
    offers = wave(network, 9)
    real_record = sending._record

    def killed_before_recording(sends, outcomes):
        raise SystemExit("killed")  # the process dies with every SMS of its first slice at Twilio

    monkeypatch.setattr(sending, "_record", killed_before_recording)
    with pytest.raises(SystemExit):
        jobs.send_offers([o.id for o in offers])
    db.session.rollback()
    first = len(twilio.creates)
    assert first == sending.FIRST_SLICE and offered(db, offers) == 0
    monkeypatch.setattr(sending, "_record", real_record)
    assert jobs.send_offers([o.id for o in offers]) == 9  # the rerun, once its locks expired (here: released)
    assert stored_once(twilio, offers) and len(twilio.creates) == 9  # the first slice was looked up, not resent
    assert offered(db, offers) == 9


@freeze_time("2026-12-01 10:00:00")
def test_offers_another_job_is_sending_are_left_to_it(db, network, twilio, redis_conn):
    offers = wave(network, 4)
    busy = offers[1]
    with redis_conn.lock(f"artel:lock:sending:offer:{busy.id}", timeout=5):  # another job, mid-send
        assert jobs.send_offers([o.id for o in offers]) == 3
    assert busy.worker.phone not in {c["To"] for c in twilio.creates}
    assert jobs.send_offers([o.id for o in offers]) == 4 and stored_once(twilio, offers)
    assert list(redis_conn.scan_iter("artel:lock:*")) == []  # every lock the chunks took is released


@freeze_time("2026-12-01 10:00:00")
def test_a_refused_offer_is_cancelled_and_the_rest_of_the_chunk_goes(db, network, twilio):
    offers = wave(network, 3)
    twilio.plan = [21211]  # invalid number: the first create of the chunk, whichever it is
    assert jobs.send_offers([o.id for o in offers]) == 2
    db.session.expire_all()
    states = Counter(db.session.get(Offer, o.id).state for o in offers)
    assert states == Counter({"offered": 2, "cancelled": 1}) and offered(db, offers) == 2
    failed = db.session.scalar(select(Message).where(Message.status == "failed"))
    assert failed.error_code == 21211 and failed.worker.status == "suspended"


def test_chunks_follow_the_bucket(app, db, network, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_RATE_PER_SECOND", 2)
    assert [len(part) for part in sending._slices(list(range(50)))] == [8, 20, 20, 2]  # 10 s of tokens at most
    monkeypatch.setitem(app.config, "SMS_RATE_PER_SECOND", 0)
    assert [len(part) for part in sending._slices(list(range(120)))] == [8, 50, 50, 12]


def test_two_workers_given_the_same_chunk_send_each_offer_once(app, db, network, redis_conn, tmp_path):
    offers = wave(network, 40, starts_at=utcnow() + timedelta(days=2), urgent=True)
    ids = [o.id for o in offers]
    for job_id in ("first", "second"):  # the same chunk twice, as a relay run twice or a redrive would
        promises.SEND_OFFERS.promise(ids, queue="urgent", job_id=job_id)
    db.session.commit()
    outbox.relay()
    with FakeTwilio() as fake:
        twilio = {"SMS_BACKEND": "twilio", "TWILIO_API_BASE": fake.url, "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
                  "TWILIO_FROM": "+15005550006", "SMS_RATE_PER_SECOND": 20, "SMS_BURST": 1}
        workers = [RqWorker(tmp_path, **twilio) for _ in range(2)]  # both take a job as soon as they listen
        try:
            assert all(w.wait_ready() for w in workers), workers[0].output()
            assert eventually(lambda: offered(db, offers) == 40, 120), workers[0].output() + workers[1].output()
            assert eventually(lambda: redis_conn.llen("rq:queue:urgent") == 0, 30)
        finally:
            for worker in workers:
                worker.stop()
        assert stored_once(fake, offers) and len(fake.creates) == 40
    assert db.session.scalar(select(func.count()).select_from(Message).where(Message.sid.is_not(None))) == 40


def test_a_chunk_killed_mid_send_is_taken_up_and_the_rest_goes_once(app, db, network, redis_conn, tmp_path):
    from dispatch import sweep

    offers = wave(network, 30, starts_at=utcnow() + timedelta(days=2), urgent=True)
    promises.send_offers([o.id for o in offers], urgent=True)
    db.session.commit()
    outbox.relay()
    with FakeTwilio() as fake:
        twilio = {"SMS_BACKEND": "twilio", "TWILIO_API_BASE": fake.url, "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
                  "TWILIO_FROM": "+15005550006", "SMS_RATE_PER_SECOND": 10, "SMS_BURST": 1}
        first = RqWorker(tmp_path, **twilio)
        try:
            assert first.wait_ready(), first.output()
            assert eventually(lambda: len(fake.creates) >= 12, 60), first.output()
        finally:
            first.kill()  # SIGKILL mid-chunk: some sent and recorded, some at Twilio unrecorded, some not sent
        assert offered(db, offers) < 30
        for key in redis_conn.scan_iter("artel:lock:sending:*"):  # the dead job's locks expire by themselves...
            assert 0 < redis_conn.ttl(key) <= sending.SEND_LOCK_SECONDS
            redis_conn.delete(key)  # ...here at once rather than in two minutes
        with rq_worker(tmp_path, **twilio) as second:
            assert sweep.redrive(utcnow() + timedelta(minutes=3)) > 0  # the sweep, two minutes on
            assert eventually(lambda: offered(db, offers) == 30, 120), second.output()
        assert stored_once(fake, offers)
    messages = db.session.scalars(select(Message).where(Message.kind == "offer")).all()
    assert len(messages) == 30 and all(m.sid and m.status != "sending" for m in messages)
