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
