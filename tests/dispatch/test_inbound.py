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
            written.append("INSERT" if "INSERT INTO message" in statement else statement.split(" ", 1)[0])

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


def _replies_written(db, network, code, phones, starts_at, statements):
    """Offer order `code` to a worker per phone (two places), have each answer YES; return what was written, with
    ids and times left out: the offers, the order, the stored replies and the audit entries of offers and order."""
    from core.models import AuditEntry

    o = factories.order(network.a_site, needed=1, target=2, code=code, starts_at=starts_at)
    workers = [factories.worker(network.moscow, language="en", phone=phone) for phone in phones]
    offers = [factories.offer(o, w) for w in workers]

    def log(_conn, _cursor, statement, *_args):
        if not statement.startswith("SELECT"):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", log)
    try:
        for phone in phones:
            send(client_of(db), phone, f"YES {code}")
    finally:
        event.remove(db.engine, "before_cursor_execute", log)
    db.session.expire_all()
    rows = [(f.state, f.answered_at is not None, f.booked_at is not None, f.reliability, f.reminder_stage,
             f.updated_at > f.created_at) for f in (db.session.get(Offer, f.id) for f in offers)]
    messages = [(m.direction, phones.index(m.phone), m.body.replace(code, "#"), m.answer.replace(code, "#"), m.status,
                 m.kind, m.needs_attention, m.order_id == o.id, m.franchise_id, m.region_id,
                 m.worker_id in {w.id for w in workers}, m.created_at is not None)
                for m in db.session.scalars(select(Message).where(Message.order_id == o.id).order_by(Message.id))]
    ids = {("offer", f.id): f"offer{i}" for i, f in enumerate(offers)} | {("order", o.id): "order"}
    logged = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "update").order_by(AuditEntry.id))
    entries = sorted(((e.action, e.table_name, ids[(e.table_name, e.row_id)], e.franchise_id, e.actor_label, e.ip,
                       {key: [v if not key.endswith("_at") or v is None else "a time" for v in pair]
                        for key, pair in e.changes.items()})
                      for e in logged if (e.table_name, e.row_id) in ids), key=str)  # a reply's entries: no set order
    return rows, db.session.get(Order, o.id).status, messages, entries


def client_of(db):
    from flask import current_app

    return current_app.test_client()


def test_a_reply_writes_in_one_statement_what_the_flush_would_have(db, network, monkeypatch):
    """Booked, booked and filling the order, waitlisted: each reply's offer, its audit entry (and the order's) and the
    stored message go in one statement, and what lands is what the ORM's flush writes, column for column; what the
    replies read in one round trip (dispatch.yes_read) decides as the ordinary reads do."""
    from core import writes
    from core.timeutil import utcnow
    from dispatch import yes_read

    starts_at = utcnow() + timedelta(days=3)
    statements, pipelined = [], []
    real_read = yes_read.read
    monkeypatch.setattr(yes_read, "read", lambda *args: pipelined.append(real_read(*args)) or pipelined[-1])
    together = _replies_written(db, network, "6101", [f"+7916000020{i}" for i in range(3)], starts_at, statements)
    assert len(pipelined) == 3 and all(known and known.places[0] is not None for known in pipelined)
    assert len(statements) == 3 and all("INSERT INTO message" in s for s in statements)  # nothing else written
    assert "UPDATE offer" in statements[0] and "INSERT INTO audit_entry" in statements[0]
    assert statements[1].count("UPDATE") == 2  # the offer booked and the order filled by it
    monkeypatch.setattr(writes, "write_together", lambda *_args, **_options: False)
    by_flush = _replies_written(db, network, "6102", [f"+7916000030{i}" for i in range(3)], starts_at, [])
    assert [s for s, *_rest in together[0]] == ["booked", "booked", "waitlisted"] and together[1] == "filled"
    assert len(together[3]) == 4  # three offers and the order, each logged once
    assert together == by_flush
    monkeypatch.setattr(yes_read, "read", lambda *_args: None)
    ordinary = _replies_written(db, network, "6103", [f"+7916000040{i}" for i in range(3)], starts_at, [])
    assert together == ordinary
