"""The log of past calls: head office's call centre reads who called and what came of it, and calls the missed
ones back; no franchise reaches it."""
import re
from datetime import datetime, timedelta, timezone

import pytest
from freezegun import freeze_time

from leads import calls
from leads.models import Call
from tests import factories
from tests.leads.test_calls import hang_up, ring

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)  # 13:00 in Moscow


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time(NOW) as clock:
        yield clock


def a_call(n: int, received: datetime, state: str = "handled", status: str = "completed", **kw) -> Call:
    values = dict(sid=f"CA{n:032d}", from_phone=f"+7916555{n:04d}", status=status, state=state, received_at=received,
                  ended_at=received + timedelta(minutes=3, seconds=5))
    return factories._save(Call(**{**values, **kw}))


def rows(page: str) -> list[str]:
    return re.findall(r'<tr data-testid="call" data-outcome="(\w+)">(.*?)</tr>', page, re.S)


def test_the_agent_reads_each_call_newest_first_with_what_came_of_it(client, auth, db, city):
    agent = city.callcentre
    lead = factories.lead(city.a, phone=city.a_client.phone)
    a_call(1, NOW - timedelta(hours=3), agent_id=agent.id, offered_at=NOW - timedelta(hours=3), lead_id=lead.id,
           client_id=city.a_client.id, from_phone=city.a_client.phone)
    a_call(2, NOW - timedelta(hours=2), state="missed")  # hung up while waiting: nobody was free
    a_call(3, NOW - timedelta(hours=1), state="missed", status="canceled", agent_id=agent.id,
           offered_at=NOW - timedelta(hours=1))
    a_call(4, NOW - timedelta(minutes=30), state="dismissed", agent_id=agent.id)
    auth.login(agent.email)
    response = client.get("/leads/calls")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    found = rows(page)
    assert [code for code, _row in found] == ["dismissed", "hung_up", "no_agent", "handled"]
    handled = found[3][1]
    assert "Dec 1, 2026, 10:00:00\u202fAM MSK" in handled  # 07:00 UTC, shown in head office's zone
    assert "+7 " in handled and f"/clients/{city.a_client.id}" in handled and f"/leads/{lead.id}" in handled
    assert agent.name in handled and "answered: lead saved" in handled and "3:05" in handled
    assert "missed: no agent was free" in found[2][1] and "missed: the caller hung up" in found[1][1]
    missed = found[2][1]
    assert 'href="tel:+79165550002"' in missed and 'href="/leads/new?phone=%2B79165550002"' in missed
    assert 'data-testid="call-back"' not in handled  # an answered call needs no call back
    assert 'href="/leads/calls"' in page  # the call centre's navigation leads here


def test_a_call_rung_and_hung_up_unanswered_shows_as_missed(client, auth, db, city):
    ring(client, "+79165551234", sid="CA" + "7" * 32)
    hang_up(client, "CA" + "7" * 32, status="no-answer")
    auth.login(city.callcentre.email)
    [(code, row)] = rows(client.get("/leads/calls").get_data(as_text=True))
    assert code == "no_agent" and "+7 916 555-12-34" in row and "0:00" in row


def test_filters_by_days_in_moscow_and_by_what_came_of_it(client, auth, db, city):
    a_call(1, datetime(2026, 11, 30, 20, 30, tzinfo=timezone.utc))  # 23:30 on the 30th in Moscow
    a_call(2, datetime(2026, 11, 30, 21, 30, tzinfo=timezone.utc), state="missed")  # 00:30 on the 1st
    a_call(3, datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc), state="dismissed")
    auth.login(city.callcentre.email)

    def shown(query):
        return [row for _code, row in rows(client.get(f"/leads/calls?{query}").get_data(as_text=True))]

    assert [("0001" in r) for r in shown("first=2026-11-30&last=2026-11-30")] == [True]
    assert len(shown("first=2026-12-01")) == 2 and len(shown("last=2026-11-30")) == 1
    assert len(shown("status=missed")) == 1 and "0002" in shown("status=missed")[0]
    assert len(shown("status=answered")) == 2 and len(shown("status=answered&first=2026-12-01")) == 1
    assert shown("status=open") == []


@pytest.mark.parametrize("query", ["first=2026-12-02&last=2026-12-01", "status=bogus", "page=0", "page=x",
                                   "first=yesterday"])
def test_bad_filters_are_a_400_that_says_why(client, auth, db, city, query):
    auth.login(city.callcentre.email)
    response = client.get(f"/leads/calls?{query}")
    assert response.status_code == 400 and 'role="alert"' in response.get_data(as_text=True)


def test_pages_of_fifty(client, auth, db, city):
    for n in range(calls.CALL_PAGE_SIZE + 1):
        a_call(n, NOW - timedelta(minutes=n))
    auth.login(city.callcentre.email)
    first = client.get("/leads/calls").get_data(as_text=True)
    assert len(rows(first)) == 50 and "page=2" in first and "0000" in rows(first)[0][1]
    second = client.get("/leads/calls?page=2").get_data(as_text=True)
    assert len(rows(second)) == 1 and f"{calls.CALL_PAGE_SIZE:04d}" in rows(second)[0][1]


@pytest.mark.parametrize("who,status", [("admin", 200), ("callcentre", 200), ("a_partner", 403),
                                        ("a_dispatcher", 403), ("a_foreman", 403), ("a_recruiter", 403)])
def test_only_head_office_reads_the_call_log(client, auth, db, city, who, status):
    a_call(1, NOW - timedelta(hours=1), state="missed", from_phone=city.b_client.phone, client_id=city.b_client.id)
    auth.login(getattr(city, who).email)
    response = client.get("/leads/calls")
    assert response.status_code == status
    assert (city.b_client.name in response.get_data(as_text=True)) == (status == 200)
    assert ('href="/leads/calls"' in client.get("/profile").get_data(as_text=True)) == (status == 200)


def test_a_franchise_administrator_is_refused_too(client, auth, db, city):
    auth.login(factories.user("admin", city.a, email="admin.a@test.artel").email)
    assert client.get("/leads/calls").status_code == 403


def test_calling_back_opens_the_intake_with_the_number_not_the_call_on_the_screen(client, auth, db, city):
    agent = city.callcentre
    calls.heartbeat(agent)
    ring(client, "+79165551234")  # on his screen
    auth.login(agent.email)
    page = client.get("/leads/new?phone=%2B79165550002").get_data(as_text=True)
    assert 'value="+79165550002"' in field(page, "phone")
    assert 'value=""' in field(page, "call_id")  # saving the lead will not close the call on his screen
    plain = client.get("/leads/new").get_data(as_text=True)
    on_screen = calls.current_call(agent)
    assert 'value="+79165551234"' in field(plain, "phone") and f'value="{on_screen.id}"' in field(plain, "call_id")


def field(page: str, name: str) -> str:
    return re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)
