"""In a real browser, on the royalty tests' November in Moscow (A and B share the city, B with a fixed fee):

- A's partner sees his month's turnover and royalty, his statement and balance, his trend chart drawn, and
  nothing of B's: B's figures are on none of his pages and B's statement answers him 404;
- head office edits a rate card on its page, closes November with the button, downloads B's statement as CSV
  (its lines add up to its total) and sees the network's charts drawn.
"""
import csv
import io
from decimal import Decimal

from freezegun import freeze_time
from sqlalchemy import select

from orders.models import Attendance, RateCard
from royalty import service as royalty
from tests import factories
from tests.browser.test_login_browser import _log_in
from tests.royalty import conftest as royalty_months
from tests.royalty.conftest import statement_of
from workers.models import Worker

month = royalty_months.month  # the royalty tests' November, as a fixture here too

AFTER_NOVEMBER = "2026-12-01 12:00:00"  # 15:00 on 1 December in Moscow


def _drawn(page, canvas_id):
    """How many of the chart's points have a value, and whether its canvas has anything painted on it."""
    page.wait_for_function(f"typeof Chart !== 'undefined' && Chart.getChart(document.getElementById('{canvas_id}'))")
    canvas = page.locator(f"#{canvas_id}")
    values = canvas.evaluate("canvas => Chart.getChart(canvas).data.datasets.flatMap(d => d.data)"
                             ".filter(v => v !== null).length")
    painted = canvas.evaluate("canvas => { const {width, height} = canvas;"
                              " const pixels = canvas.getContext('2d').getImageData(0, 0, width, height).data;"
                              " for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) return true; }"
                              " return false; }")
    return values, painted


@freeze_time(AFTER_NOVEMBER, tick=True, real_asyncio=True)
def test_a_partner_sees_his_own_money_and_statements_only(live_server, browser, page, db, month):
    royalty.close_month("2026-11")
    own, other = statement_of(month.a), statement_of(month.b)
    assert (own.total, other.total) == (Decimal("891.00"), Decimal("5056.01"))  # 15% of 5,940.00; B: 56.01 + 5,000
    b_figures = ("5,056.01", "373.40", "56.01", "5,000.00", month.b.name)
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))

    _log_in(page, live_server, month.a_partner.email)
    page.wait_for_url(f"{live_server}/portal")
    # December so far: A's shift at 00:30 on the 1st in Moscow, 4 h x 220
    assert page.get_by_test_id("month-turnover").inner_text() == "₽880.00"
    assert page.get_by_test_id("month-royalty").inner_text() == "₽132.00"
    assert page.get_by_test_id("balance").inner_text() == "₽891.00"
    values, painted = _drawn(page, "chart-fill")
    assert values == 4 and painted  # fill and no-show rates of November and of December so far; no gaps drawn as 0
    assert page.get_by_test_id("fill-rate-2026-11").get_attribute("data-value") == "0.8000"  # 4 of 5 places
    assert page.get_by_test_id("no-show-rate-2026-11").get_attribute("data-value") == "0.2000"  # 1 of 5 marks
    pages = [page.content()]

    page.get_by_test_id("portal-balance").get_by_role("link", name="2026-11").click()
    page.wait_for_url(f"{live_server}/royalty/statements/{own.id}")
    assert page.get_by_test_id("total").inner_text() == "₽891.00"
    assert page.get_by_test_id("turnover").inner_text() == "₽5,940.00"
    pages.append(page.content())
    page.goto(f"{live_server}/royalty/")
    assert page.get_by_test_id(f"balance-{month.a.id}").is_visible()
    pages.append(page.content())
    page.goto(f"{live_server}/portal/workers")
    # who came to A's shifts: three and one in November, one on 1 December, one on a shift still open
    assert page.get_by_test_id("shift-workers").locator("tbody tr").count() == 6
    pages.append(page.content())
    b_figures += tuple(w.last_name for w in db.session.scalars(
        select(Worker).join(Attendance, Attendance.worker_id == Worker.id)
        .where(Attendance.order_id.in_([month.b1.id, month.b2.id]))))

    for text in pages:
        for figure in b_figures:
            assert figure not in text, figure
    assert page.goto(f"{live_server}/royalty/statements/{other.id}").status == 404
    assert page.goto(f"{live_server}/royalty/statements/{other.id}.csv").status == 404
    assert problems == []


@freeze_time(AFTER_NOVEMBER, tick=True, real_asyncio=True)
def test_head_office_edits_a_rate_closes_the_month_downloads_a_statement_and_sees_the_charts(live_server, page, db,
                                                                                               month, tmp_path):
    card = factories._save(RateCard(region_id=month.moscow.id, work_type="loading", conditions="warm",
                                    pay_rate=Decimal("100.00"), bill_rate=Decimal("200.00")))
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    _log_in(page, live_server, month.admin.email)
    page.wait_for_url(f"{live_server}/admin")

    page.goto(f"{live_server}/orders/rates/")
    page.get_by_test_id(f"card-{card.id}").get_by_role("link", name="Edit").click()
    page.wait_for_url(f"{live_server}/orders/rates/{card.id}/edit")
    page.locator("input[name=bill_rate]").fill("235.50")
    page.get_by_test_id("save-card").click()
    page.wait_for_url(f"{live_server}/orders/rates/?region_id={month.moscow.id}")
    assert "Rate card saved." in page.content()
    assert "₽235.50" in page.get_by_test_id(f"card-{card.id}").inner_text()
    db.session.expire_all()
    assert db.session.get(RateCard, card.id).bill_rate == Decimal("235.50")

    page.goto(f"{live_server}/royalty/")
    assert page.locator("form[data-testid=close-form] input[name=period]").input_value() == "2026-11"
    page.get_by_test_id("close-month").click()
    page.wait_for_url(f"{live_server}/royalty/?period=2026-11")
    assert "2026-11 closed: 3 statements issued, 0 issued before." in page.content()
    b = statement_of(month.b)
    page.get_by_test_id(f"statement-{b.id}").get_by_role("link", name="2026-11").click()
    page.wait_for_url(f"{live_server}/royalty/statements/{b.id}")
    with page.expect_download() as waiting:
        page.get_by_test_id("csv").click()
    download = waiting.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    assert download.suggested_filename == f"royalty-2026-11-{month.b.id}.csv"
    table = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    lines = [row for row in table if row["kind"] in ("order", "adjustment", "fee")]
    total = next(row for row in table if row["kind"] == "total")
    assert len(lines) == 3  # B's two shifts and his fixed fee
    assert sum(Decimal(row["amount"]) for row in lines) == Decimal(total["amount"]) == b.total
    assert page.get_by_test_id("total").inner_text() == f"₽{b.total:,}"
    page.emulate_media(media="print")  # the statement prints without the console around it
    assert page.get_by_test_id("statement").is_visible() and page.get_by_test_id("lines").is_visible()
    assert page.locator("header.top").is_hidden() and page.get_by_test_id("csv").is_hidden()
    page.emulate_media(media="screen")

    page.goto(f"{live_server}/admin?month=2026-11")
    for chart in ("chart-turnover", "chart-regions", "chart-ranking", "chart-dues", "chart-fill"):
        values, painted = _drawn(page, chart)
        assert values > 0 and painted, chart
    dues = page.locator("#chart-dues").evaluate("canvas => Chart.getChart(canvas).data.datasets[0].data.at(-1)")
    assert Decimal(str(dues)) == sum((statement_of(f).total for f in (month.a, month.b, month.c)), Decimal(0))
    assert problems == []
