"""The call centre takes a call and the lead goes where the rule says, every step logged with its reason.

Two franchises share Moscow (A, the official representative, and B, a brand); C is Kazan's.
"""
from datetime import datetime, timezone

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from core import geocoding
from leads import service
from leads.models import Lead, LeadEvent
from tests import factories
from tests.fakes.nominatim import FakeNominatim

NOW = "2026-12-01 10:00:00"
TVERSKAYA = (55.7649, 37.6055, "Тверская улица, 10, Москва")


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time(NOW):
        yield


@pytest.fixture
def nominatim(app, monkeypatch):
    with FakeNominatim({"Тверская, 10": TVERSKAYA}) as fake:
        monkeypatch.setitem(app.config, "GEOCODER_URL", fake.url)
        geocoding._limited.clear()
        yield fake
    geocoding._limited.clear()


def call(**kw):
    """The form as the agent fills it (a map click gives the coordinates unless the test says otherwise)."""
    values = {"phone": "8 (916) 555-12-34", "caller_name": "Olga", "company": "Promsnab", "address": "Moscow, Tverskaya 10",
              "lat": "55.7649", "lon": "37.6055", "work_type": "loading", "headcount": "6", "day": "2026-12-05",
              "start": "09:00", "hours": "8", "notes": "Gate 3", "source": "phone", "campaign": ""}
    values.update(kw)
    return {k: v for k, v in values.items() if v is not None}


def take(client, **kw):
    return client.post("/leads/new", data=call(**kw))


def leads(db):
    db.session.expire_all()
    return list(db.session.scalars(select(Lead).order_by(Lead.id)))


def steps(db, lead):
    return [(e.kind, e.reason, e.franchise_id) for e in
            db.session.scalars(select(LeadEvent).where(LeadEvent.lead_id == lead.id).order_by(LeadEvent.id))]


def test_a_call_in_a_city_with_an_official_representative_goes_to_it(client, auth, db, city):
    auth.login(city.callcentre.email)
    response = take(client)
    assert response.status_code == 302
    [lead] = leads(db)
    assert (lead.phone, lead.caller_name, lead.company, lead.headcount) == ("+79165551234", "Olga", "Promsnab", 6)
    assert (lead.status, lead.franchise_id, lead.region_id) == ("routed", city.a.id, city.moscow.id)
    assert lead.starts_at == datetime(2026, 12, 5, 6, tzinfo=timezone.utc)  # 09:00 in Moscow, stored in UTC
    assert lead.taken_by_id == city.callcentre.id and lead.source == "phone"
    assert steps(db, lead) == [("taken", None, None), ("located", "inside_region", None),
                               ("routed", "official", city.a.id)]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Alpha Moscow is the region&#39;s official representative." in page
    assert "The address is in Moscow" in page and "Dec 5, 2026, 9:00:00" in page


def test_the_address_is_geocoded_when_the_map_was_not_clicked(client, auth, db, city, nominatim):
    auth.login(city.callcentre.email)
    assert take(client, address="Тверская, 10", lat="", lon="").status_code == 302
    [lead] = leads(db)
    assert (lead.lat, lead.lon, lead.franchise_id) == (TVERSKAYA[0], TVERSKAYA[1], city.a.id)
    assert nominatim.requests == ["Тверская, 10"]


def test_an_address_the_map_cannot_find_saves_nothing(client, auth, db, city, nominatim):
    auth.login(city.callcentre.email)
    response = take(client, address="Nowhere street 99", lat="", lon="")
    assert response.status_code == 400
    assert "This address was not found" in response.get_data(as_text=True)
    assert leads(db) == []


@pytest.mark.parametrize("field,value,message", [
    ("phone", "12345", "not valid"),
    ("headcount", "0", "Number must be between 1 and 500"),
    ("day", "2026-11-30", "This time has passed"),
    ("source", "campaign", "Name the campaign."),
    ("caller_name", "", "This field is required."),
    ("lat", "95", "Number must be between -90 and 90"),
])
def test_bad_input_is_refused_with_a_message_and_nothing_saved(client, auth, db, city, field, value, message):
    auth.login(city.callcentre.email)
    response = take(client, **{field: value})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert leads(db) == [] and db.session.scalar(select(func.count()).select_from(LeadEvent)) == 0


def test_a_campaign_lead_keeps_the_campaign_name(client, auth, db, city):
    auth.login(city.callcentre.email)
    assert take(client, source="campaign", campaign="Winter roofs").status_code == 302
    assert (leads(db)[0].source, leads(db)[0].campaign) == ("campaign", "Winter roofs")


