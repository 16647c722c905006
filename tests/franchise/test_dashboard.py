"""Head office's dashboard on PostgreSQL, worked out by hand on the royalty tests' November in Moscow
(A and B share Moscow, C is in Kazan) plus a Kazan shift and an October of uneven fills."""
import json
import re
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from freezegun import freeze_time

from franchise import dashboard
from orders.models import Attendance
from royalty import arithmetic
from royalty import service as royalty
from tests import factories
from tests.royalty import conftest as royalty_months
from tests.royalty.conftest import shift, statement_of

month = royalty_months.month  # the royalty tests' November, as a fixture here too

AFTER_NOVEMBER = "2026-12-01 12:00:00"  # November has ended everywhere; it is December in Moscow
D = Decimal


def utc(month_, day, hour, minute=0):
    return datetime(2026, month_, day, hour, minute, tzinfo=timezone.utc)


@pytest.fixture
def network_months(db, month):
    """November (A: 5940.00, B: 373.40; C in Kazan: 2200.00), a December shift of A, and October's fills.

    Kazan keeps Moscow's clock in the factories; it is a region of its own all the same.
    """
    month.c1 = shift(month.c_site, utc(11, 15, 6), ["6", "4"], bill_rate="220.00")  # 10 h x 220 = 2200.00
    # October, all of A: a surplus worker does not fill more than was asked, a no-show fills nothing
    surplus = factories.order(month.a_site, needed=2, target=3, starts_at=utc(10, 5, 6), status="invoiced")
    short = factories.order(month.a_site, needed=4, target=5, starts_at=utc(10, 6, 6), status="completed")
    cancelled = factories.order(month.a_site, needed=9, target=9, starts_at=utc(10, 7, 6), status="cancelled")
    for order, outcomes in ((surplus, ["came", "came", "late"]), (short, ["came", "left_early", "no_show"]),
                            (cancelled, ["no_show"])):
        for outcome in outcomes:
            worker = factories.worker(month.moscow)
            factories._save(Attendance(order_id=order.id, worker_id=worker.id, franchise_id=order.franchise_id,
                                       outcome=outcome, hours=D("0") if outcome == "no_show" else D("2")))
    return month


def by_month(figures):
    return {m.period: m for m in figures.months}


