"""Before the shift: reminders, "1" to confirm, unconfirmed places to the waitlist, the short alert."""
from datetime import datetime, timedelta, timezone

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from core.models import Outbox
from dispatch import jobs, reminders
from dispatch.models import Alert, Message
from tests import factories
from tests.dispatch.sms import send

START = datetime(2026, 12, 2, 6, tzinfo=timezone.utc)  # 09:00 in Moscow
EVENING = datetime(2026, 12, 1, 15, 1, tzinfo=timezone.utc)  # 18:01 the day before, Moscow
LAST_CALL = START - timedelta(hours=2)


@pytest.fixture
def shift(db, network):
    order = factories.order(network.a_site, needed=2, target=3, code="4821", starts_at=START, status="filled")
    crew = [factories.worker(network.moscow, language="en", phone=f"+7916{i:07d}") for i in range(4)]
    offers = [factories.offer(order, w, state="booked", booked_at=START - timedelta(days=2)) for w in crew[:3]]
    waiting = factories.offer(order, crew[3], state="waitlisted", answered_at=START - timedelta(days=2))
    return order, crew, offers, waiting


def sent_to(db, worker, kind=None):
    stmt = select(Message).where(Message.worker_id == worker.id, Message.direction == "out").order_by(Message.id)
    if kind:
        stmt = stmt.where(Message.kind == kind)
    return list(db.session.scalars(stmt))


def test_nothing_is_sent_before_the_evening_before(db, shift):
    order, crew, _offers, _waiting = shift
    assert reminders.sweep(EVENING - timedelta(hours=1)) == 0
    assert sent_to(db, crew[0]) == []


def test_the_evening_reminder_asks_to_confirm_once(db, shift):
    order, crew, offers, _waiting = shift
    assert reminders.sweep(EVENING) == 3
    assert reminders.sweep(EVENING + timedelta(minutes=5)) == 0  # a repeated sweep sends nothing again
    [message] = sent_to(db, crew[0], "reminder")
    assert message.body.startswith("Reminder: tomorrow 09:00, order 4821") and "Reply 1 4821" in message.body
    assert message.status == "queued" and message.order_id == order.id
    db.session.refresh(offers[0])
    assert (offers[0].reminder_stage, offers[0].confirm_by) == (1, LAST_CALL)
    promised = db.session.scalars(select(Outbox).where(Outbox.job == "dispatch.jobs.send_message")).all()
    assert sorted(row.args[0] for row in promised) == sorted(m.id for w in crew[:3] for m in sent_to(db, w))


def test_too_late_for_the_evening_the_last_call_is_the_only_reminder(db, shift):
    order, crew, offers, _waiting = shift
    assert reminders.sweep(EVENING.replace(hour=18, minute=30)) == 0  # 21:30 in Moscow: quiet hours
    assert reminders.sweep(START - timedelta(hours=2, minutes=30)) == 0  # 06:30 on the day: no "tomorrow"
    assert sent_to(db, crew[0]) == []
    assert reminders.sweep(LAST_CALL) == 3
    [message] = sent_to(db, crew[0], "reminder")
    assert message.body.startswith("Today 09:00, order 4821") and "Reply 1 4821 within 30 min" in message.body


def test_one_confirms_and_the_reminder_is_sent_through_the_gateway_once(app, client, db, shift):
    order, crew, offers, _waiting = shift
    reminders.sweep(EVENING)
    [message] = sent_to(db, crew[0], "reminder")
    assert jobs.send_message(message.id).startswith("SM")
    assert jobs.send_message(message.id) == message.sid  # a second run of the job sends nothing
    response = send(client, crew[0].phone, " 1 ")
    assert "you are confirmed for order 4821" in response.get_data(as_text=True)
    db.session.refresh(offers[0])
    assert offers[0].state == "confirmed" and offers[0].confirm_by is None