def test_without_an_official_representative_the_region_s_branches_take_turns(client, auth, db, city):
    city.a.tier = "brand"
    db.session.commit()
    auth.login(city.callcentre.email)
    for n in range(3):
        assert take(client, phone=f"+7916555000{n}").status_code == 302
    first, second, third = leads(db)
    assert [first.franchise_id, second.franchise_id, third.franchise_id] == [city.a.id, city.b.id, city.a.id]
    assert steps(db, second)[-1] == ("routed", "weighted_round_robin", city.b.id)
    assert city.c.id not in {lead.franchise_id for lead in leads(db)}  # Kazan's branch never gets Moscow's leads


def test_a_suspended_official_representative_is_skipped(client, auth, db, city):
    city.a.status = "suspended"
    db.session.commit()
    auth.login(city.callcentre.email)
    take(client)
    assert steps(db, leads(db)[0])[-1] == ("routed", "weighted_round_robin", city.b.id)


def test_a_point_near_but_outside_a_region_goes_to_the_nearest_one(client, auth, db, city):
    auth.login(city.callcentre.email)
    take(client, lat="56.40", lon="37.62")  # ~72 km north of Moscow's centre, radius 40
    [lead] = leads(db)
    assert (lead.region_id, lead.franchise_id) == (city.moscow.id, city.a.id)
    assert steps(db, lead)[1] == ("located", "nearest_region", None)


def test_a_point_far_from_every_region_goes_to_head_office(client, auth, db, city):
    auth.login(city.callcentre.email)
    response = take(client, lat="55.03", lon="82.92")  # Novosibirsk
    [lead] = leads(db)
    assert (lead.region_id, lead.franchise_id, lead.status) == (None, city.head.id, "routed")
    assert steps(db, lead)[1:] == [("located", "no_region", None), ("routed", "head_office", city.head.id)]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "No region within 100 km of the address." in page and "Head office takes it." in page


def test_the_nearest_region_limit_is_a_setting(app, client, auth, db, city, monkeypatch):
    monkeypatch.setitem(app.config, "LEAD_NEAREST_KM", 50)
    auth.login(city.callcentre.email)
    take(client, lat="56.40", lon="37.62")
    assert leads(db)[0].franchise_id == city.head.id


def test_a_region_with_no_active_branch_sends_its_leads_to_head_office(client, auth, db, city):
    city.c.status = "terminated"
    db.session.commit()
    auth.login(city.callcentre.email)
    take(client, lat="55.79", lon="49.12")  # Kazan
    [lead] = leads(db)
    assert (lead.region_id, lead.franchise_id) == (city.kazan.id, city.head.id)
    assert steps(db, lead)[-1] == ("routed", "head_office", city.head.id)


def test_the_time_is_read_and_shown_in_the_region_s_zone(client, auth, db, city):
    city.kazan.timezone = "Asia/Yekaterinburg"  # UTC+5, to tell it from Moscow's UTC+3
    db.session.commit()
    auth.login(city.callcentre.email)
    response = take(client, lat="55.79", lon="49.12", start="09:00")
    [lead] = leads(db)
    assert lead.starts_at == datetime(2026, 12, 5, 4, tzinfo=timezone.utc)
    assert "9:00" in client.get(response.headers["Location"]).get_data(as_text=True)


# --- duplicates -------------------------------------------------------------------------

def test_the_same_phone_within_the_window_attaches_to_the_open_lead(client, auth, db, city):
    auth.login(city.callcentre.email)
    take(client)
    with freeze_time("2026-12-02 09:00:00"):  # 23 hours later, the number typed another way
        response = take(client, phone="+7 916 555 12 34", notes="Now 8 workers", headcount="8")
    [lead] = leads(db)
    assert response.headers["Location"].endswith(f"/leads/{lead.id}")
    assert steps(db, lead)[-1] == ("repeat_call", "repeat_call", city.a.id)
    repeat = db.session.scalar(select(LeadEvent).where(LeadEvent.kind == "repeat_call"))
    assert repeat.note == "Now 8 workers" and repeat.user_id == city.callcentre.id


def test_the_same_phone_after_the_window_makes_a_new_lead(client, auth, db, city):
    auth.login(city.callcentre.email)
    take(client)
    with freeze_time("2026-12-02 10:00:01"):
        take(client)
    assert len(leads(db)) == 2


def test_the_duplicate_window_is_a_setting(app, client, auth, db, city, monkeypatch):
    monkeypatch.setitem(app.config, "LEAD_DUPLICATE_HOURS", 1)
    auth.login(city.callcentre.email)
    take(client)
    with freeze_time("2026-12-01 11:00:01"):
        take(client)
    assert len(leads(db)) == 2


def test_a_closed_lead_does_not_swallow_a_new_call(client, auth, db, city):
    old = factories.lead(city.a, phone="+79165551234", status="converted")
    auth.login(city.callcentre.email)
    take(client)
    assert [lead.id for lead in leads(db)][0] == old.id and len(leads(db)) == 2


# --- the caller's card ------------------------------------------------------------------

