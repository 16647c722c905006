"""Leads in the API: taking one as the intake screen does, listing and reading them, and the funnel, within tenancy."""
from datetime import datetime, timezone

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from core.service import issue_token
from leads.models import Lead, LeadEvent
from tests import factories
from tests.leads.test_funnel import example  # noqa: F401  (the worked example's eight leads)

NOW = "2026-12-01 10:00:00"


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time(NOW):
        yield


@pytest.fixture
def as_user(client):
    def call(user, method, url, **kw):
        token = issue_token(user, "api")
        return client.open(url, method=method, headers={"Authorization": f"Bearer {token}"}, **kw)

    return call


def _body(**kw):
    values = {"phone": "8 (916) 555-12-34", "caller_name": "Olga", "company": "Promsnab", "address": "Moscow, Tverskaya 10",
              "lat": 55.7649, "lon": 37.6055, "work_type": "loading", "headcount": 6, "day": "2026-12-05",
              "start": "09:00", "hours": 8, "notes": "Gate 3", "source": "phone"}
    values.update(kw)
    return {k: v for k, v in values.items() if v is not None}


def test_a_lead_taken_through_the_api_is_routed_at_once_and_a_repeat_call_attaches(as_user, db, city):
    response = as_user(city.callcentre, "POST", "/api/v1/leads/", json=_body())
    assert response.status_code == 201, response.json
    lead = response.json
    assert (lead["status"], lead["franchise_id"], lead["phone"]) == ("routed", city.a.id, "+79165551234")
    assert lead["starts_at"] == "2026-12-05T06:00:00+00:00"  # 09:00 in Moscow
    assert [e["kind"] for e in lead["events"]] == ["taken", "located", "routed"]
    assert lead["events"][-1]["reason"] == "official" and city.a.name in lead["events"][-1]["text"]
    again = as_user(city.callcentre, "POST", "/api/v1/leads/", json=_body(phone="+79165551234", notes="again"))
    assert again.status_code == 200 and again.json["id"] == lead["id"]
    assert again.json["events"][-1]["kind"] == "repeat_call"
    assert db.session.scalar(select(func.count()).select_from(Lead)) == 1


@pytest.mark.parametrize("body,field", [
    (_body(phone="12345"), "phone"),
    (_body(source="campaign"), "campaign"),
    (_body(caller_name="   "), "caller_name"),
    (_body(headcount=0), "headcount"),
    (_body(day="2026-11-30"), "day"),  # passed
    (_body(lon=None), "lat"),  # one coordinate of two
    (_body(lat=None, lon=None), "address"),  # nothing to geocode it with here
    (_body(source="fax"), "source"),
])
def test_a_wrong_lead_is_a_422_naming_the_field_and_nothing_is_saved(as_user, db, city, body, field):
    response = as_user(city.callcentre, "POST", "/api/v1/leads/", json=body)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]["json"]
    assert db.session.scalar(select(func.count()).select_from(Lead)) == 0
    assert db.session.scalar(select(func.count()).select_from(LeadEvent)) == 0


def test_only_the_call_centre_takes_leads(as_user, db, city):
    assert as_user(city.a_partner, "POST", "/api/v1/leads/", json=_body()).status_code == 403
    assert as_user(city.a_dispatcher, "POST", "/api/v1/leads/", json=_body()).status_code == 403


def test_the_list_filters_and_a_branch_sees_only_its_own_leads(as_user, db, city):
    a_lead = factories.lead(city.a, source="referral", created_at=datetime(2026, 11, 20, tzinfo=timezone.utc))
    b_lead = factories.lead(city.b, source="phone", created_at=datetime(2026, 11, 25, tzinfo=timezone.utc))
    everyone = as_user(city.callcentre, "GET", "/api/v1/leads/").json
    assert [lead["id"] for lead in everyone] == [b_lead.id, a_lead.id]
    assert [lead["id"] for lead in as_user(city.callcentre, "GET", "/api/v1/leads/?source=referral").json] == [a_lead.id]
    since = as_user(city.callcentre, "GET", "/api/v1/leads/?since=2026-11-21T00:00:00%2B00:00").json
    assert [lead["id"] for lead in since] == [b_lead.id]
    until = as_user(city.callcentre, "GET", "/api/v1/leads/?until=2026-11-21T00:00:00%2B00:00&status=routed").json
    assert [lead["id"] for lead in until] == [a_lead.id]
    assert as_user(city.callcentre, "GET", "/api/v1/leads/?page=2").json == []
    assert [lead["id"] for lead in as_user(city.a_partner, "GET", "/api/v1/leads/").json] == [a_lead.id]
    assert as_user(city.a_partner, "GET", f"/api/v1/leads/{b_lead.id}").status_code == 404
    detail = as_user(city.b_dispatcher, "GET", f"/api/v1/leads/{b_lead.id}")
    assert detail.status_code == 200 and detail.json["events"][0]["kind"] == "routed"
    assert as_user(city.callcentre, "GET", "/api/v1/leads/?status=gone").status_code == 422


def test_the_funnel_through_the_api_is_the_page_s(as_user, db, city, example):  # noqa: F811
    answer = as_user(city.callcentre, "GET", "/api/v1/leads/funnel?since=2026-11-01&until=2026-11-30")
    assert answer.status_code == 200, answer.json
    funnel = answer.json
    assert funnel["total"]["counts"] == {"taken": 8, "routed": 7, "accepted": 5, "converted": 4, "completed": 2}
    assert funnel["total"]["rates"] == {"routed": 0.875, "accepted": 0.7143, "converted": 0.8, "completed": 0.5,
                                        "overall": 0.25}
    assert funnel["total"]["median_accept_minutes"] == 20
    [winter] = [row for row in funnel["by_source"] if row["campaign"] == "winter"]
    assert winter["counts"]["accepted"] == 1 and winter["source"] == "campaign"
    assert {row["franchise_id"] for row in funnel["by_branch"]} == {city.a.id, city.b.id, None}
    assert {"kind": "declined", "reason": None, "text": "too far", "leads": 2} in funnel["lost"]
    mine = as_user(city.a_partner, "GET", "/api/v1/leads/funnel?since=2026-11-01&until=2026-11-30").json
    assert mine["total"]["counts"]["taken"] == 4 and [r["franchise_id"] for r in mine["by_branch"]] == [city.a.id]
    assert city.b.name not in str(mine)
    assert as_user(city.callcentre, "GET", "/api/v1/leads/funnel?since=2026-11-30&until=2026-11-01").status_code == 422
    assert as_user(city.callcentre, "GET", "/api/v1/leads/funnel?since=2000-01-01&until=2099-01-01").status_code == 422
    assert as_user(city.a_dispatcher, "GET", "/api/v1/leads/funnel").status_code == 403
    default = as_user(city.callcentre, "GET", "/api/v1/leads/funnel").json
    assert (default["since"], default["until"], default["timezone"]) == ("2026-11-02", "2026-12-01", "Europe/Moscow")
