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
2-7 days, 0 within 2 days. Ties go to the lower worker id. The first two terms are the
worker's merit; the last two add at most 0.20.

How it stays fast (PostgreSQL): the candidate index (workers/models.py) holds the
dispatchable pool by region, grid cell of the home (0.04° of latitude by 0.08° of
longitude) and merit, the score's first two terms, with every column the search reads.
The search takes the cells that can hold points within the radius (core.geo), each with
the most distance and fairness can add to a score there: 0.05 + 0.15 * (1 - the cell's
least distance / radius). It reads one range of the index per cell, twice, in one
statement: first each cell's few workers of highest merit, a sample whose N-th best
score (of those surely within their radius) is a floor the N-th best of all cannot be
under; then only the workers whose merit plus their cell's most reaches that floor.
For the bench's 500 of 100,000 workers within 15 km that is some 3,600 index entries in
46 cells, where the box around the radius holds 16,000 (and the latitude band its box
was read by, 37,000). PostgreSQL measures those on the ellipsoid (core.geo.near_km_sql,
within 1e-5 of the geodesic), filters skills and hours with bitwise ANDs, ranks them and
keeps the top N and a margin. Python takes the exact geodesic distances of the kept, all
in one call to PROJ's geodesic (pyproj's ``Geod``: Karney's WGS-84 solution in C, the
algorithm of geographiclib, which geopy's ``geodesic`` wraps, to well under a
micrometre), drops those beyond their radius, re-scores them exactly, and checks that
the answer is proven: its N-th score is at or above the floor (nobody left unread can
beat it) and above the last kept row's SQL score plus that score's error (nobody past
the margin can). Where the grid cannot serve (near a pole, across the antimeridian, a
radius past about 70 km) and on SQLite, the first read takes the box around the radius
by SQL score, with the same proof. When a read proves nothing (a tie across the margin,
say), the search measures every candidate in the box and ranks them all exactly.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from functools import cache
from math import ceil, cos, radians

from sqlalchemy import (ARRAY, BigInteger, DateTime, Float, Integer, bindparam, case, cast, column, func, literal_column,
                        null, select, true)

from core.geo import NEAR_KM_ABSOLUTE, NEAR_KM_ERROR, NEAR_KM_RANGE, grid_cell_sql, grid_cells_within, near_km_sql, reach
from core.tenancy import network_wide
from core.timeutil import utcnow
from extensions import db
from dispatch.models import HOLDING_STATES, Offer
from dispatch.ranking import WEIGHTS, fairness, merit_sql, score  # noqa: F401  (fairness: the bench's naive way)
from workers.availability import shift_dates, shift_needs
from workers.models import Worker, WorkerBlackout

# A score measured in SQL differs from the exact one by its distance's error alone, weighted:
# 0.15 x (1e-5 x distance + 1e-9 km) / radius, within 2e-6 for any radius of a metre or more.
RANK_ERROR = 2e-6
# SQL rounds a worker's merit once, Python's score rounds it its own way: they differ in the last bits.
MERIT_ROUNDING = 1e-9
# The sample reads SAMPLE x N workers in all (N: the number asked for), as many from each cell.
SAMPLE = 3


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