def test_typing_a_phone_shows_the_client_and_the_open_lead_at_once(client, auth, db, city):
    open_lead = factories.lead(city.b, phone=city.a_client.phone, caller_name="Pavel")
    auth.login(city.callcentre.email)
    typed = "8 " + city.a_client.phone[2:]  # the trunk prefix, as people type it
    response = client.get("/leads/lookup", query_string={"phone": typed})
    assert response.status_code == 200
    assert response.json["phone"] == city.a_client.phone
    assert [c["name"] for c in response.json["clients"]] == [city.a_client.name]
    assert [(lead["id"], lead["caller"]) for lead in response.json["leads"]] == [(open_lead.id, "Pavel")]


def test_the_look_up_refuses_what_is_not_a_phone(client, auth, db, city):
    auth.login(city.callcentre.email)
    response = client.get("/leads/lookup", query_string={"phone": "12"})
    assert response.status_code == 400 and response.json["error"]


def test_the_page_shows_the_caller_without_script(client, auth, db, city):
    auth.login(city.callcentre.email)
    page = client.get("/leads/new", query_string={"phone": city.a_client.phone, "caller_name": "Olga"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and city.a_client.name in text and 'value="Olga"' in text
    assert "A new caller." in client.get("/leads/new", query_string={"phone": "+79990001122"}).get_data(as_text=True)


def test_only_the_call_centre_takes_calls(client, auth, db, city):
    auth.login(city.a_partner.email)
    assert take(client).status_code == 403
    assert client.get("/leads/lookup", query_string={"phone": city.b_client.phone}).status_code == 403
    assert leads(db) == []


def test_service_routes_without_a_head_office_row_by_keeping_the_lead_new(db, city):
    db.session.delete(city.head)
    db.session.commit()
    data = {"phone": "+79165551234", "caller_name": "Olga", "address": "Novosibirsk", "lat": 55.03, "lon": 82.92,
            "work_type": "loading", "headcount": 2, "day": datetime(2026, 12, 5).date(),
            "start": datetime(2026, 12, 5, 9).time(), "hours": 8, "source": "phone"}
    lead, created = service.take_lead(data)
    assert created and (lead.status, lead.franchise_id) == ("new", None)
    assert steps(db, lead)[-1] == ("routed", "head_office", None)


def test_the_routing_log_reads_in_russian(client, auth, db, city):
    city.callcentre.locale = "ru"
    db.session.commit()
    auth.login(city.callcentre.email)
    page = client.get(take(client).headers["Location"]).get_data(as_text=True)
    assert "Alpha Moscow — официальный представитель региона." in page and "Журнал маршрутизации" in page


def test_two_agents_taking_the_same_caller_at_once_make_one_lead(app, db, city):
    from core.timeutil import utcnow
    from tests.races import Holder, in_thread, wait_for_lock_wait

    other = Holder()  # the other agent's take_lead: the phone's lock held, its lead inserted, not yet committed
    other.execute("SELECT pg_advisory_xact_lock(hashtext('lead-phone:+79165551234'))")
    other.execute("INSERT INTO lead (caller_name, phone, address, lat, lon, work_type, headcount, starts_at, hours, "
                  "source, status, created_at, updated_at) VALUES ('Olga', '+79165551234', 'Tverskaya 10', 55.76, "
                  "37.6, 'loading', 6, :at, 8, 'phone', 'routed', :at, :at)", at=utcnow())
    data = {"phone": "+79165551234", "caller_name": "Olga", "address": "Tverskaya 10", "lat": 55.76, "lon": 37.6,
            "work_type": "loading", "headcount": 6, "day": datetime(2026, 12, 5).date(),
            "start": datetime(2026, 12, 5, 9).time(), "hours": 8, "source": "phone", "notes": "second agent"}
    second = in_thread(app, service.take_lead, data)
    wait_for_lock_wait(second)
    other.commit()
    second.result(timeout=20)
    [lead] = leads(db)
    assert [e.kind for e in lead.events] == ["repeat_call"]


def test_the_agent_reads_every_branch_s_clients_and_orders_and_changes_none(client, auth, db, city):
    order = factories.order(city.b_site, needed=2, target=3, code="7070")
    auth.login(city.callcentre.email)
    assert city.b_client.name in client.get("/clients/").get_data(as_text=True)
    card = client.get(f"/clients/{city.b_client.id}").get_data(as_text=True)
    assert city.b_site.name in card and f"/clients/{city.b_client.id}/edit" not in card and "Add a site" not in card
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "7070" in page and 'data-testid="order-actions"' not in page and 'data-testid="cancel-form"' not in page
    assert "/orders/new" not in client.get("/orders/").get_data(as_text=True)
    assert client.post(f"/orders/{order.id}/cancel", data={"reason": "test"}).status_code == 403
    assert client.get(f"/clients/{city.b_client.id}/edit").status_code == 403
    assert client.get("/orders/new").status_code == 403
