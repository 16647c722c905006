"""The dispatcher's inbox: texts no rule understood wait there until answered or closed."""
import pytest
from sqlalchemy import select

from dispatch import jobs
from dispatch.models import Message, MessageReader
from tests import factories
from tests.dispatch.sms import send


@pytest.fixture
def desk(client, auth, db, network):
    auth.login(network.a_dispatcher.email)
    network.a_worker.language = "en"
    db.session.commit()
    return network


def test_free_text_waits_in_the_inbox_and_an_answer_goes_back_by_sms(client, db, desk):
    send(client, desk.a_worker.phone, "Can I bring my brother tomorrow?")
    page = client.get("/dispatch/inbox").get_data(as_text=True)
    assert "Can I bring my brother tomorrow?" in page and desk.a_worker.last_name in page
    question = db.session.scalar(select(Message).where(Message.direction == "in"))
    response = client.post(f"/dispatch/inbox/{question.id}", data={"answer": "Yes, if he registers first."})
    assert response.status_code == 302
    answer = db.session.scalar(select(Message).where(Message.direction == "out", Message.kind == "manual"))
    assert (answer.worker_id, answer.body, answer.status) == (desk.a_worker.id, "Yes, if he registers first.", "queued")
    assert jobs.send_message(answer.id).startswith("SM")
    reader = db.session.scalar(select(MessageReader).where(MessageReader.message_id == question.id))
    assert reader.handled_at is not None and reader.handled_by_id == desk.a_dispatcher.id
    assert "Can I bring my brother" not in client.get("/dispatch/inbox").get_data(as_text=True)
    assert "Can I bring my brother" in client.get("/dispatch/inbox?all=1").get_data(as_text=True)


def test_understood_replies_never_reach_the_inbox(client, db, desk):
    send(client, desk.a_worker.phone, "YES")
    send(client, desk.a_worker.phone, "HELP")
    assert db.session.scalars(select(Message).where(Message.needs_attention.is_(True))).all() == []


def test_a_stranger_can_be_closed_but_not_answered(client, db, desk, auth):
    auth.logout()
    auth.login(desk.admin.email)  # a stranger has no region: head office sees him
    send(client, "+79990001122", "I want to work for you")
    stranger = db.session.scalar(select(Message).where(Message.direction == "in"))
    assert "Unknown number" in client.get("/dispatch/inbox").get_data(as_text=True)
    response = client.post(f"/dispatch/inbox/{stranger.id}", data={"answer": "Welcome"})
    assert response.status_code == 400 and "call him back" in response.get_data(as_text=True)
    assert client.post(f"/dispatch/inbox/{stranger.id}", data={"answer": ""}).status_code == 302
    assert db.session.scalars(select(Message).where(Message.direction == "out")).all() == []


def test_an_answer_too_long_or_to_a_worker_who_said_stop_is_refused(client, db, desk):
    send(client, desk.a_worker.phone, "what time?")
    question = db.session.scalar(select(Message).where(Message.direction == "in"))
    assert client.post(f"/dispatch/inbox/{question.id}", data={"answer": "x" * 321}).status_code == 400
    send(client, desk.a_worker.phone, "STOP")
    response = client.post(f"/dispatch/inbox/{question.id}", data={"answer": "at nine"})
    assert response.status_code == 400 and "replied STOP" in response.get_data(as_text=True)
    assert db.session.scalars(select(Message).where(Message.direction == "out")).all() == []
    assert db.session.scalar(select(MessageReader.handled_at).where(MessageReader.message_id == question.id)) is None


def test_the_order_is_filled_at_its_target_not_one_before(client, db, desk):
    order = factories.order(desk.a_site, needed=2, target=3, code="4821")
    crew = [factories.worker(desk.moscow, language="en", phone=f"+7918{i:07d}") for i in range(3)]
    for worker in crew:
        factories.offer(order, worker)
    for count, worker in enumerate(crew, 1):
        send(client, worker.phone, "YES")
        db.session.refresh(order)
        assert order.status == ("filled" if count == 3 else "dispatching")


