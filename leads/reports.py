"""The lead funnel read from the database: counts per step grouped in SQL, divided by leads.funnel.

Every read goes through the ORM, so core.tenancy scopes it: head office and the call centre
count every branch's leads, a partner his own branch's (the leads it holds now).
"""
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, case, exists, func, literal, select

from core.i18n import label
from core.i18n import lazy_gettext as _l
from core.models import User
from extensions import db
from franchise.models import Franchise
from leads import funnel, texts
from leads.models import Lead, LeadEvent
from orders.attendance import CLOSED
from orders.models import Order

LOST_KINDS = ("declined", "expired", "lost")  # a branch let the lead go, or nobody was left to take it
LOST_SHOWN = 50


@dataclass
class FunnelRow:
    """One line of the funnel: its key (a source and campaign, a branch, an agent) and its figures."""

    key: tuple
    label: str | None  # what the database names it: the campaign, the branch, the agent
    counts: dict[str, int]
    rates: funnel.Rates
    median_accept_minutes: float | None
    name: str = ""  # how the page names the line


def _name(dimension: str, key, label_: str | None) -> str:
    if dimension == "source":
        source = str(label(texts.SOURCE_LABELS, key))
        return f"{source}: {label_}" if label_ else source
    if dimension == "branch":
        return label_ or (str(_l("No branch")) if key is None else f"#{key}")
    if dimension == "agent":
        return label_ or (str(_l("Nobody")) if key is None else str(_l("Agent #%(id)s", id=key)))
    return str(_l("All leads"))


@dataclass
class LostRow:
    kind: str
    reason: str | None
    note: str | None
    details: dict
    leads: int


@dataclass
class FunnelReport:
    first: date
    last: date
    timezone: str
    total: FunnelRow
    by_source: list[FunnelRow] = field(default_factory=list)
    by_branch: list[FunnelRow] = field(default_factory=list)
    by_agent: list[FunnelRow] = field(default_factory=list)
    lost: list[LostRow] = field(default_factory=list)
    lost_for_good: int = 0


