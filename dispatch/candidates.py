"""Who should get this offer: the dispatchable workers for a shift, best first.

One function, ``find_candidates``, serves dispatch, the pages and the API.

A worker is a candidate when he is active, not opted out of SMS, from the order's
region, has every required skill, lives within both his own travel radius and the
order's (geodesic distance from home to site), is available for every hour of the shift
by his weekly schedule, has no blackout date on it, and holds no booking on an
overlapping shift.

Candidates are ranked by the score of dispatch/ranking.py:

    score = 0.45 * (rating - 1) / 4
          + 0.35 * reliability
          + 0.15 * (1 - distance / radius)
          + 0.05 * fairness

where radius is the smaller of the two travel radii and fairness nudges up workers who
had no offer lately: 1 with no offer in 14 days (or ever), 0.5 in 7-14 days, 0.25 in
2-7 days, 0 within 2 days. Ties go to the lower worker id.

How it stays fast: PostgreSQL reads one partial index (ix_worker_candidates: region,
lat, lon, including every ranked column, only active and reachable workers) within a
bounding box of the radius, filters skills and hours with bitwise ANDs, measures the
haversine distance in SQL with 0.5% slack, ranks and keeps the top N. Python then takes
the exact geodesic distance of those survivors only, all in one call to PROJ's geodesic
(pyproj's ``Geod``: Karney's WGS-84 solution in C, the algorithm of geographiclib, which
geopy's ``geodesic`` wraps, to well under a micrometre, at a fiftieth of its cost), drops
the few beyond the radius, and re-scores them.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from functools import cache

from sqlalchemy import Float, and_, case, cast, literal, select

from core.geo import bounding_box, haversine_sql
from core.tenancy import network_wide
from core.timeutil import utcnow
from extensions import db
from dispatch.models import HOLDING_STATES, Offer
from dispatch.ranking import WEIGHTS, fairness, score
from workers.availability import shift_dates, shift_needs
from workers.models import Worker, WorkerBlackout

HAVERSINE_SLACK = 1.005  # haversine vs. the ellipsoid differs by well under 0.5%


@dataclass(frozen=True)
class Shift:
    """What an order asks of a worker: where, when, which skills, how far at most."""

    region_id: int
    lat: float
    lon: float
    starts_at: datetime
    ends_at: datetime
    timezone: str
    skill_mask: int = 0
    radius_km: float = 25.0
    exclude_order_id: int | None = None  # the order being planned: its own bookings don't block


@dataclass(frozen=True)
class Candidate:
    worker_id: int
    distance_km: float
    score: float
    rating: Decimal
    reliability: Decimal


def geodesic_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the WGS-84 geodesic distance in km."""
    return geodesic_km_from(lat1, lon1, [(lat2, lon2)])[0]


def geodesic_km_from(lat: float, lon: float, points: list[tuple[float, float]]) -> list[float]:
    """Return the WGS-84 geodesic distance in km from (lat, lon) to each (lat, lon) of points, in one call."""
    if not points:
        return []
    _forward, _back, metres = _wgs84().inv([lon] * len(points), [lat] * len(points), [p[1] for p in points],
                                           [p[0] for p in points])
    return [m / 1000 for m in metres]


@cache
def _wgs84():
    """PROJ's geodesic on the WGS-84 ellipsoid, loaded by the first search (a process that never searches
    never loads PROJ)."""
    from pyproj import Geod

    return Geod(ellps="WGS84")


def _fairness_sql(now: datetime):
    last = Worker.last_offer_at
    return case(
        (last.is_(None), 1.0),
        (last <= now - timedelta(days=14), 1.0),
        (last <= now - timedelta(days=7), 0.5),
        (last <= now - timedelta(days=2), 0.25),
        else_=0.0,
    )