def find_candidates(shift: Shift, limit: int = 500, now: datetime | None = None) -> list[Candidate]:
    """Return up to limit workers who can take the shift, best first."""
    if limit <= 0:
        return []
    now = now or utcnow()
    keep = limit + max(10, limit // 50)
    first = _first_read(shift, limit, keep, now)
    if first is not None:
        found = _ranked(shift, db.session.execute(*first).all(), limit, keep)
        if found is not None:
            return found
    everyone = _box_statement(*_shape(shift), measured=_measurable(shift), limited=False)
    return _ranked(shift, db.session.execute(everyone, _values(shift, now)).all(), limit, keep=None)


def candidate_query(shift: Shift, limit: int, now: datetime):
    """Return the SQL statement find_candidates reads first, with its values (for EXPLAIN and the bench): the
    grid's on PostgreSQL, else every candidate in the box by SQL score; None when SQL cannot measure them."""
    first = _first_read(shift, limit, limit + max(10, limit // 50), now)
    return None if first is None else first[0].params(first[1])


def _first_read(shift: Shift, limit: int, keep: int, now: datetime) -> tuple | None:
    """The statement find_candidates reads first and its values, if SQL can measure the distances."""
    if not _measurable(shift):
        return None
    values = {**_values(shift, now), "keep": keep}
    if db.session.get_bind().dialect.name == "postgresql":
        cells = grid_cells_within(shift.lat, shift.lon, shift.radius_km)
        if cells:
            most = [WEIGHTS["fairness"] + WEIGHTS["distance"] * max(0.0, 1 - least / shift.radius_km)
                    for _, least in cells]
            return _grid_statement(*_shape(shift)), {
                **values, "cells": [cell for cell, _ in cells], "most": most,
                "per_cell": ceil(SAMPLE * limit / len(cells)), "above_last": limit - 1}
    return _box_statement(*_shape(shift), measured=True, limited=True), values


def _ranked(shift: Shift, rows, limit: int, keep: int | None) -> list[Candidate] | None:
    """Return the best limit of rows by exact score, or None when the rows do not prove they hold them.

    rows: (id, lat, lon, rating, reliability, radius, fair, SQL score, floor), best SQL score first.
    """
    distances = geodesic_km_from(shift.lat, shift.lon, [(row[1], row[2]) for row in rows])
    best = sorted((-score(rating, reliability, km, radius, fair), worker_id, km, rating, reliability)
                  for (worker_id, _, _, rating, reliability, radius, fair, _, _), km in zip(rows, distances)
                  if km <= radius)[:limit]
    floor = rows[0][8] if rows else None
    if floor is not None and (len(best) < limit or -best[-1][0] < floor + MERIT_ROUNDING):
        return None  # someone whose merit was too low to be read might still belong
    if keep is not None and len(rows) == keep and (len(best) < limit or -best[-1][0] <= rows[-1][7] + RANK_ERROR):
        return None  # someone past the margin might still belong
    return [Candidate(worker_id, km, -negative, rating, reliability)
            for negative, worker_id, km, rating, reliability in best]


def _shape(shift: Shift) -> tuple[tuple[str, ...], bool]:
    """What the statements' shape depends on: the weekdays the shift needs hours of, whether an order is left out."""
    return tuple(shift_needs(shift.starts_at, shift.ends_at, shift.timezone)), shift.exclude_order_id is not None


def _values(shift: Shift, now: datetime) -> dict:
    """The values of the statements' parameters but the grid's."""
    now = now.astimezone(timezone.utc)  # SQLite compares the UTC it stores as text
    low, high, west, east = reach(shift.lat, shift.lon, max(shift.radius_km, 0.0))
    return {
        "region_id": shift.region_id, "skill_mask": shift.skill_mask, "starts_at": shift.starts_at,
        "ends_at": shift.ends_at, "exclude_order_id": shift.exclude_order_id,
        "days": shift_dates(shift.starts_at, shift.ends_at, shift.timezone),
        **{f"hours_{day}": mask for day, mask in shift_needs(shift.starts_at, shift.ends_at, shift.timezone).items()},
        "lat": shift.lat, "lon": shift.lon, "cos_lat": cos(radians(shift.lat)), "radius": float(shift.radius_km),
        "low": low, "high": high, "west": west, "east": east,
        **{f"offered_{days}_days_ago": now - timedelta(days=days) for days in (14, 7, 2)},
    }


@cache
def _grid_statement(days: tuple[str, ...], excluding: bool):
    """The candidates of the grid's cells whose merit can reach the sample's floor, by SQL score; built once."""
    grid = select(func.unnest(bindparam("cells", type_=ARRAY(Integer)), bindparam("most", type_=ARRAY(Float)))
                  .table_valued(column("cell", Integer), column("most", Float)).render_derived()).cte("cell")
    merit = merit_sql(Worker.rating, Worker.reliability)
    in_cell = grid_cell_sql(Worker.lat, Worker.lon) == grid.c.cell
    measures = (merit.label("merit"), _distance_sql().label("distance"),
                func.least(cast(Worker.max_travel_km, Float), bindparam("radius", type_=Float), type_=Float).label(
                    "radius"), _fairness_sql().label("fair"))
    sample = (select(*measures).where(*_pool(days, excluding), in_cell)
              .order_by(merit.desc()).limit(bindparam("per_cell", type_=Integer)).lateral("best"))
    sampled = _rank(sample).label("rank")
    floor = select(
        select(sampled).select_from(grid).join(sample, true())
        .where(sample.c.distance <= sample.c.radius * (1 - NEAR_KM_ERROR) - NEAR_KM_ABSOLUTE)  # surely within
        .order_by(sampled.desc()).offset(bindparam("above_last", type_=Integer)).limit(1)
        .scalar_subquery().label("score")
    ).cte("floor")
    floor_score = select(floor.c.score - RANK_ERROR).scalar_subquery()
    # OFFSET 0 keeps this a subquery run once per cell (one range of the index each) rather than
    # a join PostgreSQL may turn into a pass over the whole region.
    near = (select(Worker.id, Worker.lat, Worker.lon, Worker.rating, Worker.reliability, *measures)
            .where(*_pool(days, excluding), in_cell, merit >= func.coalesce(floor_score, -1.0) - grid.c.most)
            .offset(0).lateral("near"))
    rank = _rank(near).label("rank")
    return network_wide(
        select(near.c.id, near.c.lat, near.c.lon, near.c.rating, near.c.reliability, near.c.radius, near.c.fair,
               rank, floor_score.label("floor"))
        .select_from(grid).join(near, true())
        .where(near.c.distance <= near.c.radius * (1 + NEAR_KM_ERROR) + NEAR_KM_ABSOLUTE)  # all within, a few more
        .order_by(rank.desc(), near.c.id)
        .limit(bindparam("keep", type_=Integer)), Offer)


@cache
def _box_statement(days: tuple[str, ...], excluding: bool, measured: bool, limited: bool):
    """Every candidate in the box of the radius, by SQL score when SQL can measure them (then up to keep if
    limited); built once."""
    own = cast(Worker.max_travel_km, Float)
    radius = case((own < bindparam("radius", type_=Float), own), else_=bindparam("radius", type_=Float))
    statement = select(Worker.id, Worker.lat, Worker.lon, Worker.rating, Worker.reliability,
                       radius.label("radius"), _fairness_sql().label("fair"))
    in_band = Worker.lat.between(bindparam("low", type_=Float), bindparam("high", type_=Float))
    if not measured:
        return network_wide(statement.add_columns(null().label("rank"), null().label("floor")).where(
            *_pool(days, excluding), in_band), Offer)
    distance = _distance_sql()
    rank = (merit_sql(Worker.rating, Worker.reliability) + WEIGHTS["distance"] * case(
        (radius > 0.0, 1.0 - distance / radius), else_=0.0) + WEIGHTS["fairness"] * _fairness_sql()).label("rank")
    statement = statement.add_columns(rank, null().label("floor")).where(
        *_pool(days, excluding), in_band, Worker.lon.between(bindparam("west", type_=Float), bindparam("east", type_=Float)),
        distance <= radius * (1 + NEAR_KM_ERROR) + NEAR_KM_ABSOLUTE).order_by(rank.desc(), Worker.id)
    return network_wide(statement.limit(bindparam("keep", type_=Integer)) if limited else statement, Offer)


def _measurable(shift: Shift) -> bool:
    """Whether SQL can measure the distances of the shift's candidates (near_km_sql's range, no pole or
    antimeridian in the box)."""
    return 0 < shift.radius_km <= NEAR_KM_RANGE and reach(shift.lat, shift.lon, shift.radius_km)[2] is not None


def _pool(days: tuple[str, ...], excluding: bool) -> tuple:
    """The conditions on a worker that do not depend on where he lives."""
    # Uncorrelated NOT IN: PostgreSQL hashes each set once ("hashed SubPlan") whatever its
    # row estimates, where a correlated NOT EXISTS could fall into a nested loop. Bookings with
    # every franchise count (the statements read offers network-wide): a worker is never on two
    # overlapping shifts.
    busy = select(Offer.worker_id).where(
        Offer.state.in_(HOLDING_STATES),
        Offer.starts_at < bindparam("ends_at"),
        Offer.ends_at > bindparam("starts_at"),
        *([Offer.order_id != bindparam("exclude_order_id")] if excluding else []),
    )
    blacked_out = select(WorkerBlackout.worker_id).where(WorkerBlackout.day.in_(bindparam("days", expanding=True)))
    # (x & need) >= need is (x & need) = need, since x & need never exceeds need; written as
    # a range, the planner estimates it sanely instead of as a rare equality (which made it
    # pick nested loops over seq scans for the anti-joins: 50 times slower).
    hours = [getattr(Worker, f"avail_{day}").op("&")(bindparam(f"hours_{day}", type_=Integer))
             >= bindparam(f"hours_{day}", type_=Integer) for day in days]
    skills = bindparam("skill_mask", type_=BigInteger)
    return (
        Worker.region_id == bindparam("region_id", type_=Integer),
        # Written as the partial index says (no parameters), so that any plan can use it.
        Worker.status == literal_column("'active'"),
        ~Worker.opted_out,
        Worker.deleted_at.is_(None),
        Worker.skill_mask.op("&")(skills) >= skills,
        *hours,
        Worker.id.not_in(busy),
        Worker.id.not_in(blacked_out),
    )


def _distance_sql():
    return near_km_sql(Worker.lat, Worker.lon, bindparam("lat", type_=Float), bindparam("lon", type_=Float),
                       bindparam("cos_lat", type_=Float))


def _rank(measured):
    """The SQL score of the measured columns (merit, distance, radius, fair) of a subquery."""
    c = measured.c
    nearness = case((c.radius > 0.0, 1.0 - c.distance / c.radius), else_=0.0)
    return c.merit + WEIGHTS["distance"] * nearness + WEIGHTS["fairness"] * c.fair


def _fairness_sql():
    """fairness() in SQL, as a float."""
    last = Worker.last_offer_at
    return case(
        (last.is_(None), 1.0),
        *((last <= bindparam(f"offered_{days}_days_ago", type_=DateTime(timezone=True)), nudge)
          for days, nudge in ((14, 1.0), (7, 0.5), (2, 0.25))),
        else_=0.0,
    )


def candidates_with_workers(shift: Shift, limit: int = 50) -> list[tuple[Candidate, Worker]]:
    """Return find_candidates with each worker's row, for pages and the API."""
    found = find_candidates(shift, limit)
    workers = {w.id: w for w in db.session.scalars(select(Worker).where(Worker.id.in_([c.worker_id for c in found])))}
    return [(c, workers[c.worker_id]) for c in found if c.worker_id in workers]