def test_at_the_last_call_an_unconfirmed_place_goes_to_the_waitlist(client, db, shift):
    order, crew, offers, waiting = shift
    reminders.sweep(EVENING)
    send(client, crew[0].phone, "1")
    reminders.sweep(LAST_CALL + timedelta(seconds=1))
    for offer in (*offers, waiting):
        db.session.refresh(offer)
    assert offers[0].state == "confirmed"
    assert [offers[1].state, offers[2].state] == ["expired", "booked"]  # the first unconfirmed gives way
    assert waiting.state == "booked" and waiting.confirm_by == LAST_CALL + timedelta(seconds=1, minutes=30)
    assert "you are booked for order 4821" in sent_to(db, crew[3], "notice")[-1].body
    assert "Reply 1 4821 within 30 min" in sent_to(db, crew[3], "notice")[-1].body
    assert "did not confirm order 4821" in sent_to(db, crew[1], "notice")[-1].body
    assert sent_to(db, crew[0], "reminder")[-1].body.startswith("See you today at 09:00")
    # Nobody waits any more: the third unconfirmed worker keeps his place and is asked once more.
    assert offers[2].reminder_stage == 2 and "within 30 min" in sent_to(db, crew[2], "reminder")[-1].body


def test_a_promoted_worker_who_does_not_confirm_loses_the_place_only_to_someone_waiting(db, network, shift):
    order, crew, offers, waiting = shift
    reminders.sweep(EVENING)
    reminders.sweep(LAST_CALL + timedelta(seconds=1))
    db.session.refresh(waiting)
    assert waiting.state == "booked"
    reminders.sweep(waiting.confirm_by + timedelta(seconds=1))
    db.session.refresh(waiting)
    assert waiting.state == "booked" and waiting.confirm_by is None  # nobody else waits: he keeps it


def test_an_order_short_four_hours_before_alerts_once(db, network, shift):
    order, crew, offers, waiting = shift
    for offer in offers[:2]:
        offer.state = "dropped"
    waiting.state = "declined"
    db.session.commit()
    reminders.sweep(START - timedelta(hours=5))
    assert db.session.scalars(select(Alert)).all() == []
    reminders.sweep(START - timedelta(hours=4))
    reminders.sweep(START - timedelta(hours=3))
    [alert] = db.session.scalars(select(Alert)).all()
    assert (alert.kind, alert.detail, alert.order_id, alert.franchise_id) == ("short", "1/2", order.id, order.franchise_id)


def test_stop_stops_every_message_at_once(client, db, shift):
    order, crew, offers, _waiting = shift
    reminders.sweep(EVENING)
    [queued] = sent_to(db, crew[0], "reminder")
    send(client, crew[0].phone, "STOP")
    db.session.expire_all()  # the job runs in a session of its own
    assert jobs.send_message(queued.id) is None  # queued before the STOP, never sent after it
    db.session.refresh(queued)
    assert queued.status == "cancelled" and queued.sid is None
    reminders.sweep(LAST_CALL + timedelta(seconds=1))
    assert len(sent_to(db, crew[0])) == 1  # and nothing new is written to him


def test_at_the_start_the_order_runs_and_unanswered_offers_expire(db, network, shift):
    order, crew, offers, waiting = shift
    late = factories.worker(network.moscow, phone="+79160000099")
    unanswered = factories.offer(order, late)
    reminders.sweep(START + timedelta(minutes=1))
    db.session.refresh(order)
    db.session.refresh(unanswered)
    db.session.refresh(waiting)
    assert order.status == "in_progress" and unanswered.state == "expired" and waiting.state == "expired"


def test_drop_promotes_and_tells_the_promoted_worker(client, db, shift):
    order, crew, offers, waiting = shift
    with freeze_time(EVENING + timedelta(hours=1)):  # reminders have begun: he must confirm too
        response = send(client, crew[1].phone, "DROP 4821")
    assert "withdrawn from order 4821" in response.get_data(as_text=True)
    db.session.refresh(waiting)
    assert waiting.state == "booked" and waiting.confirm_by is not None
    assert "Reply 1 4821" in sent_to(db, crew[3], "notice")[-1].body
