"""Before the shift: reminders, "1" to confirm, unconfirmed places to the waitlist, the short alert."""
from datetime import datetime, timedelta, timezone

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from core import service as core_service
from core.models import Outbox
from dispatch import jobs, sweep
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
    assert sweep.sweep(EVENING - timedelta(hours=1)) == 0
    assert sent_to(db, crew[0]) == []


def test_the_evening_reminder_asks_to_confirm_once(db, shift):
    order, crew, offers, _waiting = shift
    assert sweep.sweep(EVENING) == 3
    assert sweep.sweep(EVENING + timedelta(minutes=5)) == 0  # a repeated sweep sends nothing again
    [message] = sent_to(db, crew[0], "reminder")
    assert message.body.startswith("Reminder: tomorrow 09:00, order 4821") and "Reply 1 4821" in message.body
    assert message.status == "queued" and message.order_id == order.id
    db.session.refresh(offers[0])
    assert (offers[0].reminder_stage, offers[0].confirm_by) == (1, LAST_CALL)
    promised = db.session.scalars(select(Outbox).where(Outbox.job == "dispatch.jobs.send_message")).all()
    assert sorted(row.args[0] for row in promised) == sorted(m.id for w in crew[:3] for m in sent_to(db, w))


def test_too_late_for_the_evening_the_last_call_is_the_only_reminder(db, shift):
    order, crew, offers, _waiting = shift
    assert sweep.sweep(EVENING.replace(hour=18, minute=30)) == 0  # 21:30 in Moscow: quiet hours
    assert sweep.sweep(START - timedelta(hours=2, minutes=30)) == 0  # 06:30 on the day: no "tomorrow"
    assert sent_to(db, crew[0]) == []
    assert sweep.sweep(LAST_CALL) == 3
    [message] = sent_to(db, crew[0], "reminder")
    assert message.body.startswith("Today 09:00, order 4821") and "Reply 1 4821 within 30 min" in message.body


def test_one_confirms_and_the_reminder_is_sent_through_the_gateway_once(app, client, db, shift):
    order, crew, offers, _waiting = shift
    with freeze_time(EVENING):
        sweep.sweep()
    [message] = sent_to(db, crew[0], "reminder")
    with freeze_time(EVENING + timedelta(minutes=1)):  # the job runs that evening
        assert jobs.send_message(message.id).startswith("SM")
        assert jobs.send_message(message.id) == message.sid  # a second run of the job sends nothing
    response = send(client, crew[0].phone, " 1 ")
    assert "you are confirmed for order 4821" in response.get_data(as_text=True)
    db.session.refresh(offers[0])
    assert offers[0].state == "confirmed" and offers[0].confirm_by is None


def test_at_the_last_call_an_unconfirmed_place_goes_to_the_waitlist(client, db, shift):
    order, crew, offers, waiting = shift
    sweep.sweep(EVENING)
    send(client, crew[0].phone, "1")
    sweep.sweep(LAST_CALL + timedelta(seconds=1))
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
    sweep.sweep(EVENING)
    sweep.sweep(LAST_CALL + timedelta(seconds=1))
    db.session.refresh(waiting)
    assert waiting.state == "booked"
    sweep.sweep(waiting.confirm_by + timedelta(seconds=1))
    db.session.refresh(waiting)
    assert waiting.state == "booked" and waiting.confirm_by is None  # nobody else waits: he keeps it


def test_an_order_short_four_hours_before_alerts_once(db, network, shift):
    order, crew, offers, waiting = shift
    for offer in offers[:2]:
        offer.state = "dropped"
    waiting.state = "declined"
    db.session.commit()
    sweep.sweep(START - timedelta(hours=5))
    assert db.session.scalars(select(Alert)).all() == []
    sweep.sweep(START - timedelta(hours=4))
    sweep.sweep(START - timedelta(hours=3))
    [alert] = db.session.scalars(select(Alert)).all()
    assert (alert.kind, alert.detail, alert.order_id, alert.franchise_id) == ("short", "1/2", order.id, order.franchise_id)


def test_stop_stops_every_message_at_once(client, db, shift):
    order, crew, offers, _waiting = shift
    sweep.sweep(EVENING)
    [queued] = sent_to(db, crew[0], "reminder")
    send(client, crew[0].phone, "STOP")
    db.session.expire_all()  # the job runs in a session of its own
    assert jobs.send_message(queued.id) is None  # queued before the STOP, never sent after it
    db.session.refresh(queued)
    assert queued.status == "cancelled" and queued.sid is None
    sweep.sweep(LAST_CALL + timedelta(seconds=1))
    assert len(sent_to(db, crew[0])) == 1  # and nothing new is written to him


