"""The lead funnel: a worked example with known outcomes, the period's edges in the viewer's zone, and tenancy.

Eight leads taken in Moscow (A and B share it) by two call-centre agents:

  #  source           agent  where it went                                    outcome
  1  phone            cc1    A, accepted after 10 min, order completed          completed
  2  phone            cc1    A, accepted after 20 min, draft order              converted
  3  campaign winter  cc2    A, accepted after 30 min, no draft                 accepted
  4  campaign winter  cc2    B, waiting                                         routed
  5  web form         cc1    B, accepted after 40 min, order invoiced           completed
  6  phone            cc1    A declined "too far", B let it expire, lost        lost
  7  referral         cc2    B declined "too far", A accepted after 5 min,      converted
                             order cancelled
  8  phone            cc1    no region, never routed                            taken

taken 8, routed 7, accepted 5, converted 4, first order completed 2; median time to accept
of 5, 10, 20, 30, 40 minutes: 20.
"""
from datetime import date, datetime, timedelta, timezone
from fractions import Fraction

import pytest
from freezegun import freeze_time

from leads import funnel, reports
from leads.models import Lead, LeadEvent
from tests import factories

NOW = "2026-12-01 10:00:00"
T0 = datetime(2026, 11, 20, 9, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time(NOW):
        yield


def _event(lead, kind, at, reason=None, franchise=None, note=None, details=None):
    factories._save(LeadEvent(lead_id=lead.id, kind=kind, reason=reason, at=at, note=note, details=details or {},
                              franchise_id=franchise.id if franchise else None))


def _lead(franchise, agent, source="phone", campaign=None, created=T0, **kw):
    lead = factories.lead(franchise, source=source, campaign=campaign, taken_by_id=agent.id, created_at=created,
                          routed_at=created, **kw)
    return lead


def _accept(lead, after_minutes, site=None, order_status=None):
    at = lead.routed_at + timedelta(minutes=after_minutes)
    _event(lead, "accepted", at, franchise=lead.franchise)
    lead.status, lead.client_id = "accepted", site.client_id if site else None
    if order_status:
        order = factories.order(site, status=order_status)
        lead.order_id, lead.status = order.id, "converted"
        _event(lead, "accepted", at, reason="converted", franchise=lead.franchise)
    factories.db.session.commit()


@pytest.fixture
def example(city):
    cc1 = factories.user("callcentre", name="Olga Agent")
    cc2 = factories.user("callcentre", name="Pavel Agent")
    a_site, b_site = city.a_site, city.b_site
    leads = {}
    leads[1] = _lead(city.a, cc1)
    _accept(leads[1], 10, a_site, "completed")
    leads[2] = _lead(city.a, cc1)
    _accept(leads[2], 20, a_site, "draft")
    leads[3] = _lead(city.a, cc2, "campaign", "winter")
    _accept(leads[3], 30, a_site)
    leads[4] = _lead(city.b, cc2, "campaign", "winter")
    leads[5] = _lead(city.b, cc1, "web_form")
    _accept(leads[5], 40, b_site, "invoiced")
    six = leads[6] = _lead(city.a, cc1)
    _event(six, "declined", T0 + timedelta(minutes=3), franchise=city.a, note="too far ")
    _event(six, "routed", T0 + timedelta(minutes=3), "weighted_round_robin", city.b)
    _event(six, "expired", T0 + timedelta(minutes=30), "sla_expired", city.b, details={"franchise": city.b.name, "minutes": 15})
    _event(six, "lost", T0 + timedelta(minutes=30), "no_branch_left")
    six.status, six.franchise_id = "lost", None
    seven = leads[7] = _lead(city.b, cc2, "referral")
    _event(seven, "declined", T0 + timedelta(minutes=1), franchise=city.b, note="too far")
    seven.franchise_id, seven.routed_at = city.a.id, T0 + timedelta(minutes=2)
    _event(seven, "routed", seven.routed_at, "official", city.a)
    factories.db.session.commit()
    _accept(seven, 5, a_site, "cancelled")
    leads[8] = factories._save(Lead(caller_name="Far", phone="+79030000008", address="Far away", lat=10, lon=10,
                                    work_type="loading", headcount=1, starts_at=T0 + timedelta(days=3), source="phone",
                                    status="new", taken_by_id=cc1.id, created_at=T0))
    return leads, cc1, cc2


def _row(rows, key):
    [row] = [r for r in rows if r.key[0] == key[0] and (len(key) == 1 or r.key[1] == key[1])]
    return row


def test_step_rates_divide_each_step_by_the_one_before():
    rates = funnel.step_rates({"taken": 8, "routed": 7, "accepted": 5, "converted": 4, "completed": 2})
    assert rates.steps == {"routed": Fraction(7, 8), "accepted": Fraction(5, 7), "converted": Fraction(4, 5),
                           "completed": Fraction(1, 2)}
    assert rates.overall == Fraction(1, 4)
    empty = funnel.step_rates({"taken": 3, "routed": 0, "accepted": 0, "converted": 0, "completed": 0})
    assert empty.steps["accepted"] is None and empty.steps["routed"] == 0 and empty.overall == 0
    assert funnel.percent(Fraction(5, 7)) == 71.4 and funnel.percent(None) is None


def test_the_period_defaults_to_the_last_30_days_and_fills_a_missing_end():
    today = date(2026, 12, 1)
    assert funnel.period(None, None, today) == (date(2026, 11, 2), today)
    assert funnel.period(date(2026, 11, 20), None, today) == (date(2026, 11, 20), today)
    assert funnel.period(None, date(2026, 10, 31), today) == (date(2026, 10, 2), date(2026, 10, 31))
    with pytest.raises(ValueError):
        funnel.check_period(date(2026, 12, 2), date(2026, 12, 1))
    with pytest.raises(ValueError):
        funnel.check_period(date(2000, 1, 1), date(2026, 12, 1))


def test_the_worked_example_gives_exact_counts_rates_and_medians(app, db, city, example):
    _leads, cc1, cc2 = example
    report = reports.funnel_report(date(2026, 11, 1), date(2026, 11, 30), "Europe/Moscow")
    total = report.total
    assert total.counts == {"taken": 8, "routed": 7, "accepted": 5, "converted": 4, "completed": 2}
    assert total.rates.overall == Fraction(1, 4) and total.rates.steps["accepted"] == Fraction(5, 7)
    assert total.median_accept_minutes == 20

    sources = report.by_source
    assert _row(sources, ("phone", None)).counts == {"taken": 4, "routed": 3, "accepted": 2, "converted": 2, "completed": 1}
    assert _row(sources, ("phone", None)).median_accept_minutes == 15  # 10 and 20
    winter = _row(sources, ("campaign", "winter"))
    assert winter.counts == {"taken": 2, "routed": 2, "accepted": 1, "converted": 0, "completed": 0}
    assert winter.median_accept_minutes == 30 and winter.rates.steps["converted"] == 0
    assert _row(sources, ("web_form",)).counts["completed"] == 1
    assert _row(sources, ("referral",)).median_accept_minutes == 5

    branches = report.by_branch
    a, b, none = _row(branches, (city.a.id,)), _row(branches, (city.b.id,)), _row(branches, (None,))
    assert a.counts == {"taken": 4, "routed": 4, "accepted": 4, "converted": 3, "completed": 1}
    assert a.median_accept_minutes == 15  # 5, 10, 20, 30: the two middles' mean
    assert (a.name, b.name) == (city.a.name, city.b.name)
    assert b.counts == {"taken": 2, "routed": 2, "accepted": 1, "converted": 1, "completed": 1}
    assert b.median_accept_minutes == 40
    assert none.counts == {"taken": 2, "routed": 1, "accepted": 0, "converted": 0, "completed": 0}
    assert none.median_accept_minutes is None and none.rates.steps["converted"] is None

    agents = report.by_agent
    assert _row(agents, (cc1.id,)).counts == {"taken": 5, "routed": 4, "accepted": 3, "converted": 3, "completed": 2}
    assert _row(agents, (cc1.id,)).median_accept_minutes == 20  # 10, 20, 40
    assert _row(agents, (cc2.id,)).counts == {"taken": 3, "routed": 3, "accepted": 2, "converted": 1, "completed": 0}
    assert _row(agents, (cc2.id,)).median_accept_minutes == 17.5  # 30 and 5
    assert _row(agents, (cc1.id,)).name == "Olga Agent"

    lost = {(row.kind, row.reason, row.note): row.leads for row in report.lost}
    assert lost == {("declined", None, "too far"): 2, ("expired", "sla_expired", None): 1,
                    ("lost", "no_branch_left", None): 1}
    assert report.lost_for_good == 1


def test_the_page_shows_the_figures_and_the_chart_data(client, auth, db, city, example):
    auth.login(city.callcentre.email)
    response = client.get("/leads/funnel?first=2026-11-01&last=2026-11-30")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'data-testid="funnel-total-row"' in page and "25.0%" in page and "71.4%" in page
    assert city.a.name in page and city.b.name in page and "Olga Agent" in page and "too far" in page
    assert 'id="chart-funnel"' in page and "chart.umd.js" in page
    assert '"total": [8, 7, 5, 4, 2]' in page


def test_the_default_period_is_the_last_30_days_in_the_viewer_s_zone(client, auth, db, city):
    # 2026-11-01 21:00 UTC is the first moment of 2 November in Moscow, the first day of the 30 ending today
    inside = factories.lead(city.a, created_at=datetime(2026, 11, 1, 21, tzinfo=timezone.utc))
    factories.lead(city.a, created_at=datetime(2026, 11, 1, 20, 59, 59, tzinfo=timezone.utc))
    auth.login(city.callcentre.email)
    page = client.get("/leads/funnel").get_data(as_text=True)
    assert 'value="2026-11-02"' in page and 'value="2026-12-01"' in page
    report = reports.funnel_report(date(2026, 11, 2), date(2026, 12, 1), "Europe/Moscow")
    assert report.total.counts["taken"] == 1 and inside.id


@pytest.mark.parametrize("zone,first_day", [("Europe/Moscow", 1), ("Asia/Novosibirsk", 1), ("Europe/Kaliningrad", 0)])
def test_the_period_s_days_are_the_viewer_s_region_s_days(client, auth, db, city, zone, first_day):
    """A lead taken at 21:30 UTC on 30 November is on 1 December in Moscow (00:30) and Novosibirsk, not in
    Kaliningrad (23:30): a partner's period runs in his region's zone."""
    city.moscow.timezone = zone
    factories.lead(city.a, created_at=datetime(2026, 11, 30, 21, 30, tzinfo=timezone.utc))
    db.session.commit()
    auth.login(city.a_partner.email)
    page = client.get("/leads/funnel?first=2026-12-01&last=2026-12-01").get_data(as_text=True)
    assert f'data-step="taken">{first_day}<' in page


def test_a_partner_sees_only_his_branch_s_figures(client, auth, db, city, example):
    auth.login(city.a_partner.email)
    page = client.get("/leads/funnel?first=2026-11-01&last=2026-11-30").get_data(as_text=True)
    assert city.b.name not in page and "Olga Agent" not in page  # B's branch, head office's agents
    assert '"total": [4, 4, 4, 3, 1]' in page
    auth.logout()
    auth.login(city.b_partner.email)
    page = client.get("/leads/funnel?first=2026-11-01&last=2026-11-30").get_data(as_text=True)
    assert city.a.name not in page
    assert '"total": [2, 2, 1, 1, 1]' in page
    assert 'data-median="40.0"' in page and 'data-median="20.0"' not in page  # B's one accept, not the network's


@pytest.mark.parametrize("query", ["first=2026-12-02&last=2026-12-01", "first=yesterday", "first=1990-01-01"])
def test_a_wrong_period_is_a_400_with_the_reason(client, auth, db, city, query):
    auth.login(city.callcentre.email)
    response = client.get(f"/leads/funnel?{query}")
    assert response.status_code == 400
    assert 'role="alert"' in response.get_data(as_text=True)


def test_the_funnel_is_in_the_nav_of_those_who_see_it(client, auth, db, city):
    for user, shown in ((city.callcentre, True), (city.a_partner, True), (city.admin, True), (city.a_dispatcher, False)):
        auth.login(user.email)
        assert ('href="/leads/funnel"' in client.get("/profile").get_data(as_text=True)) == shown, user.role
        assert client.get("/leads/funnel").status_code == (200 if shown else 403)
        auth.logout()
