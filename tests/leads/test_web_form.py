"""The public web form of the company's and the franchises' sites: a lead like a call's, kept out of robots' reach.

A (official) and B (brand) share Moscow; the fake Nominatim knows one address.
"""
import logging

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from core import geocoding
from leads.models import Lead, LeadEvent
from tests.fakes.nominatim import FakeNominatim

NOW = "2026-12-01 10:00:00"
TVERSKAYA = (55.7649, 37.6055, "Тверская улица, 10, Москва")


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time(NOW):
        yield


@pytest.fixture(autouse=True)
def nominatim(app, monkeypatch):
    with FakeNominatim({"Москва, Тверская, 10": TVERSKAYA}) as fake:
        monkeypatch.setitem(app.config, "GEOCODER_URL", fake.url)
        geocoding._limited.clear()
        yield fake
    geocoding._limited.clear()


def request_(**kw):
    values = {"name": "Olga", "company": "Promsnab", "phone": "8 (916) 555-12-34", "city": "Москва",
              "address": "Тверская, 10", "work_type": "loading", "headcount": "6", "date": "2026-12-05",
              "time": "09:00", "notes": "Gate 3", "campaign": "Winter site", "website": ""}
    values.update(kw)
    return {k: v for k, v in values.items() if v is not None}


def leads(db):
    db.session.expire_all()
    return list(db.session.scalars(select(Lead).order_by(Lead.id)))


def kinds(db, lead):
    return [(e.kind, e.reason) for e in db.session.scalars(select(LeadEvent).where(LeadEvent.lead_id == lead.id)
                                                            .order_by(LeadEvent.id))]


def test_a_request_from_a_site_becomes_a_routed_web_form_lead(client, db, city):
    response = client.post("/leads/web", data=request_())
    assert response.status_code == 201
    assert "we will call you back" in response.get_data(as_text=True)
    [lead] = leads(db)
    assert (lead.source, lead.campaign, lead.phone, lead.caller_name, lead.headcount) == (
        "web_form", "Winter site", "+79165551234", "Olga", 6)
    assert (lead.address, lead.lat, lead.franchise_id, lead.status) == ("Москва, Тверская, 10", TVERSKAYA[0], city.a.id,
                                                                        "routed")
    assert lead.taken_by_id is None and kinds(db, lead)[-1] == ("routed", "official")


def test_json_is_answered_in_json(client, db, city):
    response = client.post("/leads/web", json=request_(headcount=4))
    assert response.status_code == 201 and response.json["ok"] is True
    assert leads(db)[0].headcount == 4


def test_a_filled_honeypot_looks_like_success_and_stores_nothing(client, db, city, caplog):
    with caplog.at_level(logging.WARNING):
        form = client.post("/leads/web", data=request_(website="http://spam.example"))
        api = client.post("/leads/web", json=request_(website="buy"))
    assert form.status_code == api.status_code == 201 and api.json["ok"] is True
    assert leads(db) == []
    assert sum("honeypot" in r.getMessage() for r in caplog.records) == 2


def test_bad_json_input_is_answered_with_field_errors(client, db, city):
    response = client.post("/leads/web", json=request_(phone="12345", headcount="0", date="soon", name=None))
    assert response.status_code == 400
    errors = response.json["errors"]
    assert set(errors) == {"phone", "headcount", "date", "name"}
    assert errors["phone"] == ["This phone number is not valid."]
    assert errors["headcount"] == ["From 1 to 500 workers."]
    assert errors["name"] == ["This field is required."]
    assert leads(db) == []


def test_bad_form_input_shows_the_form_again_with_its_errors_and_what_was_typed(client, db, city):
    response = client.post("/leads/web", data=request_(city="", address="", headcount="many"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'data-testid="error-address"' in page and "Give the address or at least the city." in page
    assert 'data-testid="error-headcount"' in page and 'value="Olga"' in page
    assert leads(db) == []


def test_a_day_gone_by_is_refused_on_the_date_field(client, db, city):
    response = client.post("/leads/web", json=request_(date="2026-11-30"))
    assert response.status_code == 400 and list(response.json["errors"]) == ["date"]
    assert leads(db) == []


def test_a_second_request_from_the_same_phone_attaches_to_the_open_lead(client, db, city):
    client.post("/leads/web", data=request_())
    assert client.post("/leads/web", data=request_(notes="And 2 more", headcount="8")).status_code == 201
    [lead] = leads(db)
    assert kinds(db, lead)[-1] == ("repeat_call", "repeat_web")
    assert db.session.scalar(select(LeadEvent.note).where(LeadEvent.reason == "repeat_web")) == "And 2 more"


def test_an_address_no_map_finds_is_kept_and_goes_to_head_office(client, auth, db, city):
    response = client.post("/leads/web", data=request_(city="", address="Nowhere street 99"))
    assert response.status_code == 201
    [lead] = leads(db)
    assert (lead.lat, lead.lon, lead.region_id, lead.franchise_id) == (None, None, None, city.head.id)
    assert kinds(db, lead) == [("taken", None), ("located", "not_located"), ("routed", "head_office")]
    auth.login(city.admin.email)
    page = client.get(f"/leads/{lead.id}").get_data(as_text=True)
    assert "No map found the address: head office finds out where it is." in page and "not found on the map" in page


def test_the_form_is_limited_per_remote_address(limited_client, db, city):
    client = limited_client
    for n in range(5):
        assert client.post("/leads/web", json=request_(phone=f"+7916555000{n}")).status_code == 201
    refused = client.post("/leads/web", json=request_(phone="+79165550009"))
    assert refused.status_code == 429
    assert len(leads(db)) == 5
    other = client.post("/leads/web", json=request_(phone="+79165550009"), environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 201  # another address has its own count


def test_the_form_page_is_public_and_a_logged_in_partner_gets_no_franchise_of_his_own(client, auth, db, city):
    assert 'data-testid="web-form"' in client.get("/leads/web").get_data(as_text=True)
    auth.login(city.b_partner.email)  # B's partner tries the form: the lead is routed by the rule, not to B
    assert client.post("/leads/web", data=request_()).status_code == 201
    assert leads(db)[0].franchise_id == city.a.id
    assert db.session.scalar(select(func.count()).select_from(Lead)) == 1


def test_the_form_needs_no_csrf_token_where_the_console_does(client, auth, db, city, app, monkeypatch):
    """Other sites post it with no session of ours: it is exempt, and only it."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post("/leads/web", data=request_()).status_code == 201
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)  # the login form's token is not what is tested
    auth.login(city.callcentre.email)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post("/leads/calls/poll").status_code == 400  # the console's own posts still need the token
    assert len(leads(db)) == 1
