"""Head office's dashboard at network scale: the royalty suite's year (450 franchises, over 1,000,000 marks).

Run after the royalty suite (`python -m bench royalty dashboard`), which writes the year and closes the
month before the last. The figures are for the last month and the eleven before it; the closed month's
turnover on the dashboard must equal its statements' turnover.
"""
import statistics
import time
from datetime import datetime, timezone

from sqlalchemy import func, select

from extensions import db
from franchise import dashboard
from royalty import arithmetic
from royalty.models import Statement

RUNS = 3


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
    return {
        "dashboard_s": statistics.median(took),
        "dashboard_turnover_same_as_statements": stated is not None and stated == shown,
    }
