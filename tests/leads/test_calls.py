"""Inbound calls: Twilio Voice's webhook, signed; each call on one free agent's screen with the caller's card.

Agents are head office's call centre; A (official) and B (brand) share Moscow, C is Kazan's.
"""
import itertools
from types import SimpleNamespace
from datetime import datetime, timedelta, timezone

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from leads import calls
from leads.models import AgentPresence, Call, Lead
from tests import factories
from tests.dispatch.sms import signed
from tests.races import Holder, in_thread, wait_for_lock_wait

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)
INBOUND = "http://artel.test/voice/inbound"
STATUS = "http://artel.test/voice/status"
_sids = itertools.count(1)


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time(NOW) as clock:
        yield clock


def voice_form(phone: str, sid: str | None = None, status: str = "ringing") -> dict:
    """The parameters Twilio Voice posts for an inbound call."""
    return {"CallSid": sid or f"CA{next(_sids):032d}", "AccountSid": "AC" + "0" * 32, "From": phone,
            "To": "+74950000000", "CallStatus": status, "Direction": "inbound", "ApiVersion": "2010-04-01",
            "Caller": phone, "Called": "+74950000000", "FromCountry": "RU"}


def ring(client, phone: str, sid: str | None = None):
    form = voice_form(phone, sid)
    return client.post("/voice/inbound", data=form, headers=signed(form, INBOUND))


def hang_up(client, sid: str, status: str = "completed"):
    form = {"CallSid": sid, "AccountSid": "AC" + "0" * 32, "CallStatus": status, "CallDuration": "42"}
    return client.post("/voice/status", data=form, headers=signed(form, STATUS))


def agent(email: str):
    return factories.user("callcentre", email=email)


def stored_calls(db) -> list[Call]:
    db.session.expire_all()
    return list(db.session.scalars(select(Call).order_by(Call.id)))


def screen(db, user):
    db.session.expire_all()
    return calls.current_call(user)


def test_a_call_is_stored_with_the_known_client_and_answered_in_twiml(client, db, city):
    response = ring(client, "8 " + city.a_client.phone[2:], sid="CA" + "1" * 32)
    assert response.status_code == 200 and response.mimetype == "application/xml"
    body = response.get_data(as_text=True)
    assert "<Say" in body and "<Enqueue>intake</Enqueue>" in body
    [call] = stored_calls(db)
    assert (call.sid, call.from_phone, call.status, call.state) == ("CA" + "1" * 32, city.a_client.phone, "ringing",
                                                                   "waiting")
    assert call.client_id == city.a_client.id and call.received_at == NOW


@pytest.mark.parametrize("headers", [{}, {"X-Twilio-Signature": "forged"}])
def test_a_forged_or_missing_signature_is_refused_and_nothing_stored(client, db, city, headers):
    response = client.post("/voice/inbound", data=voice_form("+79165551234"), headers=headers)
    assert response.status_code == 403
    form = voice_form("+79165551234")
    tampered = signed(form, INBOUND)
    form["From"] = "+79165550000"  # changed after signing
    assert client.post("/voice/inbound", data=form, headers=tampered).status_code == 403
    assert stored_calls(db) == []


def test_the_status_callback_is_signed_too(client, db, city):
    ring(client, "+79165551234", sid="CA" + "2" * 32)
    form = {"CallSid": "CA" + "2" * 32, "CallStatus": "completed"}
    assert client.post("/voice/status", data=form, headers={"X-Twilio-Signature": "forged"}).status_code == 403
    assert stored_calls(db)[0].status == "ringing"


def test_a_repeated_call_sid_is_answered_the_same_and_stored_once(client, db, city):
    first = ring(client, "+79165551234", sid="CA" + "3" * 32)
    again = ring(client, "+79165551234", sid="CA" + "3" * 32)
    assert first.status_code == again.status_code == 200
    assert first.get_data() == again.get_data()
    assert len(stored_calls(db)) == 1


def test_bad_webhook_input_is_a_400(client, db, city):
    form = voice_form("+79165551234")
    del form["CallSid"]
    assert client.post("/voice/inbound", data=form, headers=signed(form, INBOUND)).status_code == 400
    assert stored_calls(db) == []


