"""Head office's dashboard at network scale: the royalty suite's year (450 franchises, over 1,000,000 marks).

Run after the royalty suite (`python -m bench royalty dashboard`), which writes the year and closes the
month before the last. `dashboard_p95_ms` is the whole page (`GET /admin?month=...`, signed in as a
head-office administrator: the figures, the summary, the charts' data, the HTML) through the app, 20 times
after 3 warm-ups; `dashboard_s` is the figures alone (franchise.dashboard.network_dashboard), median of
three. The figures are for the last month and the eleven before it; the closed month's turnover on the
dashboard must equal its statements' turnover.
"""
import statistics
import time
from datetime import datetime, timezone

from sqlalchemy import func, select

from bench.harness import p50, percentile, timings_ms
from core import service as core_service
from extensions import db
from franchise import dashboard
from royalty import arithmetic
from royalty.models import Statement

RUNS = 3
PAGE_RUNS = 20
EMAIL, PASSWORD = "dashboard.bench@bench.artel", "dashboard-bench-2026"


def run(app) -> dict:
    now = datetime.now(timezone.utc)
    last = arithmetic.previous_period(now.strftime("%Y-%m"))
    closed = arithmetic.previous_period(last)
    took = []
    for _ in range(RUNS):
        db.session.remove()
        started = time.perf_counter()
        figures = dashboard.network_dashboard(last)
        took.append(time.perf_counter() - started)
    stated = db.session.scalar(select(func.sum(Statement.turnover)).where(Statement.period == closed))
    shown = next(m.turnover for m in figures.months if m.period == closed)
    page = _page_ms(app, last)
    return {
        "dashboard_s": statistics.median(took),
        "dashboard_p50_ms": p50(page),
        "dashboard_p95_ms": percentile(page, 95),
        "dashboard_turnover_same_as_statements": stated is not None and stated == shown,
    }


def _page_ms(app, month: str) -> list[float]:
    """Time the dashboard page as head office opens it, signed in through the login form."""
    if core_service.find_user(EMAIL) is None:
        core_service.create_user(EMAIL, "Dashboard bench", PASSWORD, "admin")
    db.session.remove()
    app.config["WTF_CSRF_ENABLED"] = False  # the bench's own client signs in without a rendered form
    try:
        client = app.test_client()
        signed_in = client.post("/login", data={"email": EMAIL, "password": PASSWORD})
        assert signed_in.status_code == 302, signed_in.status_code

        def open_page():
            response = client.get("/admin", query_string={"month": month})
            assert response.status_code == 200, response.status_code

        return timings_ms(open_page, PAGE_RUNS)
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
        db.session.remove()
