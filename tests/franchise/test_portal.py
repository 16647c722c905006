"""The partner portal: his fill and no-show trend, his coming shifts and the workers of his shifts, his only.

A and B share one far-east region (Vladivostok, UTC+10), so a shift late on 31 October by the UTC clock
is already November there, and B's shifts sit in the very months A's do.
"""
import json
import re
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from freezegun import freeze_time

from core import tenancy
from franchise import borrowing, portal
from orders.models import Attendance
from tests import factories

NOW = "2026-11-20 03:00:00"  # 13:00 on 20 November in Vladivostok
D = Decimal


def utc(month, day, hour, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=timezone.utc)


def marked(site, starts_at, needed, outcomes, status="completed", workers=None):
    """An order of site's franchise for needed workers, with one mark per outcome (a new worker each unless given)."""
    order = factories.order(site, needed=needed, target=needed, starts_at=starts_at, status=status)
    region = site.client.franchise.region
    for i, outcome in enumerate(outcomes):
        worker = workers[i] if workers else factories.worker(region)
        factories._save(Attendance(order_id=order.id, worker_id=worker.id, franchise_id=order.franchise_id,
                                   outcome=outcome, hours=D("8") if outcome != "no_show" else None))
    return order


@pytest.fixture
def east(db):
    """Franchises A and B in Vladivostok, each with a partner, a client and a site; C elsewhere."""
    vlad = factories.region(name="Vladivostok", code="VVO", timezone="Asia/Vladivostok")
    net = factories.same_region_network()
    for side in ("a", "b"):
        fr = getattr(net, side)
        fr.region_id = vlad.id
        factories._save(fr)
    net.vlad = vlad
    return net


@pytest.fixture
def months(east):
    """A's October and November in Vladivostok's time, and a November of B's that must never count for A.

    October (local): one order, 2 needed, both came: fill 2/2, no-shows 0/2.
    November (local): at 00:30 on 1 November local (14:30 UTC on 31 October), 3 needed, 2 came and 1 no-show; on the 10th, 2 needed and 3 came (the surplus fills nothing more): fill 4/5 = 80%,
    no-shows 1/6 = 16.67%. A shift still in progress counts nowhere; B's November (4 no-shows of 4) is B's.
    """
    marked(east.a_site, utc(10, 31, 13, 30), 2, ["came", "came"])  # 23:30 on 31 October local
    marked(east.a_site, utc(10, 31, 14, 30), 3, ["came", "came", "no_show"])  # 00:30 on 1 November local
    marked(east.a_site, utc(11, 10, 0), 2, ["came", "came", "late"], status="invoiced")
    marked(east.a_site, utc(11, 12, 0), 5, ["no_show"], status="in_progress")  # not closed yet
    marked(east.b_site, utc(11, 5, 0), 4, ["no_show"] * 4)
    return east


def _as(user):
    tenancy.activate(tenancy.scope_for_user(user))


@freeze_time(NOW)
def test_the_trend_buckets_months_in_the_region_zone_and_reads_only_the_partners_orders(app, months):
    with app.test_request_context():
        _as(months.a_partner)
        trend = portal.fill_trend("Asia/Vladivostok", datetime.now(timezone.utc))
    assert [m.period for m in trend][0] == "2025-12" and len(trend) == 12
    october, november = trend[-2], trend[-1]
    assert (october.period, october.needed, october.filled, october.marks, october.no_shows) == ("2026-10", 2, 2, 2, 0)
    assert (november.period, november.needed, november.filled, november.marks, november.no_shows) == (
        "2026-11", 5, 4, 6, 1)
    assert november.fill_rate == D("0.8000") and november.no_show_rate == D("0.1667")
    assert october.fill_rate == D("1.0000") and october.no_show_rate == D("0.0000")
    assert all(m.fill_rate is None and m.no_show_rate is None for m in trend[:-2])  # no shift: no rate, not 0%


