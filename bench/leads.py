"""Lead routing at network scale: 450 franchises, 60 days of lead history, 300 calls taken and routed.

The network is the one the royalty suite leaves (450 franchises over the demo's regions); run
alone on an empty database it builds regions and the franchises the same way. One region in
three gets an official representative, and every franchise a history of about a lead a day
(routed, then accepted, declined or let expire), written straight in SQL, which is what the
weighted round robin reads. Then N calls at points spread over the regions are taken through
leads.service.take_lead, the function behind the intake screen (intake -> routed, committed),
each timed. Then every NAIVE_EVERY-th call is routed again the naive way (every region,
franchise and lead step loaded and scanned in Python for the same rule) on the data that call
saw, timed; both must choose the same branch. The naive runs come after ours so that their
load (tens of thousands of objects a run) never falls on our clock.
"""
import os
import random
import time
from datetime import datetime, time as clock, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

from flask import current_app
from sqlalchemy import delete, func, select, text

from bench import royalty
from bench.harness import p50, percentile
from core.models import User
from extensions import db
from franchise.models import Franchise, Region
from leads import routing
from leads import service as leads_service
from leads.models import LEAD_SOURCES, Lead, LeadEvent

CALLS = 300
WARMUP = 5  # calls taken first and not timed: SQLAlchemy compiles and caches each statement once
NAIVE_EVERY = 10
HISTORY_DAYS = 60
OFFICIAL_EVERY = 3  # one region in three has an official representative
BENCH_CALLER = "Bench caller"
HISTORY_CALLER = "Bench history"


def run(app) -> dict:
    seeded = time.perf_counter()
    _network()
    if db.session.scalar(select(Lead.id).where(Lead.caller_name == HISTORY_CALLER).limit(1)) is None:
        _history()  # once: `python -m bench leads` again reuses the history the last run wrote
    _forget_calls()
    seed_s = time.perf_counter() - seeded
    agent = SimpleNamespace(id=_agent())  # the session is removed after each call: keep plain values
    regions = [SimpleNamespace(center_lat=r.center_lat, center_lon=r.center_lon, radius_km=r.radius_km)
               for r in db.session.scalars(select(Region).order_by(Region.id))]
    rng = random.Random(11)
    ours, naive, compared = [], [], []
    chosen_by = {"official": 0, "weighted_round_robin": 0, "head_office": 0}
    with _profiler():
        for i in range(-WARMUP, CALLS):
            data = _call(i + WARMUP, regions[i % len(regions)], rng)
            with app.test_request_context():
                started = time.perf_counter()
                lead, created = leads_service.take_lead(data, agent)
                elapsed = (time.perf_counter() - started) * 1000
                assert created, "a bench call attached to an open lead"
                routed = db.session.execute(select(LeadEvent.reason, LeadEvent.franchise_id).where(
                    LeadEvent.lead_id == lead.id, LeadEvent.kind == "routed")).one()
                if i >= 0:
                    ours.append(elapsed)
                    chosen_by[routed.reason] = chosen_by.get(routed.reason, 0) + 1
                    if i % NAIVE_EVERY == 0:
                        compared.append((data["lat"], data["lon"], lead.id, routed.franchise_id))
                db.session.remove()
    # The naive way afterwards, so its load never falls on our clock: each compared call again, seeing the
    # database as that call did (the history and the calls taken before it).
    same = 0
    if not os.environ.get("LEADS_PROFILE"):  # profiling samples ours alone
        for lat, lon, lead_id, chosen in compared:
            started = time.perf_counter()
            expected = _naive_choice(lat, lon, lead_id)
            naive.append((time.perf_counter() - started) * 1000)
            same += expected == chosen
            db.session.remove()
    figures = {
        "lead_route_franchises": db.session.scalar(select(func.count()).select_from(Franchise)
                                                   .where(Franchise.tier != "head_office")),
        "lead_route_history_steps": db.session.scalar(select(func.count()).select_from(LeadEvent)),
        "lead_route_seed_s": seed_s,
        "lead_route_calls": CALLS,
        "lead_route_official": chosen_by["official"],
        "lead_route_round_robin": chosen_by["weighted_round_robin"],
        "lead_route_p50_ms": p50(ours),
        "lead_route_p95_ms": percentile(ours, 95),
    }
    if naive:  # not under LEADS_PROFILE, which samples ours alone
        figures.update({
            "lead_route_naive_p50_ms": p50(naive),
            "lead_route_naive_p95_ms": percentile(naive, 95),
            "lead_route_speedup": p50(naive) / p50(ours),
            "lead_route_same_as_naive": same == len(compared),
        })
    return figures