def test_the_call_goes_to_the_agent_free_longest_and_he_is_busy_until_he_is_done(client, db, city, frozen):
    first, second = agent("one@test.artel"), agent("two@test.artel")
    calls.heartbeat(first)
    frozen.tick(2)
    calls.heartbeat(second)
    ring(client, "+79165551234")
    assert screen(db, first).from_phone == "+79165551234" and screen(db, second) is None
    ring(client, "+79165550001")  # the first is busy: the second gets it
    assert screen(db, second).from_phone == "+79165550001"
    ring(client, "+79165550002")  # nobody is free: it waits
    assert [c.from_phone for c in calls.waiting_calls()] == ["+79165550002"]
    calls.finish_call(screen(db, first).id, first, "dismissed")
    frozen.tick(1)
    assert calls.heartbeat(first).from_phone == "+79165550002"  # free again: the waiting call is his
    assert calls.waiting_calls() == []


def test_a_stale_agent_is_not_offered_a_call(client, db, city, frozen, app):
    away, here = agent("away@test.artel"), agent("here@test.artel")
    calls.heartbeat(away)  # free longest, then closes the page
    frozen.tick(app.config["AGENT_STALE_SECONDS"] - 1)
    calls.heartbeat(here)
    frozen.tick(2)  # away was last seen STALE + 1 s ago
    ring(client, "+79165551234")
    assert screen(db, away) is None and screen(db, here).from_phone == "+79165551234"


def test_a_call_offered_to_an_agent_who_went_away_waits_again(client, db, city, frozen, app):
    away = agent("away@test.artel")
    calls.heartbeat(away)
    ring(client, "+79165551234")
    assert screen(db, away) is not None
    frozen.tick(app.config["AGENT_STALE_SECONDS"] + 1)
    later = agent("later@test.artel")
    assert calls.heartbeat(later).from_phone == "+79165551234"
    assert screen(db, away) is None


def test_two_agents_polling_at_once_never_both_get_the_call(app, client, db, city, frozen):
    """Both polls wait on the waiting call's row lock; one puts it on a screen, the other finds it gone."""
    first, second = agent("one@test.artel"), agent("two@test.artel")
    ring(client, "+79165551234")  # nobody free yet: it waits
    [call] = stored_calls(db)
    # both screens open, the first for longer; neither has asked for calls since the call came in
    factories._save(AgentPresence(user_id=first.id, seen_at=NOW, free_since=NOW - timedelta(seconds=5)))
    factories._save(AgentPresence(user_id=second.id, seen_at=NOW, free_since=NOW - timedelta(seconds=2)))
    call_id, first, second = call.id, SimpleNamespace(id=first.id), SimpleNamespace(id=second.id)  # plain ids
    frozen.tick(1)
    db.session.remove()
    holder = Holder()
    try:
        holder.lock("call", call_id)
        one = in_thread(app, calls.heartbeat, first)
        two = in_thread(app, calls.heartbeat, second)
        wait_for_lock_wait(one, count=2)
    finally:
        holder.rollback()
    got = [one.result(timeout=20), two.result(timeout=20)]
    assert [c.id if c else None for c in got] == [call_id, None]  # the one free longest has it, the other nothing
    db.session.expire_all()
    holding = db.session.scalar(select(func.count()).select_from(AgentPresence).where(AgentPresence.call_id == call_id))
    assert holding == 1 and stored_calls(db)[0].agent_id == first.id


def test_a_waiting_call_is_taken_from_the_list_by_one_agent(client, auth, db, city):
    ring(client, "+79165551234")
    [call] = stored_calls(db)
    auth.login(city.callcentre.email)
    page = client.get("/leads/new").get_data(as_text=True)
    assert 'data-testid="waiting-call"' in page and "+7 916 555-12-34" in page
    assert client.post(f"/leads/calls/{call.id}/take").status_code == 302
    card = client.get("/leads/new").get_data(as_text=True)
    assert 'data-testid="current-call"' in card and 'value="+79165551234"' in card
    other = agent("other@test.artel")
    with pytest.raises(calls.CallError):
        calls.take_call(call.id, other)
    assert screen(db, other) is None