@freeze_time(NOW)
def test_the_trend_is_the_tenancy_layers_not_a_filter_of_its_own(app, months):
    """Unscoped (head office, a job) the same query reads every franchise's orders: B's November joins in."""
    with app.test_request_context():
        _as(None)
        november = portal.fill_trend("Asia/Vladivostok", datetime.now(timezone.utc))[-1]
    assert (november.needed, november.filled, november.marks, november.no_shows) == (9, 4, 10, 5)


@freeze_time(NOW)
def test_the_portal_shows_the_trend_chart_figures(client, auth, months):
    auth.login(months.a_partner.email)
    page = client.get("/portal")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'data-testid="fill-rate-2026-11" data-value="0.8000"' in text
    assert 'data-testid="no-show-rate-2026-11" data-value="0.1667"' in text
    assert 'data-testid="fill-rate-2026-10" data-value="1.0000"' in text
    chart = json.loads(re.search(r'<script type="application/json" id="dashboard-data">(.*?)</script>', text, re.S)[1])
    assert chart["months"][-2:] == ["2026-10", "2026-11"]
    assert chart["fill_rate"][-2:] == ["100.00", "80.00"] and chart["no_show_rate"][-2:] == ["0.00", "16.67"]
    assert chart["fill_rate"][0] is None  # a month without a closed shift draws a gap, not a zero
    assert 'id="chart-fill"' in text and "chart.umd.js" in text


@freeze_time(NOW)
def test_the_portal_lists_todays_and_coming_shifts_with_their_fill(client, auth, east):
    today = factories.order(east.a_site, needed=4, target=6, starts_at=utc(11, 20, 1), status="dispatching")  # 11:00
    for state in ("booked", "confirmed", "offered"):
        factories.offer(today, factories.worker(east.vlad), state=state)
    later = factories.order(east.a_site, needed=2, target=3, starts_at=utc(12, 3, 0), status="filled")
    earlier_today = factories.order(east.a_site, needed=1, target=1, starts_at=utc(11, 19, 14, 30),
                                    status="in_progress")  # 00:30 on the 20th in Vladivostok: today there
    yesterday = factories.order(east.a_site, needed=1, target=1, starts_at=utc(11, 19, 13), status="in_progress")
    cancelled = factories.order(east.a_site, needed=1, target=1, starts_at=utc(11, 25, 0), status="cancelled")
    draft = factories.order(east.a_site, needed=3, target=3, starts_at=utc(11, 26, 0), status="draft")  # to send out
    b_order = factories.order(east.b_site, needed=1, target=1, starts_at=utc(11, 21, 0), status="dispatching")
    auth.login(east.a_partner.email)
    text = client.get("/portal").get_data(as_text=True)
    assert 'data-testid="fill-%d">50.0%%' % today.id in text  # 2 of 4 hold a place; the one asked does not count
    assert 'data-testid="fill-%d">0.0%%' % later.id in text
    assert f'data-testid="coming-{earlier_today.id}"' in text and f'data-testid="fill-{draft.id}">0.0%' in text
    for absent in (yesterday, cancelled, b_order):
        assert f'data-testid="coming-{absent.id}"' not in text
    assert text.index(f"coming-{earlier_today.id}") < text.index(f"coming-{today.id}") < text.index(f"coming-{later.id}")


@pytest.fixture
def crews(east):
    """Ann worked two of A's shifts, Boris one of A's and one of B's, Vera only B's, Gleb a no-show of A's."""
    ann = factories.worker(east.vlad, first_name="Ann", last_name="Orlova", phone="+79140000001")
    boris = factories.worker(east.vlad, first_name="Boris", last_name="Sokolov", phone="+79140000002")
    vera = factories.worker(east.vlad, first_name="Vera", last_name="Lebedeva", phone="+79140000003")
    gleb = factories.worker(east.vlad, first_name="Gleb", last_name="Volkov", phone="+79140000004")
    marked(east.a_site, utc(11, 2, 0), 2, ["came", "late"], workers=[ann, boris])
    marked(east.a_site, utc(11, 9, 0), 2, ["came", "no_show"], workers=[ann, gleb])
    marked(east.b_site, utc(11, 15, 0), 2, ["came", "came"], workers=[boris, vera])
    east.ann, east.boris, east.vera, east.gleb = ann, boris, vera, gleb
    return east