def test_at_the_start_the_order_runs_and_unanswered_offers_expire(db, network, shift):
    order, crew, offers, waiting = shift
    late = factories.worker(network.moscow, phone="+79160000099")
    unanswered = factories.offer(order, late)
    sweep.sweep(START + timedelta(minutes=1))
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


def as_the_rq_worker(app):
    """A session of its own, as the RQ worker has: nothing this test's session holds is seen from it."""
    return app.app_context()


def crew_of(network, order, n, phone_prefix):
    workers = [factories.worker(network.moscow, language="en", phone=f"{phone_prefix}{i:03d}") for i in range(n)]
    for w in workers:
        factories.offer(order, w, state="booked", booked_at=START - timedelta(days=2))
    return workers


def test_a_deleted_site_stops_no_reminder_and_its_text_still_says_where(app, db, network, shift):
    order, crew, _offers, _waiting = shift
    other_site = factories.site(network.a_client, address="Warehouse 7, Lesnaya 3")
    earlier = factories.order(other_site, needed=1, target=1, code="1234", starts_at=START - timedelta(hours=1),
                              status="filled")
    [early_worker] = crew_of(network, earlier, 1, "+7916500")
    core_service.soft_delete(other_site, network.admin)  # the order before the others is the broken one
    with freeze_time(EVENING), as_the_rq_worker(app):
        assert sweep.sweep() == 4
    [reminder] = sent_to(db, early_worker, "reminder")
    assert reminder.body.startswith("Reminder: tomorrow 08:00, order 1234, Warehouse 7, Lesnaya 3")
    assert all(len(sent_to(db, w, "reminder")) == 1 for w in crew[:3])  # the orders after it are reminded too
    assert db.session.scalars(select(Alert)).all() == []


def test_one_broken_order_is_logged_and_alerted_once_and_the_sweep_goes_on(db, network, shift):
    order, crew, _offers, _waiting = shift
    broken_region = factories.region(name="Nowhere", timezone="Mars/Olympus_Mons")  # a zone no one knows
    franchise = factories.franchise(broken_region)
    broken = factories.order(factories.site(factories.client(franchise)), needed=1, target=2, code="1235",
                             starts_at=START - timedelta(hours=1), status="dispatching")  # short: a wave is due
    crew_of(network, broken, 1, "+7916600")
    with freeze_time(EVENING):
        sweep.sweep()
        sweep.sweep(EVENING + timedelta(minutes=1))  # the broken order fails again; the rest is done
    assert all(len(sent_to(db, w, "reminder")) == 1 for w in crew[:3])
    [alert] = db.session.scalars(select(Alert)).all()
    assert (alert.kind, alert.order_id, alert.franchise_id, alert.detail) == (
        "sweep_failed", broken.id, franchise.id, "ZoneInfoNotFoundError")


def test_a_worker_deleted_from_the_pool_still_hears_about_the_shift_he_holds(app, db, network, shift):
    order, crew, _offers, _waiting = shift
    core_service.soft_delete(crew[0], network.admin)
    with freeze_time(EVENING):
        with as_the_rq_worker(app):
            assert sweep.sweep() == 3
        [reminder] = sent_to(db, crew[0], "reminder")
        assert reminder.body.startswith("Reminder: tomorrow 09:00, order 4821")
        with as_the_rq_worker(app):
            assert jobs.send_message(reminder.id).startswith("SM")


def test_a_cancellation_of_an_order_whose_site_was_deleted_still_says_where(client, auth, db, network, shift):
    order, crew, _offers, _waiting = shift
    core_service.soft_delete(network.a_site, network.admin)
    with freeze_time(EVENING):  # signed in that evening too: a session is never older than the clock
        auth.login(network.a_dispatcher.email)
        response = client.post(f"/orders/{order.id}/cancel", data={"reason": "the client cancelled"})
    assert response.status_code == 302
    [notice] = sent_to(db, crew[0], "notice")
    assert notice.body == (f"Order 4821, 02.12 09:00, {network.a_site.address}, is cancelled: do not come. "
                           "We will write when there is other work")
