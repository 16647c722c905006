"""Quiet hours (21:00-08:00 in the region) are checked when each message is sent: the rules of dispatch.hours."""
from datetime import datetime, timedelta, timezone

import pytest
from freezegun import freeze_time
from rq import Queue
from sqlalchemy import select

from dispatch import jobs, notices, sweep, texts
from dispatch.models import Message, Offer
from tests import factories
from tests.dispatch.rq_process import run_jobs
from tests.dispatch.sms import send


def msk(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of December 2026 given in Moscow time (UTC+3), as stored: in UTC."""
    return datetime(2026, 12, day, hour, minute, tzinfo=timezone.utc) - timedelta(hours=3)


MORNING = msk(2, 8)


@pytest.fixture
def pool(db, network):
    network.a_site.lat, network.a_site.lon = 55.7558, 37.6173
    db.session.commit()
    network.crew = [factories.worker(network.moscow, language="en", phone=f"+7926{i:07d}", lat=55.7558, lon=37.6173)
                    for i in range(4)]
    return network


def booked_on(network, starts_at, states=("booked",), **kw):
    order = factories.order(network.a_site, needed=len(states), target=len(states), code="4821", starts_at=starts_at,
                            status="filled", **kw)
    offers = [factories.offer(order, w, state=s, booked_at=msk(1, 10)) for w, s in zip(network.crew, states)]
    return order, offers


def scheduled(redis_conn, name="sms") -> dict[str, datetime]:
    registry = Queue(name, connection=redis_conn).scheduled_job_registry
    return {job_id: registry.get_scheduled_time(job_id) for job_id in registry.get_job_ids()}


def outgoing(db, worker, kind):
    db.session.expire_all()
    return db.session.scalars(select(Message).where(Message.worker_id == worker.id, Message.kind == kind)).all()


def test_an_offer_planned_before_quiet_hours_waits_for_the_morning_if_its_job_runs_in_them(app, db, pool, redis_conn):
    order = factories.order(pool.a_site, needed=1, target=1, starts_at=msk(2, 14))
    with freeze_time(msk(1, 20, 59)):
        offered = jobs.plan_order(order.id)
    offer_ids = db.session.scalars(select(Offer.id).order_by(Offer.id)).all()
    first, rest = offer_ids[0], offer_ids[1:]
    assert offered == len(offer_ids) > 1
    with freeze_time(msk(1, 21, 5)):  # a backlog: the send jobs run after 21:00
        run_jobs(app, redis_conn)
    # the wave's first SMS left from the job that planned it, before 21:00; the chunk's job holds the rest
    [message] = db.session.scalars(select(Message)).all()
    assert message.sid and message.worker_id == db.session.get(Offer, first).worker_id
    # one job for the wave's chunk of offers, at the morning
    assert scheduled(redis_conn) == {f"offers-{offer_ids[0]}-{offer_ids[-1]}-morning": MORNING}
    with freeze_time(msk(1, 21, 10)):  # the sweep sees jobs waiting for the morning, not lost ones
        assert sweep.redrive(msk(1, 21, 10)) == 0
    assert Queue("sms", connection=redis_conn).job_ids == []
    with freeze_time(MORNING):
        run_jobs(app, redis_conn)
    db.session.expire_all()
    assert db.session.get(Offer, first).offered_at == msk(1, 20, 59)
    assert all(db.session.get(Offer, offer_id).offered_at == MORNING for offer_id in rest)
    workers = [db.session.get(Offer, offer_id).worker_id for offer_id in offer_ids]
    sent = [m.worker_id for m in db.session.scalars(select(Message).where(Message.worker_id.in_(workers)))]
    assert sorted(sent) == sorted(workers)  # one SMS each: the first was not sent again in the morning


def test_an_urgent_orders_offer_goes_at_night(db, pool):
    order = factories.order(pool.a_site, needed=1, target=1, starts_at=msk(2, 6), urgent=True)
    offer = factories.offer(order, pool.crew[0])
    with freeze_time(msk(1, 23, 30)):
        assert jobs.send_offer(offer.id).startswith("SM")


def test_a_cancellation_at_night_of_a_morning_shift_goes_at_once(db, pool):
    order, _offers = booked_on(pool, msk(2, 9))  # he may leave home at 07:30, before quiet hours end
    with freeze_time(msk(1, 23)):
        message = notices.notify(pool.crew[0], order, "notice", texts.cancelled_text(order, pool.crew[0]))
        db.session.commit()
        assert jobs.send_message(message.id).startswith("SM")


def test_a_notice_of_a_later_shift_waits_for_the_morning(db, pool, redis_conn):
    order, _offers = booked_on(pool, msk(2, 14))  # 14:00: the morning is soon enough
    with freeze_time(msk(1, 23)):
        message = notices.notify(pool.crew[0], order, "notice", texts.cancelled_text(order, pool.crew[0]))
        db.session.commit()
        assert jobs.send_message(message.id) is None
        assert scheduled(redis_conn)[f"message-{message.id}-morning"] == MORNING
    with freeze_time(MORNING):
        assert jobs.send_message(message.id).startswith("SM")


def test_an_evening_reminder_late_into_quiet_hours_is_withdrawn_and_the_last_call_asks_instead(db, pool):
    order, offers = booked_on(pool, msk(2, 9), states=("booked", "booked", "waitlisted"))
    with freeze_time(msk(1, 18, 1)):
        sweep.sweep()
    [late] = outgoing(db, pool.crew[0], "reminder")
    with freeze_time(msk(1, 21, 5)):  # its job ran only after 21:00: "tomorrow" would wake him
        assert jobs.send_message(late.id) is None
    [late] = outgoing(db, pool.crew[0], "reminder")
    assert late.status == "cancelled" and late.sid is None
    db.session.refresh(offers[0])
    assert offers[0].confirm_by is None  # not asked, so not bound to answer by the last call
    last_call = msk(2, 7)
    with freeze_time(last_call):
        sweep.sweep()
    db.session.refresh(offers[0])
    assert offers[0].state == "booked" and offers[0].confirm_by == last_call + timedelta(minutes=30)
    assert "Reply 1 4821 within 30 min" in outgoing(db, pool.crew[0], "reminder")[-1].body


def test_the_last_call_in_quiet_hours_goes_only_to_a_worker_who_must_still_answer(db, pool):
    order, offers = booked_on(pool, msk(2, 8, 30), states=("booked", "confirmed"))  # the last call is at 06:30
    with freeze_time(msk(2, 6, 30)):
        sweep.sweep()
    [ask] = outgoing(db, pool.crew[0], "reminder")
    [see_you] = outgoing(db, pool.crew[1], "reminder")
    with freeze_time(msk(2, 6, 31)):
        assert jobs.send_message(ask.id).startswith("SM")  # his place depends on his "1"
        assert jobs.send_message(see_you.id) is None  # "see you today" can wait for no one
    assert outgoing(db, pool.crew[1], "reminder")[0].status == "cancelled"


def test_a_reminder_taken_up_after_the_shift_began_is_not_sent(db, pool):
    order, _offers = booked_on(pool, msk(2, 14))
    with freeze_time(msk(2, 12)):
        sweep.sweep()
    [last_call] = outgoing(db, pool.crew[0], "reminder")
    with freeze_time(msk(2, 14, 5)):  # its job was lost, and the sweep took it up too late
        assert jobs.send_message(last_call.id) is None
    assert outgoing(db, pool.crew[0], "reminder")[0].status == "cancelled"


def test_a_dispatchers_answer_goes_at_night(db, pool):
    with freeze_time(msk(1, 23, 40)):
        answer = notices.notify(pool.crew[0], None, "manual", "Yes, the gate is on the left.")
        db.session.commit()
        assert jobs.send_message(answer.id).startswith("SM")


def test_a_promotion_at_night_waits_for_the_morning_and_so_does_his_window(client, db, pool, redis_conn):
    order, offers = booked_on(pool, msk(2, 14), states=("booked", "waitlisted"))
    with freeze_time(msk(1, 23)):
        send(client, pool.crew[0].phone, "DROP 4821")
        db.session.refresh(offers[1])
        assert offers[1].state == "booked" and offers[1].confirm_by == MORNING + timedelta(minutes=30)
        [told] = outgoing(db, pool.crew[1], "notice")
        assert jobs.send_message(told.id) is None
        assert scheduled(redis_conn)[f"message-{told.id}-morning"] == MORNING