def candidate_query(shift: Shift, limit: int, now: datetime):
    """Return the SQL statement behind find_candidates (exposed for EXPLAIN and the bench)."""
    min_lat, max_lat, min_lon, max_lon = bounding_box(shift.lat, shift.lon, shift.radius_km * HAVERSINE_SLACK)
    distance = haversine_sql(Worker.lat, Worker.lon, shift.lat, shift.lon)
    own_radius = cast(Worker.max_travel_km, Float)
    radius = case((own_radius < shift.radius_km, own_radius), else_=literal(float(shift.radius_km)))
    sql_score = (
        WEIGHTS["rating"] * (cast(Worker.rating, Float) - 1) / 4
        + WEIGHTS["reliability"] * cast(Worker.reliability, Float)
        + WEIGHTS["distance"] * (1 - distance / radius)
        + WEIGHTS["fairness"] * _fairness_sql(now)
    )
    # Uncorrelated NOT IN: PostgreSQL hashes each set once ("hashed SubPlan") whatever its
    # row estimates, where a correlated NOT EXISTS could fall into a nested loop.
    busy = select(Offer.worker_id).where(
        Offer.state.in_(HOLDING_STATES),
        Offer.starts_at < shift.ends_at,
        Offer.ends_at > shift.starts_at,
        *([Offer.order_id != shift.exclude_order_id] if shift.exclude_order_id else []),
    )
    blacked_out = select(WorkerBlackout.worker_id).where(
        WorkerBlackout.day.in_(shift_dates(shift.starts_at, shift.ends_at, shift.timezone)),
    )
    # (x & need) >= need is (x & need) = need, since x & need never exceeds need; written as
    # a range, the planner estimates it sanely instead of as a rare equality (which made it
    # pick nested loops over seq scans for the anti-joins: 50 times slower).
    hours = [
        getattr(Worker, f"avail_{day}").op("&")(mask) >= mask
        for day, mask in shift_needs(shift.starts_at, shift.ends_at, shift.timezone).items()
    ]
    return (
        select(Worker.id, Worker.lat, Worker.lon, Worker.rating, Worker.reliability, Worker.max_travel_km,
               Worker.last_offer_at, sql_score.label("score"))
        .where(
            Worker.region_id == shift.region_id,
            Worker.status == "active",
            ~Worker.opted_out,  # NOT opted_out, as the partial index says, so the planner can use it
            Worker.deleted_at.is_(None),
            Worker.lat.between(min_lat, max_lat),
            Worker.lon.between(min_lon, max_lon),
            Worker.skill_mask.op("&")(shift.skill_mask) >= shift.skill_mask,
            and_(*hours),
            distance <= radius * HAVERSINE_SLACK,
            Worker.id.not_in(busy),
            Worker.id.not_in(blacked_out),
        )
        .order_by(sql_score.desc(), Worker.id)
        .limit(limit)
    )


def find_candidates(shift: Shift, limit: int = 500, now: datetime | None = None) -> list[Candidate]:
    """Return up to limit workers who can take the shift, best first."""
    now = now or utcnow()
    # Bookings with every franchise count: a worker is never on two overlapping shifts.
    rows = db.session.execute(network_wide(candidate_query(shift, limit + max(10, limit // 50), now), Offer)).all()
    out = []
    for row, distance in zip(rows, geodesic_km_from(shift.lat, shift.lon, [(row.lat, row.lon) for row in rows])):
        radius = min(float(row.max_travel_km), shift.radius_km)
        if distance > radius:
            continue
        fair = fairness(_aware(row.last_offer_at), now)
        out.append(Candidate(row.id, distance, score(row.rating, row.reliability, distance, radius, fair),
                             row.rating, row.reliability))
    out.sort(key=lambda c: (-c.score, c.worker_id))
    return out[:limit]


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:  # SQLite hands back naive UTC
        return value.replace(tzinfo=timezone.utc)
    return value


def candidates_with_workers(shift: Shift, limit: int = 50) -> list[tuple[Candidate, Worker]]:
    """Return find_candidates with each worker's row, for pages and the API."""
    found = find_candidates(shift, limit)
    workers = {w.id: w for w in db.session.scalars(select(Worker).where(Worker.id.in_([c.worker_id for c in found])))}
    return [(c, workers[c.worker_id]) for c in found if c.worker_id in workers]
