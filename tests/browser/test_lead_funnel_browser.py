"""In a real browser: the call centre opens the lead funnel and every chart is drawn, without an error."""
from datetime import datetime, timezone

from tests import factories
from tests.browser.test_login_browser import _log_in

CHARTS = ("chart-funnel", "chart-sources", "chart-branches", "chart-lost")


def test_the_call_centre_sees_the_funnel_charts_drawn(live_server, page, city):
    taken = datetime(2026, 11, 10, 9, tzinfo=timezone.utc)
    factories.lead(city.a, created_at=taken, source="campaign", campaign="winter")
    factories.lead(city.b, created_at=taken, status="lost", franchise_id=None)
    declined = factories.lead(city.b, created_at=taken)
    from leads.models import LeadEvent

    factories._save(LeadEvent(lead_id=declined.id, kind="declined", note="too far", franchise_id=city.b.id, at=taken))
    problems = []

    def on_console(message):
        if message.type in ("error", "warning") and not message.location.get("url", "").endswith("/favicon.ico"):
            problems.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(str(error)))

    _log_in(page, live_server, city.callcentre.email)
    page.goto(f"{live_server}/leads/funnel?first=2026-11-01&last=2026-11-30")
    page.wait_for_function("typeof Chart !== 'undefined'")
    for chart in CHARTS:
        canvas = page.locator(f"#{chart}")
        box = canvas.bounding_box()
        assert box and box["width"] > 0 and box["height"] > 0, chart
        assert canvas.evaluate("canvas => Chart.getChart(canvas) !== undefined"), chart
        assert canvas.evaluate("canvas => Chart.getChart(canvas).data.datasets[0].data.length") > 0, chart
    steps = page.locator("#chart-funnel").evaluate("canvas => Chart.getChart(canvas).data.datasets[0].data")
    assert steps[0] == 3  # three leads taken, as the table beneath says
    assert page.get_by_test_id("funnel-total-row").locator("[data-step=taken]").inner_text() == "3"
    assert page.locator("#chart-lost").evaluate("canvas => Chart.getChart(canvas).data.labels") == ["too far"]

    page.fill("input[name=first]", "2026-11-11")
    page.click("form[data-testid=period-filter] button[type=submit]")
    page.wait_for_url(f"{live_server}/leads/funnel?first=2026-11-11&last=2026-11-30")
    assert page.locator("#chart-funnel").evaluate("canvas => Chart.getChart(canvas).data.datasets[0].data[0]") == 0
    assert problems == []
