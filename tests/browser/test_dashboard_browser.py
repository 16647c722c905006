"""In a real browser: head office opens the network page and every chart is drawn, within the CSP, without an error."""
from datetime import datetime, timezone

from tests.browser.test_login_browser import _log_in
from tests.royalty.conftest import shift

CHARTS = ("chart-turnover", "chart-regions", "chart-ranking", "chart-dues", "chart-fill")


def test_head_office_sees_the_charts_drawn(live_server, page, city):
    shift(city.a_site, datetime(2026, 11, 3, 6, tzinfo=timezone.utc), ["8", "7.5"])
    shift(city.c_site, datetime(2026, 11, 4, 6, tzinfo=timezone.utc), ["4"], outcome="no_show")
    problems = []

    def on_console(message):
        if message.type in ("error", "warning") and not message.location.get("url", "").endswith("/favicon.ico"):
            problems.append(message.text)  # the app has no favicon: the browser asking for one is not our error

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(str(error)))

    _log_in(page, live_server, city.admin.email)
    page.wait_for_url(f"{live_server}/admin")
    page.goto(f"{live_server}/admin?month=2026-11")
    page.wait_for_function("typeof Chart !== 'undefined'")
    for chart in CHARTS:
        canvas = page.locator(f"#{chart}")
        box = canvas.bounding_box()
        assert box and box["width"] > 0 and box["height"] > 0, chart
        assert canvas.evaluate("canvas => Chart.getChart(canvas) !== undefined"), chart
        assert canvas.evaluate("canvas => Chart.getChart(canvas).data.datasets[0].data.length") > 0, chart
    turnover = page.locator("#chart-turnover").evaluate("canvas => Chart.getChart(canvas).data.datasets[0].data")
    assert turnover[-1] == 3410  # 15.5 h x 220, the same figure as the table beneath
    assert page.get_by_test_id("turnover-2026-11").inner_text() == "₽3,410.00"

    page.get_by_label("Month", exact=True).fill("2026-10")
    page.click("form[data-testid=month-filter] button[type=submit]")
    page.wait_for_url(f"{live_server}/admin?month=2026-10")
    assert page.locator("#chart-turnover").evaluate("canvas => Chart.getChart(canvas).data.labels.at(-1)") == "2026-10"
    assert problems == []
