"""Signed replies at /sms/inbound: booking, waitlist, withdrawal, opt-out, idempotency, forgeries."""
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from dispatch.models import Message, Offer
from orders.models import Order
from tests import factories
from tests.dispatch.sms import reply_form, send, signed
from workers.models import Worker


@pytest.fixture
def order(db, network):
    """Order 4821 needs 2 workers and books 3; five workers have the offer."""
    o = factories.order(network.a_site, needed=2, target=3, code="4821")
    o.workers = [factories.worker(network.moscow, language="en", phone=f"+7916000000{i}") for i in range(5)]
    for w in o.workers:
        factories.offer(o, w)
    return o


def state(db, order, worker):
    db.session.expire_all()
    return db.session.scalar(select(Offer.state).where(Offer.order_id == order.id, Offer.worker_id == worker.id))


def test_yes_books_and_answers_in_twiml(client, db, order):
    response = send(client, order.workers[0].phone, "yes")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    assert "<Message>You are booked for order 4821." in response.get_data(as_text=True)
    assert state(db, order, order.workers[0]) == "booked"
    stored = db.session.scalar(select(Message))
    assert (stored.direction, stored.order_id, stored.worker_id) == ("in", order.id, order.workers[0].id)


def test_the_booking_answer_says_when_the_reminder_comes(client, db, network):
    from core.timeutil import utcnow

    later = factories.order(network.a_site, needed=1, target=1, code="5001", starts_at=utcnow() + timedelta(days=3))
    soon = factories.order(network.a_site, needed=1, target=1, code="5002", starts_at=utcnow() + timedelta(hours=3))
    for o, phone in ((later, "+79160000101"), (soon, "+79160000102")):
        factories.offer(o, factories.worker(network.moscow, language="en", phone=phone))
    assert "We will remind you the day before." in send(client, "+79160000101", "YES").get_data(as_text=True)
    # Too late for the evening reminder: the last call before the start is the one he gets.
    assert "We will remind you before the start." in send(client, "+79160000102", "YES").get_data(as_text=True)


def test_the_phone_is_recognised_however_twilio_formats_it(client, db, order):
    send(client, "8 (916) 000-00-01", "Да")
    assert state(db, order, order.workers[1]) == "booked"


def test_a_full_order_waitlists_in_order_of_answer(client, db, order):
    for w in order.workers[:3]:
        send(client, w.phone, "YES")
    assert db.session.get(Order, order.id).status == "filled"
    fourth = send(client, order.workers[3].phone, "YES 4821").get_data(as_text=True)
    fifth = send(client, order.workers[4].phone, "y").get_data(as_text=True)
    assert "#1 on the waitlist" in fourth and "#2 on the waitlist" in fifth
    assert state(db, order, order.workers[3]) == "waitlisted"


def test_drop_frees_the_place_for_the_first_on_the_waitlist(client, db, order):
    for w in order.workers[:4]:
        send(client, w.phone, "YES")
    answer = send(client, order.workers[1].phone, "DROP 4821").get_data(as_text=True)
    assert "withdrawn from order 4821" in answer
    assert state(db, order, order.workers[1]) == "dropped"
    assert state(db, order, order.workers[3]) == "booked"
    assert db.session.get(Order, order.id).status == "filled"


def test_no_declines(client, db, order):
    assert "decline order 4821" in send(client, order.workers[0].phone, "NO").get_data(as_text=True)
    assert state(db, order, order.workers[0]) == "declined"


def test_a_repeated_message_sid_is_answered_the_same_and_acted_on_once(client, db, order):
    form = reply_form(order.workers[0].phone, "YES", sid="SMrepeat")
    first = client.post("/sms/inbound", data=form, headers=signed(form)).get_data(as_text=True)
    again = client.post("/sms/inbound", data=form, headers=signed(form)).get_data(as_text=True)
    assert first == again and "You are booked" in again
    assert db.session.scalar(select(func.count()).select_from(Message)) == 1
    # The repeat acted before its INSERT failed (a YES from a booked worker confirms): all of it was rolled back.
    assert state(db, order, order.workers[0]) == "booked"