def test_the_poll_pops_the_card_and_saving_the_lead_frees_the_agent(client, auth, db, city):
    auth.login(city.callcentre.email)
    assert client.post("/leads/calls/poll").json == {"call": None, "waiting": []}
    ring(client, "8 " + city.a_client.phone[2:])
    popped = client.post("/leads/calls/poll").json["call"]
    assert popped["phone"] == city.a_client.phone and popped["url"] == "/leads/new"
    card = client.get("/leads/new").get_data(as_text=True)
    assert 'data-testid="known-client"' in card and city.a_client.name in card  # the caller's card: a known client
    response = client.post("/leads/new", data={
        "phone": city.a_client.phone, "caller_name": "Olga", "address": "Moscow", "lat": "55.7649", "lon": "37.6055",
        "work_type": "loading", "headcount": "3", "day": "2026-12-05", "start": "09:00", "hours": "8",
        "source": "phone", "call_id": str(popped["id"])})
    assert response.status_code == 302
    [call] = stored_calls(db)
    lead = db.session.scalar(select(Lead))
    assert (call.state, call.lead_id, lead.franchise_id) == ("handled", lead.id, city.a.id)
    assert screen(db, city.callcentre) is None
    ring(client, "+79165550001")
    assert client.post("/leads/calls/poll").json["call"]["phone"] == "+79165550001"  # free for the next one


def test_an_open_lead_shows_on_the_card_of_its_caller(client, auth, db, city):
    lead = factories.lead(city.a, phone="+79165551234")
    auth.login(city.callcentre.email)
    client.post("/leads/calls/poll")
    ring(client, "+7 916 555 12 34")
    assert stored_calls(db)[0].lead_id == lead.id
    card = client.get("/leads/new").get_data(as_text=True)
    assert f"Open lead {lead.id}" in card


def test_a_call_hung_up_before_anyone_took_it_is_missed_and_an_unanswered_offer_frees_the_agent(client, db, city):
    ring(client, "+79165551234", sid="CA" + "4" * 32)
    assert hang_up(client, "CA" + "4" * 32).status_code == 204
    assert (stored_calls(db)[0].state, stored_calls(db)[0].ended_at) == ("missed", NOW)
    busy = agent("busy@test.artel")
    calls.heartbeat(busy)
    ring(client, "+79165550001", sid="CA" + "5" * 32)
    assert screen(db, busy) is not None
    hang_up(client, "CA" + "5" * 32, "no-answer")
    hang_up(client, "CA" + "5" * 32, "ringing")  # a late, out-of-order callback changes nothing
    assert screen(db, busy) is None and stored_calls(db)[1].status == "no-answer"


def test_dismissing_a_call_not_on_his_screen_is_refused(client, auth, db, city):
    ring(client, "+79165551234")
    [call] = stored_calls(db)
    auth.login(city.callcentre.email)
    client.post(f"/leads/calls/{call.id}/dismiss")
    assert stored_calls(db)[0].state == "waiting"
    assert client.post("/leads/calls/987654/dismiss").status_code == 404


def test_the_simulator_places_a_signed_call_that_reaches_a_free_agent(client, auth, db, city):
    calls.heartbeat(city.callcentre)
    auth.login(city.a_dispatcher.email)
    assert "Place a call" in client.get("/dispatch/simulator").get_data(as_text=True)
    assert client.post("/dispatch/simulator/call", data={"phone": "12345"}).status_code == 400
    assert client.post("/dispatch/simulator/call", data={"phone": "8 916 555-12-34"}).status_code == 302
    [call] = stored_calls(db)
    assert call.sid.startswith("CA") and call.from_phone == "+79165551234"
    assert screen(db, city.callcentre).id == call.id


def test_a_franchise_reads_no_call(client, auth, db, city):
    ring(client, city.a_client.phone)
    auth.login(city.a_partner.email)
    assert client.post("/leads/calls/poll").status_code == 403
    assert client.post(f"/leads/calls/{stored_calls(db)[0].id}/take").status_code == 403


def test_the_webhooks_need_no_csrf_token(client, db, city, app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert ring(client, "+79165551234", sid="CA" + "6" * 32).status_code == 200
    assert hang_up(client, "CA" + "6" * 32).status_code == 204
    assert stored_calls(db)[0].state == "missed"


def test_a_caller_who_hangs_up_mid_call_leaves_the_card_with_the_agent_until_he_is_done(client, db, city):
    talking = agent("talking@test.artel")
    calls.heartbeat(talking)
    ring(client, "+79165551234", sid="CA" + "7" * 32)
    hang_up(client, "CA" + "7" * 32, "completed")
    call = screen(db, talking)
    assert call is not None and (call.status, call.state, call.ended_at) == ("completed", "offered", NOW)
    calls.finish_call(call.id, talking, "dismissed")
    assert screen(db, talking) is None and stored_calls(db)[0].state == "dismissed"
