"""A branch's own SMS sender: its offers go out from it, and a reply to it is the branch's (A and B in one city)."""
import pytest
from freezegun import freeze_time
from sqlalchemy import select

from dispatch import jobs
from dispatch.models import Message, MessageReader, Offer
from extensions import db as _db
from tests import factories
from tests.dispatch.sms import reply_form, signed

A_NUMBER = "+74950001122"
B_SERVICE = "MG" + "b" * 32


@pytest.fixture(autouse=True)
def afternoon():
    with freeze_time("2026-12-01 10:00:00"):
        yield


@pytest.fixture
def senders(db, city):
    city.a.sms_sender, city.b.sms_sender = A_NUMBER, B_SERVICE
    _db.session.commit()
    return city


def test_each_branchs_offer_goes_out_from_its_own_sender(db, twilio, senders):
    a_offer = factories.offer(factories.order(senders.a_site, needed=1, target=1), senders.a_worker)
    b_offer = factories.offer(factories.order(senders.b_site, needed=1, target=1), senders.a_worker)
    jobs.send_offer(a_offer.id)
    jobs.send_offer(b_offer.id)
    a_create, b_create = twilio.creates
    assert a_create["From"] == A_NUMBER and "MessagingServiceSid" not in a_create
    assert b_create["MessagingServiceSid"] == B_SERVICE and "From" not in b_create


def test_a_branch_without_its_own_sender_uses_the_networks(db, twilio, city):
    offer = factories.offer(factories.order(city.a_site, needed=1, target=1), city.a_worker)
    jobs.send_offer(offer.id)
    [create] = twilio.creates
    assert create["MessagingServiceSid"].startswith("MG") and create["MessagingServiceSid"] != B_SERVICE


def _reply(client, phone, body, to=None, service=None):
    form = reply_form(phone, body)
    if to:
        form["To"] = to
    if service:
        form["MessagingServiceSid"] = service
    return client.post("/sms/inbound", data=form, headers=signed(form)).get_data(as_text=True)


@pytest.fixture
def two_offers(senders):
    """The same worker holds an open offer of A and one of B (one shared pool)."""
    worker = factories.worker(senders.moscow, language="en", phone="+79160007777")
    a_order = factories.order(senders.a_site, needed=1, target=1, code="7101")
    b_order = factories.order(senders.b_site, needed=1, target=1, code="7102")
    return worker, factories.offer(a_order, worker), factories.offer(b_order, worker)


def _state(offer):
    _db.session.expire_all()
    return _db.session.scalar(select(Offer.state).where(Offer.id == offer.id))


def test_yes_to_the_network_number_asks_which_order(client, db, two_offers):
    worker, a_offer, b_offer = two_offers
    assert "You have several offers" in _reply(client, worker.phone, "YES")
    assert (_state(a_offer), _state(b_offer)) == ("offered", "offered")


def test_yes_to_a_branchs_number_takes_that_branchs_offer(client, db, two_offers):
    worker, a_offer, b_offer = two_offers
    assert "You are booked for order 7101" in _reply(client, worker.phone, "YES", to="8 (495) 000-11-22")
    assert (_state(a_offer), _state(b_offer)) == ("booked", "offered")


def test_no_to_a_branchs_messaging_service_declines_that_branchs_offer(client, db, two_offers):
    worker, a_offer, b_offer = two_offers
    assert "you decline order 7102" in _reply(client, worker.phone, "NO", service=B_SERVICE)
    assert (_state(a_offer), _state(b_offer)) == ("offered", "declined")


def test_a_code_still_names_the_order_whatever_the_number(client, db, two_offers):
    worker, a_offer, b_offer = two_offers
    assert "You are booked for order 7102" in _reply(client, worker.phone, "YES 7102", to=A_NUMBER)
    assert _state(b_offer) == "booked"


def test_free_text_to_a_branchs_number_goes_to_that_branchs_inbox_only(client, db, two_offers):
    worker, _a, _b = two_offers
    _reply(client, worker.phone, "Can I bring a friend?", service=B_SERVICE)
    message = _db.session.scalar(select(Message).where(Message.direction == "in"))
    readers = _db.session.scalars(select(MessageReader.franchise_id).where(MessageReader.message_id == message.id))
    assert message.franchise_id == two_offers[2].franchise_id
    assert list(readers) == [two_offers[2].franchise_id]


def test_free_text_to_the_network_number_goes_to_both_branches_he_holds_offers_with(client, db, two_offers):
    worker, a_offer, b_offer = two_offers
    _reply(client, worker.phone, "Can I bring a friend?")
    message = _db.session.scalar(select(Message).where(Message.direction == "in"))
    readers = _db.session.scalars(select(MessageReader.franchise_id).where(MessageReader.message_id == message.id))
    assert message.franchise_id is None
    assert sorted(readers) == sorted([a_offer.franchise_id, b_offer.franchise_id])