def test_a_reply_is_written_once_with_its_answer_and_order(client, db, order):
    written = []

    def log(_conn, _cursor, statement, *_args):
        if " message " in f" {statement} " and not statement.startswith("SELECT"):
            written.append(statement.split(" ", 1)[0])

    event.listen(db.engine, "before_cursor_execute", log)
    try:
        answer = send(client, order.workers[0].phone, "YES 4821").get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", log)
    assert written == ["INSERT"]  # no INSERT first and UPDATE with the answer after
    stored = db.session.scalar(select(Message))
    assert stored.answer in answer and (stored.order_id, stored.franchise_id) == (order.id, order.franchise_id)


@pytest.mark.parametrize("headers", [{}, {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}])
def test_unsigned_or_forged_requests_are_refused_and_change_nothing(client, db, order, headers):
    form = reply_form(order.workers[0].phone, "YES")
    assert client.post("/sms/inbound", data=form, headers=headers).status_code == 403
    assert state(db, order, order.workers[0]) == "offered"
    assert db.session.scalar(select(func.count()).select_from(Message)) == 0


def test_a_signature_for_other_parameters_is_refused(client, db, order):
    form = reply_form(order.workers[0].phone, "NO")
    headers = signed(form)
    form["Body"] = "YES"  # tampered after signing
    assert client.post("/sms/inbound", data=form, headers=headers).status_code == 403
    assert state(db, order, order.workers[0]) == "offered"


def test_stop_opts_out_with_empty_twiml_and_start_opts_back_in(client, db, order):
    worker = order.workers[0]
    response = send(client, worker.phone, "STOP")
    assert response.status_code == 200 and "<Message>" not in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Worker, worker.id).opted_out is True
    send(client, worker.phone, "START")
    db.session.expire_all()
    assert db.session.get(Worker, worker.id).opted_out is False


def test_stop_with_a_code_is_not_an_opt_out(client, db, order):
    send(client, order.workers[0].phone, "STOP 4821")
    assert db.session.get(Worker, order.workers[0].id).opted_out is False


def test_several_open_offers_need_the_code(client, db, network, order):
    other = factories.order(network.a_site, needed=1, target=1, code="5555", starts_at=order.starts_at + timedelta(days=1))
    factories.offer(other, order.workers[0])
    answer = send(client, order.workers[0].phone, "YES").get_data(as_text=True)
    assert "several offers" in answer
    assert state(db, order, order.workers[0]) == "offered"
    send(client, order.workers[0].phone, "YES 5555")
    assert state(db, other, order.workers[0]) == "booked"


def test_a_worker_is_never_booked_on_two_overlapping_shifts(client, db, network, order):
    overlapping = factories.order(network.a_site, needed=1, target=1, code="6666", starts_at=order.starts_at + timedelta(hours=2))
    factories.offer(overlapping, order.workers[0])
    send(client, order.workers[0].phone, "YES 4821")
    answer = send(client, order.workers[0].phone, "YES 6666").get_data(as_text=True)
    assert "already have a shift" in answer
    assert state(db, overlapping, order.workers[0]) == "offered"


def test_strangers_and_free_text_get_a_hint(client, db, order):
    assert "нет в нашей базе" in send(client, "+79990000000", "YES").get_data(as_text=True)  # unknown: Russian
    answer = send(client, order.workers[0].phone, "Can I bring my brother?").get_data(as_text=True)
    assert "did not understand" in answer
    assert db.session.scalar(select(Message).where(Message.body == "Can I bring my brother?")).order_id is None


def test_russian_workers_are_answered_in_russian(client, db, network, order):
    worker = order.workers[0]
    worker.language = "ru"
    db.session.commit()
    assert "Вы записаны на заказ 4821" in send(client, worker.phone, "да").get_data(as_text=True)


def test_missing_fields_are_a_400(client, db, order):
    form = {"Body": "YES"}
    assert client.post("/sms/inbound", data=form, headers=signed(form)).status_code == 400


def test_the_worker_card_shows_his_shifts_and_messages(client, auth, db, network, order):
    send(client, order.workers[0].phone, "YES")
    auth.login(network.a_dispatcher.email)
    page = client.get(f"/workers/{order.workers[0].id}").get_data(as_text=True)
    shifts = page.split('data-testid="shift-history"')[1].split("</table>")[0]
    messages = page.split('data-testid="messages"')[1].split("</ol>")[0]
    assert "4821" in shifts and "booked" in shifts
    assert "YES" in messages