def _network() -> None:
    """Make the network 450 franchises (the royalty suite's, built the same way), one official per third region."""
    if db.session.scalar(select(func.count()).select_from(Region)) == 0:
        _regions()
    if db.session.scalar(select(func.count()).select_from(Franchise).where(Franchise.tier != "head_office")) < \
            royalty.FRANCHISES:
        royalty._franchises()
    regions = list(db.session.scalars(select(Region.id).order_by(Region.id)))
    for region_id in regions[::OFFICIAL_EVERY]:
        has = db.session.scalar(select(Franchise.id).where(Franchise.region_id == region_id, Franchise.tier == "official",
                                                          Franchise.status == "active").limit(1))
        if has is None:
            first = db.session.scalar(select(Franchise).where(Franchise.region_id == region_id,
                                                             Franchise.tier == "basic", Franchise.status == "active")
                                      .order_by(Franchise.id).limit(1))
            if first is not None:
                first.tier = "official"
    if db.session.scalar(select(Franchise.id).where(Franchise.tier == "head_office").limit(1)) is None:
        db.session.add(Franchise(name="Bench head office", tier="head_office"))
    db.session.commit()


def _regions() -> None:
    """Forty-five cities on a grid over the country, 40 km each (only when the database has none)."""
    for i in range(45):
        db.session.add(Region(code=f"BL{i:02d}", name=f"Bench lead city {i}", timezone="Europe/Moscow",
                              center_lat=45 + (i % 5) * 3, center_lon=30 + (i // 5) * 10, radius_km=Decimal("40")))
    db.session.commit()


def _history() -> None:
    """Write about a lead a day per franchise for HISTORY_DAYS: routed, then accepted (2 in 3), declined or expired."""
    now = datetime.now(timezone.utc)
    db.session.execute(text("""
        INSERT INTO lead (caller_name, phone, address, lat, lon, work_type, headcount, starts_at, hours, source,
                          status, region_id, franchise_id, routed_at, created_at, updated_at)
        SELECT :caller, '+7999' || lpad((f.id * 100 + d)::text, 7, '0'), 'Bench history street', r.center_lat,
               r.center_lon, 'loading', 4, :now - d * interval '1 day' + interval '2 days', 8, 'phone',
               CASE WHEN (f.id + d) % 3 = 0 THEN 'declined' ELSE 'converted' END, f.region_id, f.id,
               :now - d * interval '1 day' - (f.id % 600) * interval '1 minute',
               :now - d * interval '1 day' - (f.id % 600) * interval '1 minute',
               :now - d * interval '1 day'
        FROM franchise f JOIN region r ON r.id = f.region_id CROSS JOIN generate_series(1, :days) AS d
        WHERE f.tier <> 'head_office' AND f.status = 'active' AND (f.id * 7 + d) % 5 <> 0"""),
        {"caller": HISTORY_CALLER, "now": now, "days": HISTORY_DAYS})
    db.session.execute(text("""
        INSERT INTO lead_event (lead_id, at, kind, reason, details, franchise_id, told_at)
        SELECT l.id, l.routed_at, 'routed', 'weighted_round_robin', '{}'::json, l.franchise_id, l.routed_at
        FROM lead l WHERE l.caller_name = :caller
        UNION ALL
        SELECT l.id, l.routed_at + interval '7 minutes',
               CASE WHEN l.status = 'declined' THEN (CASE WHEN l.id % 2 = 0 THEN 'declined' ELSE 'expired' END)
                    ELSE 'accepted' END,
               CASE WHEN l.status = 'declined' AND l.id % 2 = 1 THEN 'sla_expired' END, '{}'::json, l.franchise_id,
               l.routed_at
        FROM lead l WHERE l.caller_name = :caller
        UNION ALL
        SELECT l.id, l.routed_at + interval '7 minutes', 'accepted', 'converted', '{}'::json, l.franchise_id, NULL
        FROM lead l WHERE l.caller_name = :caller AND l.status = 'converted' AND l.id % 4 <> 0"""),
        {"caller": HISTORY_CALLER})
    db.session.commit()
    db.session.execute(text("ANALYZE lead"))
    db.session.execute(text("ANALYZE lead_event"))
    db.session.commit()


def _forget_calls() -> None:
    """Take the last run's calls back out, so each run routes on the same history."""
    ids = select(Lead.id).where(Lead.caller_name == BENCH_CALLER)
    db.session.execute(delete(LeadEvent).where(LeadEvent.lead_id.in_(ids)))
    db.session.execute(delete(Lead).where(Lead.caller_name == BENCH_CALLER))
    db.session.commit()


def _agent() -> int:
    agent = db.session.scalar(select(User).where(User.role == "callcentre", User.franchise_id.is_(None)).limit(1))
    if agent is None:
        agent = User(email="callcentre@bench.artel", name="Bench agent", role="callcentre", password_hash="!")
        db.session.add(agent)
        db.session.commit()
    return agent.id


def _call(i: int, region, rng: random.Random) -> dict:
    """A call from a point inside the region (within half its radius of the centre), for a shift in three days."""
    reach = float(region.radius_km) / 2 / 111
    source = LEAD_SOURCES[i % len(LEAD_SOURCES)]
    return {"phone": f"+7958{i:07d}", "caller_name": BENCH_CALLER, "company": f"Bench company {i}",
            "address": f"Bench street {i}", "lat": region.center_lat + rng.uniform(-reach, reach),
            "lon": region.center_lon + rng.uniform(-reach, reach), "work_type": "loading", "headcount": 5,
            "day": (datetime.now(timezone.utc) + timedelta(days=3)).date(), "start": clock(9, 0), "hours": 8,
            "notes": None, "source": source, "campaign": "bench" if source == "campaign" else None}


def _naive_choice(lat: float, lon: float, before_lead: int) -> int | None:
    """The naive way: load every region, franchise and lead step, and apply the rule in Python.

    Steps of leads taken from before_lead on are skipped: the database as that call saw it."""
    now = datetime.now(timezone.utc)
    config = current_app.config
    regions = db.session.scalars(select(Region)).all()
    franchises = db.session.scalars(select(Franchise)).all()
    events = db.session.scalars(select(LeadEvent)).all()
    areas = [routing.Area(r.id, r.name, r.center_lat, r.center_lon, float(r.radius_km)) for r in regions]
    located = routing.locate(lat, lon, areas, config["LEAD_NEAREST_KM"])
    head = min((f.id for f in franchises if f.tier == "head_office" and f.status == "active"), default=None)
    if located.chosen is None:
        return head
    since = now - timedelta(days=config["LEAD_ROUTING_DAYS"])
    branches = []
    for f in franchises:
        if f.region_id != located.chosen.id or f.status != "active" or f.tier == "head_office":
            continue
        mine = [e for e in events if e.franchise_id == f.id and e.lead_id < before_lead]
        routed = [e.at for e in mine if e.kind == "routed"]
        recent = [e for e in mine if e.at >= since]
        branches.append(routing.Branch(
            f.id, f.name, f.tier, max(routed) if routed else None,
            received=sum(e.kind == "routed" for e in recent),
            accepted=sum(e.kind == "accepted" and e.reason is None for e in recent),
            refused=sum(e.kind in ("declined", "expired") for e in recent),
            converted=sum(e.kind == "accepted" and e.reason == "converted" for e in recent)))
    decision = routing.choose_branch(branches)
    return decision.chosen.id if decision.chosen is not None else head


def _profiler():
    """Sample this process with py-spy while the calls are taken when LEADS_PROFILE is set (bench/.data/leads-profile.txt)."""
    from contextlib import nullcontext

    if not os.environ.get("LEADS_PROFILE"):
        return nullcontext()
    from bench import profiling

    raw = Path(__file__).with_name(".data") / "leads-profile.raw"
    raw.parent.mkdir(exist_ok=True)
    return _Profiled(profiling, raw)


class _Profiled:
    def __init__(self, profiling, raw):
        self.profiling, self.raw, self.inner = profiling, raw, None

    def __enter__(self):
        self.inner = self.profiling.sampled(os.getpid(), self.raw, cpu=os.environ.get("LEADS_PROFILE") == "cpu")
        self.inner.__enter__()

    def __exit__(self, *exc):
        self.inner.__exit__(*exc)
        report = self.profiling.summary(self.raw)
        self.raw.with_name("leads-profile.txt").write_text(report)
        print(report)