def test_turnover_and_royalty_by_month_region_and_franchise(db, network_months):
    figures = dashboard.network_dashboard("2026-11")
    months = by_month(figures)
    assert list(months) == ["2025-12", "2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06",
                            "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]
    # A 5060.00 + 880.00, B 266.71 + 106.69, C 2200.00; A's shift at 00:30 on 1 December in Moscow is December's
    assert (months["2026-11"].turnover, months["2026-11"].royalty) == (D("8513.40"), D("1277.01"))
    # October: 2 x 3 h worked x 220, and 2 x 2 h: 1320.00 + 880.00; royalty at 15%
    assert (months["2026-10"].turnover, months["2026-10"].royalty) == (D("2200.00"), D("330.00"))
    assert months["2025-12"].turnover == D("0.00")
    regions = {s.owner.name: (s.turnover, s.royalty, s.shifts) for s in figures.regions}
    assert regions == {"Moscow": (D("6313.40"), D("947.01"), 4), "Kazan": (D("2200.00"), D("330.00"), 1)}
    assert [(s.owner.name, s.turnover, s.royalty) for s in figures.ranking] == [
        ("Alpha Moscow", D("5940.00"), D("891.00")), ("Charlie Kazan", D("2200.00"), D("330.00")),
        ("Bravo Moscow", D("373.40"), D("56.01"))]  # head office owns no shift and is not ranked


def test_orders_with_the_same_line_count_once_each(db, city):
    for day in (7, 8):  # 1.25 h x 213.37 = 266.7125: 266.71 each, never 533.43 for the two
        shift(city.b_site, utc(9, day, 6), ["1.25"], bill_rate="213.37")
    shift(city.b_site, utc(9, 9, 6), ["0.5"], bill_rate="213.37")  # 106.685: 106.69
    september = dashboard.network_dashboard("2026-09")
    assert (september.chosen.turnover, september.chosen.royalty) == (D("640.11"), D("96.02"))  # 40.01 + 40.01 + 16.00
    assert [(s.owner.name, s.shifts) for s in september.ranking][0] == ("Bravo Moscow", 3)


def test_the_month_filter_moves_every_figure(db, network_months):
    december = dashboard.network_dashboard("2026-12")
    assert december.months[-1].period == "2026-12" and december.months[0].period == "2026-01"
    assert (december.chosen.turnover, december.chosen.royalty) == (D("880.00"), D("132.00"))
    assert [(s.owner.name, s.turnover) for s in december.ranking] == [
        ("Alpha Moscow", D("880.00")), ("Bravo Moscow", D("0.00")), ("Charlie Kazan", D("0.00"))]
    assert by_month(december)["2026-11"].turnover == D("8513.40")
    assert {s.owner.name: s.turnover for s in december.regions} == {"Moscow": D("880.00"), "Kazan": D("0.00")}


def test_fill_and_no_show_rates(db, network_months):
    months = by_month(dashboard.network_dashboard("2026-11"))
    # November's closed orders: A 3 of 3, 1 of 1, 0 of 1 (a no-show); B 1 of 1 twice; C 2 of 2. The open one is out.
    november = months["2026-11"]
    assert (november.needed, november.filled, november.marks, november.no_shows) == (9, 8, 9, 1)
    assert (november.fill_rate, november.no_show_rate) == (D("0.8889"), D("0.1111"))
    # October: min(3 came, 2 needed) + 2 of 4 (came, left early; a no-show) = 4 of 6; the cancelled order is out
    october = months["2026-10"]
    assert (october.needed, october.filled, october.marks, october.no_shows) == (6, 4, 6, 1)
    assert (october.fill_rate, october.no_show_rate) == (D("0.6667"), D("0.1667"))
    assert (months["2026-09"].fill_rate, months["2026-09"].no_show_rate) == (None, None)


@freeze_time(AFTER_NOVEMBER)
def test_royalty_due_against_paid(db, network_months):
    net = network_months
    royalty.close_month("2026-11")
    royalty.record_payment(statement_of(net.a).id, D("500.00"), date(2026, 12, 10), "PP-1")
    royalty.record_payment(statement_of(net.b).id, D("5056.01"), date(2026, 12, 11), "PP-2")
    months = by_month(dashboard.network_dashboard("2026-12"))
    # statements: A 891.00, B 56.01 + 5000.00 fee, C 330.00
    assert (months["2026-11"].due, months["2026-11"].paid) == (D("6277.01"), D("5556.01"))
    assert (months["2026-12"].due, months["2026-12"].paid) == (D("0.00"), D("0.00"))


def _figure(page, testid):
    found = re.search(rf'data-testid="{re.escape(testid)}" data-value="([^"]*)"', page)
    assert found, f"no {testid} on the page"
    return found.group(1)


def _chart_data(page):
    return json.loads(re.search(r'<script type="application/json" id="dashboard-data">(.*?)</script>', page,
                                re.S).group(1))


@freeze_time(AFTER_NOVEMBER)
def test_the_page_shows_the_chosen_month_and_defaults_to_moscows(client, auth, db, network_months):
    net = network_months
    royalty.close_month("2026-11")
    royalty.record_payment(statement_of(net.a).id, D("891.00"), date(2026, 12, 10), None)
    auth.login(net.admin.email)
    page = client.get("/admin", query_string={"month": "2026-11"}).get_data(as_text=True)
    assert _figure(page, "turnover-2026-11") == "8513.40" and _figure(page, "royalty-2026-11") == "1277.01"
    assert _figure(page, f"region-turnover-{net.moscow.id}") == "6313.40"
    assert _figure(page, f"region-turnover-{net.kazan.id}") == "2200.00"
    assert _figure(page, f"franchise-turnover-{net.a.id}") == "5940.00"
    assert re.findall(r'data-testid="ranked-\d+" data-franchise="(\d+)"', page) == [str(net.a.id), str(net.c.id),
                                                                                     str(net.b.id)]
    assert (_figure(page, "due-2026-11"), _figure(page, "paid-2026-11")) == ("6277.01", "891.00")
    assert (_figure(page, "fill-rate-2026-11"), _figure(page, "no-show-rate-2026-11")) == ("0.8889", "0.1111")
    assert "₽8,513.40" in page and "88.9%" in page  # as people read them
    assert "The network" in page and "Charlie Kazan" in page  # the counts and tables stay
    data = _chart_data(page)
    assert data["months"][-1] == "2026-11" and data["turnover"][-1] == "8513.40"
    assert data["franchises"] == ["Alpha Moscow", "Charlie Kazan", "Bravo Moscow"]
    assert data["fill_rate"][-1] == "88.89" and data["labels"]["turnover"] == "Turnover"

    default = client.get("/admin").get_data(as_text=True)  # 15:00 on 1 December in Moscow
    assert _chart_data(default)["months"][-1] == "2026-12"
    assert _figure(default, "turnover-2026-12") == "880.00"


def test_the_default_month_is_moscows():
    assert dashboard.default_month(utc(11, 30, 20, 59)) == "2026-11"  # 23:59 on 30 November in Moscow
    assert dashboard.default_month(utc(11, 30, 21, 0)) == "2026-12"  # midnight: December, still November in UTC


@pytest.mark.parametrize("bad", ["2026-13", "11.2026", "2026-1", "nov", "2026-11x", "1999-01"])
def test_a_bad_month_is_refused_with_a_clear_message(client, auth, db, city, bad):
    auth.login(city.admin.email)
    response = client.get("/admin", query_string={"month": bad})
    assert response.status_code == 400
    assert "Write the month as YYYY-MM, for example 2026-11." in response.get_data(as_text=True)


@pytest.mark.parametrize("who", ["a_partner", "a_dispatcher"])
def test_only_head_office_opens_the_dashboard(client, auth, db, city, who):
    auth.login(getattr(city, who).email)
    assert client.get("/admin", query_string={"month": "2026-11"}).status_code == 403


def test_the_helpers_add_up_plain_values():
    assert dashboard.months_up_to("2026-02", 3) == ["2025-12", "2026-01", "2026-02"]
    assert dashboard.rate(2, 3) == D("0.6667") and dashboard.rate(1, 0) is None
    assert dashboard.month_edges(["2026-10", "2026-11"], "Asia/Vladivostok") == [
        utc(9, 30, 14), utc(10, 31, 14), utc(11, 30, 14)]  # midnight in Vladivostok, UTC+10
    line = arithmetic.order_line(None, "", "2026-09", D("1.25"), D("266.71"), D("0.15"))
    totals = dashboard.sum_lines([("b", line, 2), ("b", line, 1), ("c", line, 1)])
    assert (totals["b"].turnover, totals["b"].royalty, totals["c"].royalty) == (D("800.13"), D("120.03"), D("40.01"))
    assert dashboard.dues_by_month([(1, "2026-11", D("10.00")), (2, "2026-11", D("5.50"))], {2: D("5.50")}) == {
        "2026-11": (D("15.50"), D("5.50"))}


@freeze_time(AFTER_NOVEMBER)
def test_orders_whose_pay_reaches_the_bill_are_flagged_for_their_month(client, auth, db, city):
    at_cost = factories.order(city.a_site, starts_at=utc(11, 10, 6), pay_rate=D("220.00"), bill_rate=D("220.00"))
    losing = factories.order(city.b_site, starts_at=utc(11, 12, 6), pay_rate=D("250.00"), bill_rate=D("220.00"))
    factories.order(city.a_site, starts_at=utc(11, 13, 6), pay_rate=D("219.99"), bill_rate=D("220.00"))  # a margin
    factories.order(city.a_site, starts_at=utc(11, 14, 6), pay_rate=D("300.00"), bill_rate=D("220.00"),
                    status="cancelled")
    factories.order(city.c_site, starts_at=utc(10, 31, 20, 59), pay_rate=D("300.00"), bill_rate=D("220.00"))  # October
    figures = dashboard.network_dashboard("2026-11")
    assert ([o.id for o in figures.at_a_loss], figures.at_a_loss_count) == ([at_cost.id, losing.id], 2)
    auth.login(city.admin.email)
    page = client.get("/admin?month=2026-11").get_data(as_text=True)
    assert f'data-testid="loss-{at_cost.id}"' in page and f'data-testid="loss-{losing.id}"' in page
    assert "as much as the client is billed, or more: 2." in page
    assert 'data-testid="at-a-loss-none"' in client.get("/admin?month=2026-09").get_data(as_text=True)