@freeze_time(NOW)
def test_a_partner_sees_the_workers_of_his_own_shifts_only(client, auth, crews):
    auth.login(crews.a_partner.email)
    page = client.get("/portal/workers")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f'data-testid="shifts-{crews.ann.id}">2<' in text
    assert f'data-testid="shifts-{crews.boris.id}">1<' in text  # his shift for B is B's
    assert "Lebedeva" not in text and "Volkov" not in text  # B's worker only; a no-show did not work
    assert text.index("Orlova") < text.index("Sokolov")  # Ann's last shift (the 9th) is the later one
    assert "+7 914 000-00-01" in text
    searched = client.get("/portal/workers?q=sokol").get_data(as_text=True)
    assert "Sokolov" in searched and "Orlova" not in searched
    by_phone = client.get("/portal/workers?q=8 914 000 00 01").get_data(as_text=True)
    assert "Orlova" in by_phone and "Sokolov" not in by_phone


@freeze_time(NOW)
def test_the_workers_page_is_paged(client, auth, crews, monkeypatch):
    monkeypatch.setattr(portal, "WORKERS_PAGE_SIZE", 1)
    auth.login(crews.a_partner.email)
    first = client.get("/portal/workers").get_data(as_text=True)
    second = client.get("/portal/workers?page=2").get_data(as_text=True)
    assert "Orlova" in first and "Sokolov" not in first and "Page 1 of 2" in first
    assert "Sokolov" in second and "Orlova" not in second
    assert "Orlova" not in client.get("/portal/workers?page=3").get_data(as_text=True)


@pytest.mark.parametrize("query", ["page=0", "page=lots", "q=" + "x" * 101])
def test_a_bad_search_is_refused_with_a_400(client, auth, crews, query):
    auth.login(crews.a_partner.email)
    assert client.get(f"/portal/workers?{query}").status_code == 400


def test_a_partner_has_no_export_of_workers(app, client, auth, crews):
    auth.login(crews.a_partner.email)
    text = client.get("/portal/workers").get_data(as_text=True)
    assert ".csv" not in text and "Export" not in text
    assert client.get("/workers/export.csv").status_code == 403  # head office keeps the pool export
    exports = [r.rule for r in app.url_map.iter_rules()
               if r.rule.endswith(".csv") and app.view_functions[r.endpoint].required_action == "franchise.portal"]
    assert exports == []


def test_head_office_has_the_network_page_not_a_partners_workers(client, auth, crews):
    auth.login(crews.admin.email)
    assert client.get("/portal/workers").status_code == 404


@freeze_time(NOW)
def test_a_worker_borrowed_from_a_linked_region_is_among_the_workers_of_his_shifts(client, auth, crews):
    """The list reads the workers the partner's scope reaches: his region's pool and, while head office links
    them, the neighbours' (franchise.borrowing)."""
    borrowing.allow(crews.vlad.id, crews.kazan.id)
    lent = factories.worker(crews.kazan, first_name="Lev", last_name="Zaitsev", phone="+79140000005")
    order = marked(crews.a_site, utc(11, 16, 0), 1, [])
    factories._save(Attendance(order_id=order.id, worker_id=lent.id, franchise_id=crews.a.id, outcome="came",
                               hours=D("8"), lent_from_region_id=crews.kazan.id))
    auth.login(crews.a_partner.email)
    text = client.get("/portal/workers").get_data(as_text=True)
    assert f'data-testid="shifts-{lent.id}">1<' in text
    assert text.index("Zaitsev") < text.index("Orlova")  # his shift on the 16th is the latest
