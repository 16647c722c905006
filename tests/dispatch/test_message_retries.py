"""Stored outgoing messages under faults: taken up again by the sweep, a bounded number of times,
never sent twice, and at the end "failed" with an alert the dispatcher sees."""
from datetime import datetime, timedelta, timezone

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from core import outbox
from core.timeutil import utcnow
from dispatch import jobs, notices, promises, sweep, texts
from dispatch.models import Alert, Message
from tests import factories
from tests.dispatch.rq_process import run_jobs
from tests.dispatch.sms import signed

NOW = datetime(2026, 12, 1, 10, tzinfo=timezone.utc)  # 13:00 in Moscow
START = datetime(2026, 12, 2, 6, tzinfo=timezone.utc)  # 09:00 in Moscow tomorrow
SENDS_PER_TAKE_UP = 1 + len(promises.MESSAGE_RETRY)
EVERY_SEND = 1 + notices.MESSAGE_TAKE_UPS * SENDS_PER_TAKE_UP  # the outbox's job, then each take-up with its retries


@pytest.fixture
def clock():
    with freeze_time(NOW) as frozen:
        yield frozen


@pytest.fixture
def booked(db, network, clock):
    order = factories.order(network.a_site, needed=1, target=1, code="4821", starts_at=START, status="filled")
    worker = factories.worker(network.moscow, language="en", phone="+79161112233")
    factories.offer(order, worker, state="booked", booked_at=NOW)
    return order, worker


def cancellation(db, order, worker) -> int:
    """Store the cancellation notice and hand its outbox row to the queue, as the web process does."""
    message = notices.notify(worker, order, "notice", texts.cancelled_text(order, worker))
    db.session.commit()
    outbox.relay()
    return message.id


def fresh(db, message_id) -> Message:
    db.session.expire_all()
    return db.session.get(Message, message_id)


def sweep_rounds(app, redis_conn, clock, rounds: int) -> None:
    """Let time pass as the sweep and the RQ worker see it: three minutes, the redrive, every job due."""
    for _ in range(rounds):
        clock.tick(timedelta(minutes=3))
        sweep.redrive(utcnow())
        run_jobs(app, redis_conn)


def test_a_notice_a_twilio_500_left_sending_is_taken_up_and_sent_once(app, db, twilio, redis_conn, booked, clock):
    message_id = cancellation(db, *booked)
    twilio.plan = ["500"]
    run_jobs(app, redis_conn)  # the outbox's job: Twilio answers 500, the job fails
    assert fresh(db, message_id).status == "sending" and fresh(db, message_id).sid is None
    clock.tick(timedelta(minutes=3))
    assert sweep.redrive(utcnow()) == 1
    run_jobs(app, redis_conn)
    message = fresh(db, message_id)
    assert message.sid == twilio.stored[0]["sid"] and len(twilio.stored) == 1 and len(twilio.creates) == 2
    clock.tick(timedelta(minutes=3))
    assert sweep.redrive(utcnow()) == 0  # sent: nothing is taken up again
    assert db.session.scalars(select(Alert)).all() == []


def test_with_twilio_down_a_notice_is_tried_a_bounded_number_of_times_then_fails_with_an_alert(
        app, client, auth, db, network, twilio, redis_conn, booked, clock):
    order, worker = booked
    message_id = cancellation(db, order, worker)
    twilio.plan = ["500"] * 50
    run_jobs(app, redis_conn)
    sweep_rounds(app, redis_conn, clock, 10)
    message = fresh(db, message_id)
    assert message.status == "failed" and message.sid is None
    assert len(twilio.creates) == EVERY_SEND and twilio.stored == []
    [alert] = db.session.scalars(select(Alert)).all()
    assert (alert.kind, alert.message_id, alert.order_id, alert.franchise_id, alert.detail) == (
        "send_failed", message_id, order.id, order.franchise_id, "notice")
    sweep_rounds(app, redis_conn, clock, 3)
    assert len(twilio.creates) == EVERY_SEND and len(db.session.scalars(select(Alert)).all()) == 1

    auth.login(network.a_dispatcher.email)
    inbox = client.get("/dispatch/inbox").get_data(as_text=True)
    assert "An SMS could not be sent: phone the worker." in inbox
    assert worker.full_name in inbox and "is cancelled: do not come" in inbox and "Order 4821" in inbox
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert 'data-testid="alert-send_failed"' in page and f'data-testid="alert-message-{message_id}"' in page
    network.a_dispatcher.locale = "ru"
    db.session.commit()
    assert "SMS не удалось отправить: позвоните рабочему." in client.get(
        f"/orders/{order.id}").get_data(as_text=True)
    auth.logout()
    auth.login(network.b_dispatcher.email)  # another franchise sees nothing of it
    assert "is cancelled: do not come" not in client.get("/dispatch/inbox").get_data(as_text=True)