DAY = "2026-12-01 09:00:00"  # the day before the factories' shift


@pytest.fixture
def asked(db, city):
    """One worker of the shared Moscow pool asked by A and by B; his question lands in both inboxes."""
    worker = factories.worker(city.moscow, language="en", phone="+79161234567", last_name="Asked")
    a_order = factories.order(city.a_site, needed=1, target=2, code="4107")
    b_order = factories.order(city.b_site, needed=1, target=2, code="5208")
    for order in (a_order, b_order):
        factories.offer(order, worker)
    return worker, a_order, b_order


def _question(db):
    return db.session.scalar(select(Message).where(Message.direction == "in"))


@pytest.mark.parametrize("action,state", [("book", "booked"), ("decline", "declined")])
def test_the_inbox_says_which_order_a_text_is_about_and_answers_it_in_one_tap(client, auth, db, city, asked, action, state):
    from freezegun import freeze_time

    from dispatch.models import Offer

    worker, a_order, b_order = asked
    with freeze_time(DAY):
        send(client, worker.phone, "what is the pay there?")
        auth.login(city.a_dispatcher.email)
        page = client.get("/dispatch/inbox").get_data(as_text=True)
        question = _question(db)
        assert f'data-testid="{action}-{question.id}-4107"' in page and "5208" not in page  # B's order is B's
        response = client.post(f"/dispatch/inbox/{question.id}/orders/{a_order.id}/{action}")
        assert response.status_code == 302
        offers = {o.order_id: o.state for o in db.session.scalars(select(Offer).where(Offer.worker_id == worker.id))}
        assert offers == {a_order.id: state, b_order.id: "offered"}
        assert "what is the pay there?" not in client.get("/dispatch/inbox").get_data(as_text=True)
        auth.logout()
        auth.login(city.b_dispatcher.email)  # B's copy of the text still waits for B
        page = client.get("/dispatch/inbox").get_data(as_text=True)
        assert "what is the pay there?" in page and f'data-testid="book-{question.id}-5208"' in page


def test_another_franchises_order_cannot_be_answered_from_the_inbox(client, auth, db, city, asked):
    from freezegun import freeze_time

    from dispatch.models import Offer

    worker, a_order, _b_order = asked
    with freeze_time(DAY):
        send(client, worker.phone, "what is the pay there?")
        auth.login(city.b_dispatcher.email)
        assert client.post(f"/dispatch/inbox/{_question(db).id}/orders/{a_order.id}/book").status_code == 404
    assert db.session.scalar(select(Offer.state).where(Offer.order_id == a_order.id)) == "offered"


def test_a_closed_offer_cannot_be_declined_and_the_text_stays(client, auth, db, city, asked):
    from freezegun import freeze_time

    from dispatch.models import Offer

    worker, a_order, _b_order = asked
    with freeze_time(DAY):
        send(client, worker.phone, "what is the pay there?")
        offer = db.session.scalar(select(Offer).where(Offer.order_id == a_order.id))
        offer.state = "expired"
        db.session.commit()
        auth.login(city.a_dispatcher.email)
        response = client.post(f"/dispatch/inbox/{_question(db).id}/orders/{a_order.id}/decline")
        assert response.status_code == 409 and "The offer is closed" in response.get_data(as_text=True)
        assert "what is the pay there?" in client.get("/dispatch/inbox").get_data(as_text=True)


def test_the_workers_card_shows_artels_automatic_answers_in_his_thread(client, db, desk):
    send(client, desk.a_worker.phone, "HELP")
    question = _question(db)
    assert question.answer and "reply YES" in question.answer
    page = client.get(f"/workers/{desk.a_worker.id}").get_data(as_text=True)
    assert f'data-testid="auto-answer-{question.id}"' in page and "reply YES" in page