def _seconds(later, earlier):
    """Return the SQL for later − earlier in seconds, on PostgreSQL and on SQLite (the embedded default)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def _flag(condition):
    return case((condition, 1), else_=0)


def _accepted_at():
    """The moment a branch accepted the lead (the accept step; its second step says what it made)."""
    return (select(func.min(LeadEvent.at))
            .where(LeadEvent.lead_id == Lead.id, LeadEvent.kind == "accepted", LeadEvent.reason.is_(None))
            .correlate(Lead).scalar_subquery())


def _in_period(since: datetime, until: datetime):
    return and_(Lead.created_at >= since, Lead.created_at < until)


# Each breakdown: the columns it groups by (the first is the key) and the joins its labels need.
DIMENSIONS = {
    "total": ((literal("all").label("key"), literal(None).label("label")), ()),
    "source": ((Lead.source.label("key"), Lead.campaign.label("label")), ()),
    "branch": ((Lead.franchise_id.label("key"), Franchise.name.label("label")),
               ((Franchise, Franchise.id == Lead.franchise_id),)),
    "agent": ((Lead.taken_by_id.label("key"), User.name.label("label")),
              ((User, User.id == Lead.taken_by_id),)),
}


def _counts(dimension: str, since: datetime, until: datetime) -> dict[tuple, tuple[str | None, dict[str, int]]]:
    """Count each funnel step per key of the dimension, in one grouped query."""
    columns, joins = DIMENSIONS[dimension]
    routed = exists().where(LeadEvent.lead_id == Lead.id, LeadEvent.kind == "routed",
                            LeadEvent.franchise_id.is_not(None))
    statement = select(
        *columns, func.count(Lead.id),
        func.sum(_flag(routed)),
        func.sum(_flag(Lead.status.in_(("accepted", "converted")))),
        func.sum(_flag(Lead.order_id.is_not(None))),
        func.sum(_flag(Order.status.in_(CLOSED))),
    ).select_from(Lead).outerjoin(Order, Order.id == Lead.order_id)
    for target, on in joins:
        statement = statement.outerjoin(target, on)
    statement = statement.where(_in_period(since, until))
    if dimension != "total":
        statement = statement.group_by(*columns)
    out = {}
    for key, caption, *figures in db.session.execute(statement):
        out[(key, caption)] = dict(zip(funnel.STEPS, (int(n or 0) for n in figures)))
    return out


def _medians(dimension: str, since: datetime, until: datetime) -> dict[tuple, float]:
    """Return the median seconds from routed to accepted per key, with window functions (PostgreSQL and SQLite)."""
    columns, joins = DIMENSIONS[dimension]
    accepted_at = _accepted_at()
    wait = _seconds(accepted_at, Lead.routed_at)
    partition = list(columns) if dimension != "total" else None
    inner = select(
        *columns, wait.label("wait"),
        func.row_number().over(partition_by=partition, order_by=wait).label("rank"),
        func.count().over(partition_by=partition).label("n"),
    ).select_from(Lead)
    for target, on in joins:
        inner = inner.outerjoin(target, on)
    inner = inner.where(_in_period(since, until), Lead.routed_at.is_not(None), accepted_at.is_not(None)).subquery()
    middle = inner.c.rank.in_(((inner.c.n + 1) // 2, (inner.c.n + 2) // 2))  # integer division: one or two middles
    statement = select(inner.c.key, inner.c.label, func.avg(inner.c.wait)).where(middle).group_by(
        inner.c.key, inner.c.label)
    return {(key, label): float(seconds) for key, label, seconds in db.session.execute(statement)}


def _rows(dimension: str, since: datetime, until: datetime) -> list[FunnelRow]:
    counts = _counts(dimension, since, until)
    medians = _medians(dimension, since, until)
    rows = []
    for (key, caption), figures in counts.items():
        seconds = medians.get((key, caption))
        rows.append(FunnelRow((key, caption), caption, figures, funnel.step_rates(figures),
                              None if seconds is None else round(seconds / 60, 1), _name(dimension, key, caption)))
    rows.sort(key=lambda r: (-r.counts["taken"], str(r.key)))
    return rows


def _lost(since: datetime, until: datetime) -> tuple[list[LostRow], int]:
    """Return why leads of the period were let go (declined, not accepted in time, lost), most frequent first."""
    note = func.trim(LeadEvent.note)
    statement = (select(LeadEvent.kind, LeadEvent.reason, note, func.count(func.distinct(LeadEvent.lead_id)),
                        func.max(LeadEvent.id))
                 .join(Lead, Lead.id == LeadEvent.lead_id)
                 .where(_in_period(since, until), LeadEvent.kind.in_(LOST_KINDS))
                 .group_by(LeadEvent.kind, LeadEvent.reason, note)
                 .order_by(func.count(func.distinct(LeadEvent.lead_id)).desc(), LeadEvent.kind, LeadEvent.reason, note)
                 .limit(LOST_SHOWN))
    found = db.session.execute(statement).all()
    # a reason's words name figures (the franchise, the minutes): take them from the latest step of each group
    details = dict(db.session.execute(select(LeadEvent.id, LeadEvent.details).where(
        LeadEvent.id.in_([row[4] for row in found]))).all()) if found else {}
    rows = [LostRow(kind, reason, text or None, details.get(last) or {}, n) for kind, reason, text, n, last in found]
    for_good = db.session.scalar(select(func.count(Lead.id)).where(_in_period(since, until), Lead.status == "lost"))
    return rows, int(for_good or 0)


def funnel_report(first: date, last: date, tz_name: str) -> FunnelReport:
    """Return the funnel of the leads taken from first to last (days in tz_name), whole and broken down.

    Raises ValueError for a period that ends before it starts or is too long (leads.funnel.check_period).
    """
    funnel.check_period(first, last)
    since, until = funnel.bounds(first, last, tz_name)
    total = _rows("total", since, until)
    empty = {step: 0 for step in funnel.STEPS}
    lost, for_good = _lost(since, until)
    return FunnelReport(
        first=first, last=last, timezone=tz_name,
        total=total[0] if total else FunnelRow(("all", None), None, empty, funnel.step_rates(empty), None,
                                               _name("total", "all", None)),
        by_source=_rows("source", since, until), by_branch=_rows("branch", since, until),
        by_agent=_rows("agent", since, until), lost=lost, lost_for_good=for_good)


def chart_data(report: FunnelReport) -> dict:
    """Return the report's figures as JSON-ready lists for the page's charts."""
    def series(rows, step):
        return [row.counts[step] for row in rows]

    return {
        "steps": list(funnel.STEPS),
        "total": [report.total.counts[step] for step in funnel.STEPS],
        "sources": [row.name for row in report.by_source],
        "source_counts": {step: series(report.by_source, step) for step in funnel.STEPS},
        "branches": [row.name for row in report.by_branch],
        "branch_counts": {step: series(report.by_branch, step) for step in funnel.STEPS},
        "branch_wait": [row.median_accept_minutes for row in report.by_branch],
        "lost": [texts.describe(row.reason, row.details) if row.reason else (row.note or "") for row in report.lost],
        "lost_kinds": [row.kind for row in report.lost],
        "lost_counts": [row.leads for row in report.lost],
    }


def _row_dict(dimension: str, row: FunnelRow) -> dict:
    key = row.key[0]
    keys = {"source": {"source": key, "campaign": row.label}, "branch": {"franchise_id": key},
            "agent": {"user_id": key}}.get(dimension, {})
    return {"name": row.name, **keys, "counts": row.counts, "median_accept_minutes": row.median_accept_minutes,
            "rates": {**{step: _float(rate) for step, rate in row.rates.steps.items()},
                      "overall": _float(row.rates.overall)}}


def _float(rate) -> float | None:
    return None if rate is None else round(float(rate), 4)


def as_dict(report: FunnelReport) -> dict:
    """Return the report in the API's shape (leads.schemas.FunnelOut)."""
    return {
        "since": report.first, "until": report.last, "timezone": report.timezone,
        "total": _row_dict("total", report.total),
        "by_source": [_row_dict("source", row) for row in report.by_source],
        "by_branch": [_row_dict("branch", row) for row in report.by_branch],
        "by_agent": [_row_dict("agent", row) for row in report.by_agent],
        "lost": [{"kind": row.kind, "reason": row.reason, "leads": row.leads,
                  "text": texts.describe(row.reason, row.details) if row.reason else (row.note or "")}
                 for row in report.lost],
        "lost_for_good": report.lost_for_good,
    }
