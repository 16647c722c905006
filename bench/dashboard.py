"""Head office's dashboard at network scale: the royalty suite's year (450 franchises, over 1,000,000 marks).

Run after the royalty suite (`python -m bench royalty dashboard`), which writes the year and closes the
month before the last. `dashboard_p95_ms` is the whole page as head office's browser gets it: the Procfile's
web process (its gunicorn command) serves `GET /admin?month=...` to a client signed in through the login form,
20 times after 9 warm-ups (three for each of its three workers, which gunicorn hands requests to as they come:
a worker's first page loads what a process loads once), one at a time. `dashboard_s` is the figures alone
(franchise.dashboard.network_dashboard, in this process), median of three; `dashboard_cold_s` the same
figures once with the rollup forgotten (franchise.rollup: the first view after a deploy or `flask demo`
counts the whole year). The figures are for the last month and the eleven before it; the closed month's
turnover on the dashboard must equal its statements'.
"""
import re
import statistics
import time
from datetime import datetime, timezone
from http.cookiejar import CookieJar
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, build_opener

from sqlalchemy import func, select

from bench.harness import p50, percentile, timings_ms
from bench.processes import procfile_web
from core import service as core_service
from extensions import db
from franchise import dashboard, rollup
from royalty import arithmetic
from royalty.models import Statement

RUNS = 3
PAGE_RUNS = 20
PAGE_WARMUPS = 9
EMAIL, PASSWORD = "dashboard.bench@bench.artel", "dashboard-bench-2026"


def run(app) -> dict:
    now = datetime.now(timezone.utc)
    last = arithmetic.previous_period(now.strftime("%Y-%m"))
    closed = arithmetic.previous_period(last)
    rollup.forget()
    db.session.remove()
    started = time.perf_counter()
    dashboard.network_dashboard(last)
    cold = time.perf_counter() - started
    took = []
    for _ in range(RUNS):
        db.session.remove()
        started = time.perf_counter()
        figures = dashboard.network_dashboard(last)
        took.append(time.perf_counter() - started)
    stated = db.session.scalar(select(func.sum(Statement.turnover)).where(Statement.period == closed))
    shown = next(m.turnover for m in figures.months if m.period == closed)
    page = _page_ms(last)
    return {
        "dashboard_s": statistics.median(took),
        "dashboard_cold_s": cold,
        "dashboard_p50_ms": p50(page),
        "dashboard_p95_ms": percentile(page, 95),
        "dashboard_turnover_same_as_statements": stated is not None and stated == shown,
    }


def _page_ms(month: str) -> list[float]:
    """Time the dashboard page from the Procfile's web process, signed in as head office through the login form."""
    if core_service.find_user(EMAIL) is None:
        core_service.create_user(EMAIL, "Dashboard bench", PASSWORD, "admin")
    db.session.remove()
    with procfile_web() as web:
        browser = build_opener(HTTPCookieProcessor(CookieJar()))
        form = browser.open(f"{web.base}/login", timeout=30).read().decode()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
        home = browser.open(f"{web.base}/login", urlencode(
            {"csrf_token": token, "email": EMAIL, "password": PASSWORD}).encode(), timeout=30)
        assert "/login" not in home.geturl(), "the bench's head-office user could not sign in"

        def open_page():
            with browser.open(f"{web.base}/admin?{urlencode({'month': month})}", timeout=60) as page:
                assert page.status == 200 and b"chart-turnover" in page.read()

        return timings_ms(open_page, PAGE_RUNS, warmup=PAGE_WARMUPS)