def test_the_last_take_up_finds_what_twilio_kept_and_sends_nothing_more(app, db, twilio, redis_conn, booked, clock):
    message_id = cancellation(db, *booked)
    twilio.plan = ["500"] * (EVERY_SEND - 1) + ["500-kept"]  # the last send reached Twilio after all
    run_jobs(app, redis_conn)
    sweep_rounds(app, redis_conn, clock, 10)
    message = fresh(db, message_id)
    assert message.sid == twilio.stored[0]["sid"] and message.status == "sent"
    assert len(twilio.stored) == 1 and len(twilio.creates) == EVERY_SEND
    assert db.session.scalars(select(Alert)).all() == []


def test_a_notice_refused_for_good_fails_at_once_with_an_alert(app, db, twilio, redis_conn, booked):
    message_id = cancellation(db, *booked)
    twilio.plan = [21211]  # not a mobile number
    assert jobs.send_message(message_id) is None
    message = fresh(db, message_id)
    assert (message.status, message.error_code) == ("failed", 21211)
    assert [a.message_id for a in db.session.scalars(select(Alert).where(Alert.kind == "send_failed"))] == [message_id]


def test_a_message_waiting_for_the_relay_or_in_a_queue_is_not_taken_up(app, db, twilio, redis_conn, booked, clock):
    order, worker = booked
    message = notices.notify(worker, order, "notice", texts.cancelled_text(order, worker))
    db.session.commit()  # Redis was down: the outbox row waits for the relay
    clock.tick(timedelta(minutes=3))
    assert sweep.redrive(utcnow()) == 0
    outbox.relay()  # a backlog: its job waits in the queue
    clock.tick(timedelta(minutes=3))
    assert sweep.redrive(utcnow()) == 0
    assert fresh(db, message.id).attempts == 0
    run_jobs(app, redis_conn)
    assert fresh(db, message.id).sid and len(twilio.creates) == 1


def test_a_notice_the_carrier_could_not_deliver_alerts_the_dispatcher(app, client, db, twilio, booked):
    message_id = cancellation(db, *booked)
    sid = jobs.send_message(message_id)
    form = {"MessageSid": sid, "MessageStatus": "undelivered", "AccountSid": "AC" + "1" * 32, "ErrorCode": "30003"}
    assert client.post("/sms/status", data=form, headers=signed(form, "http://artel.test/sms/status")).status_code == 204
    [alert] = db.session.scalars(select(Alert)).all()
    assert (alert.kind, alert.message_id) == ("send_failed", message_id)


def test_a_dispatchers_answer_about_no_order_that_fails_alerts_head_office(app, client, auth, db, network, twilio,
                                                                           clock):
    worker = factories.worker(network.moscow, language="en", phone="+79161114455")
    answer = notices.notify(worker, None, "manual", "Call the office, please.")
    db.session.commit()
    twilio.plan = [21211]
    assert jobs.send_message(answer.id) is None
    [alert] = db.session.scalars(select(Alert)).all()
    assert (alert.kind, alert.order_id, alert.franchise_id) == ("send_failed", None, None)
    auth.login(network.admin.email)
    inbox = client.get("/dispatch/inbox").get_data(as_text=True)
    assert "Call the office, please." in inbox and "An SMS could not be sent" in inbox
