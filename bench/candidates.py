"""Candidate search with 100,000 workers in one region: ours vs. the naive way, side by side."""
import math
import random
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from geopy.distance import geodesic
from sqlalchemy import insert, select, text

from bench.harness import p50, percentile, timings_ms
from clients.models import Client, Site
from extensions import db
from franchise.models import Franchise, Region
from orders.models import Order
from dispatch.models import HOLDING_STATES, Offer
from workers.availability import ALL_HOURS, hours_mask, shift_dates, shift_needs
from dispatch.candidates import Shift, fairness, find_candidates, score
from workers.models import Worker, WorkerBlackout

WORKERS = 100_000
CENTRE = (55.7558, 37.6173)
RADIUS_KM = 40
QUERIES = 40
NAIVE_RUNS = 3
LIMIT = 500


def run(app) -> dict:
    rng = random.Random(2026)
    region_id = _populate(rng)
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))  # as autovacuum would have by now: fresh stats, visibility map
    shifts = [_random_shift(rng, region_id) for _ in range(QUERIES)]
    now = datetime(2026, 12, 1, tzinfo=timezone.utc)

    ours = []
    for s in shifts:
        ours += timings_ms(lambda s=s: find_candidates(s, LIMIT, now), repeat=3, warmup=1)
    naive = []
    for s in shifts[:NAIVE_RUNS]:
        naive += timings_ms(lambda s=s: _naive(s, now), repeat=1, warmup=0)
    agree = [c.worker_id for c in find_candidates(shifts[0], LIMIT, now)] == [w for w, _ in _naive(shifts[0], now)]
    return {
        "candidates_workers_in_region": WORKERS,
        "candidates_p50_ms": p50(ours),
        "candidates_p95_ms": percentile(ours, 95),
        "candidates_naive_p95_ms": percentile(naive, 95),
        "candidates_speedup": percentile(naive, 95) / percentile(ours, 95),
        "candidates_same_top500_as_naive": agree,
    }


def _populate(rng) -> int:
    region = Region(code="BENCH", name="Bench City", timezone="Europe/Moscow", currency="RUB", center_lat=CENTRE[0],
                    center_lon=CENTRE[1], radius_km=Decimal(RADIUS_KM))
    db.session.add(region)
    db.session.flush()
    franchise = Franchise(name="Bench franchise", tier="official", region_id=region.id)
    db.session.add(franchise)
    db.session.flush()
    rows = []
    for i in range(WORKERS):
        lat, lon = _point_in_disc(rng, RADIUS_KM)
        limited = rng.random() < 0.2
        rows.append({
            "region_id": region.id, "first_name": f"W{i}", "last_name": f"Bench{i}", "phone": f"+7999{i:07d}",  # a prefix the demo network does not use
            "status": rng.choices(["active", "applicant", "suspended"], [90, 7, 3])[0],
            "opted_out": rng.random() < 0.02, "lat": lat, "lon": lon,
            "skill_mask": rng.choice([1, 1, 1, 3, 5, 9, 17, 2, 4]),
            "max_travel_km": Decimal(rng.choice([10, 15, 20, 25, 30, 40])),
            "rating": Decimal(f"{rng.uniform(2.0, 5.0):.2f}"), "reliability": Decimal(f"{rng.uniform(0.4, 0.99):.3f}"),
            "last_offer_at": None if rng.random() < 0.5 else datetime(2026, 11, 1, tzinfo=timezone.utc) + timedelta(hours=rng.randint(0, 720)),
            **{f"avail_{d}": (hours_mask(8, 20) if limited else ALL_HOURS) for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
        })
        if len(rows) == 5000:
            db.session.execute(insert(Worker), rows)
            rows = []
    if rows:
        db.session.execute(insert(Worker), rows)
    ids = list(db.session.scalars(select(Worker.id).where(Worker.region_id == region.id)))
    # a few bookings and blackout days, so the anti-joins have something to find
    client = Client(name="Bench client", franchise_id=franchise.id)
    db.session.add(client)
    db.session.flush()
    site = Site(client_id=client.id, franchise_id=franchise.id, name="Bench site", address="Bench", lat=CENTRE[0], lon=CENTRE[1])
    db.session.add(site)
    db.session.flush()
    start = datetime(2026, 12, 2, 6, tzinfo=timezone.utc)
    order = Order(franchise_id=franchise.id, region_id=region.id, client_id=client.id, site_id=site.id, work_type="loading",
                  workers_needed=1000, starts_at=start, ends_at=start + timedelta(hours=8), pay_rate=Decimal("100"),
                  bill_rate=Decimal("220"), status="filled")
    db.session.add(order)
    db.session.flush()
    db.session.execute(insert(Offer), [
        {"order_id": order.id, "worker_id": w, "franchise_id": franchise.id, "state": "booked", "starts_at": order.starts_at,
         "ends_at": order.ends_at} for w in rng.sample(ids, 1000)])
    db.session.execute(insert(WorkerBlackout), [
        {"worker_id": w, "day": (start + timedelta(days=rng.randint(0, 6))).date()} for w in rng.sample(ids, 2000)])
    return region.id


def _point_in_disc(rng, radius_km):
    r = radius_km * math.sqrt(rng.random())
    theta = rng.uniform(0, 2 * math.pi)
    dlat = r * math.cos(theta) / 111.2
    dlon = r * math.sin(theta) / (111.2 * math.cos(math.radians(CENTRE[0])))
    return CENTRE[0] + dlat, CENTRE[1] + dlon


def _random_shift(rng, region_id) -> Shift:
    lat, lon = _point_in_disc(rng, 10)
    start = datetime(2026, 12, 2, 6, tzinfo=timezone.utc) + timedelta(days=rng.randint(0, 6))
    return Shift(region_id=region_id, lat=lat, lon=lon, starts_at=start, ends_at=start + timedelta(hours=8),
                 timezone="Europe/Moscow", skill_mask=1, radius_km=15.0)


def _naive(shift: Shift, now):
    """The naive way: load every worker of the region, measure each with geopy, sort in Python."""
    workers = db.session.scalars(select(Worker).where(Worker.region_id == shift.region_id)).all()
    busy = set(db.session.scalars(select(Offer.worker_id).where(
        Offer.state.in_(HOLDING_STATES), Offer.starts_at < shift.ends_at, Offer.ends_at > shift.starts_at)))
    days = shift_dates(shift.starts_at, shift.ends_at, shift.timezone)
    away = set(db.session.scalars(select(WorkerBlackout.worker_id).where(WorkerBlackout.day.in_(days))))
    needs = shift_needs(shift.starts_at, shift.ends_at, shift.timezone)
    out = []
    for w in workers:
        if w.status != "active" or w.opted_out or w.deleted_at is not None or w.lat is None:
            continue
        if w.skill_mask & shift.skill_mask != shift.skill_mask or w.id in busy or w.id in away:
            continue
        if any(getattr(w, f"avail_{day}") & mask != mask for day, mask in needs.items()):
            continue
        distance = geodesic((shift.lat, shift.lon), (w.lat, w.lon)).km
        radius = min(float(w.max_travel_km), shift.radius_km)
        if distance > radius:
            continue
        out.append((w.id, score(w.rating, w.reliability, distance, radius, fairness(w.last_offer_at, now))))
    db.session.expunge_all()
    out.sort(key=lambda x: (-x[1], x[0]))
    return out[:LIMIT]
