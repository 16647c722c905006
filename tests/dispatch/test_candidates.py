"""Candidate search: every exclusion reason on its own, the ranking, the distances."""
import math
import random
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from geopy.distance import geodesic
from pyproj import Geod
from sqlalchemy import insert, select, text
from sqlalchemy.schema import CreateIndex

from dispatch import candidates
from extensions import db
from orders.models import Order
from dispatch.models import HOLDING_STATES, Offer
from tests import factories
from workers.availability import ALL_HOURS, hours_mask, shift_dates, shift_needs
from dispatch.candidates import Shift, find_candidates, geodesic_km
from dispatch.ranking import fairness, score
from workers.models import Worker, WorkerBlackout

SITE = (55.7558, 37.6173)
KM = 1 / 111.2  # degrees of latitude in a kilometre, near enough
# Wednesday 2 December 2026, 09:00-17:00 in Moscow
START = datetime(2026, 12, 2, 6, tzinfo=timezone.utc)
END = datetime(2026, 12, 2, 14, tzinfo=timezone.utc)
LOADER, RIGGER = 1 << 0, 1 << 1


@pytest.fixture
def area(db):
    moscow = factories.region(name="Moscow", center_lat=SITE[0], center_lon=SITE[1])
    franchise = factories.franchise(moscow)
    client = factories.client(franchise)
    site = factories.site(client, lat=SITE[0], lon=SITE[1])
    return moscow, franchise, client, site


def put(area, km_north=1.0, **kw):
    """A worker km_north of the site, active and available unless told otherwise."""
    moscow = area[0]
    values = dict(lat=SITE[0] + km_north * KM, lon=SITE[1], skill_mask=LOADER, rating=Decimal("4.00"),
                  reliability=Decimal("0.800"))
    return factories.worker(moscow, **{**values, **kw})


def shift(area, **kw):
    values = dict(region_id=area[0].id, lat=SITE[0], lon=SITE[1], starts_at=START, ends_at=END,
                  timezone="Europe/Moscow", skill_mask=LOADER, radius_km=15.0)
    return Shift(**{**values, **kw})


def ids(area, **kw):
    return [c.worker_id for c in find_candidates(shift(area, **kw), now=START - timedelta(days=1))]


def book(area, worker, start, end, state="booked"):
    moscow, franchise, client, site = area
    order = Order(franchise_id=franchise.id, region_id=moscow.id, client_id=client.id, site_id=site.id,
                  work_type="loading", workers_needed=1, starts_at=start, ends_at=end, pay_rate=Decimal("100"),
                  bill_rate=Decimal("220"), status="dispatching")
    factories._save(order)
    factories._save(Offer(order_id=order.id, worker_id=worker.id, franchise_id=franchise.id, state=state,
                          starts_at=start, ends_at=end))
    return order


def test_an_eligible_worker_is_found_with_his_geodesic_distance(area):
    worker = put(area, km_north=3)
    [candidate] = find_candidates(shift(area))
    assert candidate.worker_id == worker.id
    assert candidate.distance_km == pytest.approx(geodesic(SITE, (worker.lat, worker.lon)).km, abs=1e-9)  # geopy agrees


@pytest.mark.parametrize("status", ["applicant", "suspended", "banned"])
def test_only_active_workers(area, status):
    put(area, status=status)
    assert ids(area) == []


def test_opted_out_workers_are_never_offered(area):
    put(area, opted_out=True)
    assert ids(area) == []


def test_deleted_workers_are_excluded(area, db):
    worker = put(area)
    worker.deleted_at = START
    db.session.commit()
    assert ids(area) == []


def test_workers_of_another_region_are_excluded(area):
    kazan = factories.region(name="Kazan", center_lat=SITE[0], center_lon=SITE[1])  # same spot, other pool
    factories.worker(kazan, lat=SITE[0], lon=SITE[1], skill_mask=LOADER)
    assert ids(area) == []


def test_every_required_skill_is_needed(area):
    loader = put(area, skill_mask=LOADER)
    both = put(area, skill_mask=LOADER | RIGGER)
    assert ids(area, skill_mask=LOADER | RIGGER) == [both.id]
    assert set(ids(area, skill_mask=LOADER)) == {loader.id, both.id}


def test_beyond_the_orders_radius(area):
    near, far = put(area, km_north=14.5), put(area, km_north=15.5)
    assert ids(area) == [near.id]
    assert far.id in ids(area, radius_km=20)


def test_beyond_the_workers_own_radius(area):
    homebody = put(area, km_north=6, max_travel_km=Decimal("5"))
    traveller = put(area, km_north=6, max_travel_km=Decimal("10"))
    assert ids(area) == [traveller.id]
    assert homebody.id not in ids(area, radius_km=50)


def test_without_coordinates_a_worker_cannot_be_placed(area):
    put(area, lat=None, lon=None)
    assert ids(area) == []


def test_unavailable_hours_exclude(area):
    morning_only = put(area, avail_wed=hours_mask(6, 13))
    put_available = put(area, avail_wed=hours_mask(8, 18), avail_thu=0)
    assert ids(area) == [put_available.id]
    assert morning_only.id in ids(area, starts_at=START - timedelta(hours=2), ends_at=START + timedelta(hours=3))


def test_a_night_shift_needs_both_days(area):
    night_start = datetime(2026, 12, 4, 19, tzinfo=timezone.utc)  # Fri 22:00 -> Sat 06:00 in Moscow
    night_end = night_start + timedelta(hours=8)
    fri_only = put(area, avail_sat=hours_mask(8, 20))
    both = put(area, avail_fri=ALL_HOURS, avail_sat=ALL_HOURS)
    assert ids(area, starts_at=night_start, ends_at=night_end) == [both.id]
    assert fri_only.id not in ids(area, starts_at=night_start, ends_at=night_end)


def test_blackout_dates_exclude(area, db):
    away = put(area)
    db.session.add(WorkerBlackout(worker_id=away.id, day=date(2026, 12, 2)))
    db.session.commit()
    assert ids(area) == []
    assert ids(area, starts_at=START + timedelta(days=1), ends_at=END + timedelta(days=1)) == [away.id]


def test_booked_on_an_overlapping_shift_excludes(area):
    busy = put(area)
    book(area, busy, START + timedelta(hours=7), END + timedelta(hours=7))
    assert ids(area) == []


@pytest.mark.parametrize("state", ["offered", "declined", "waitlisted", "dropped", "cancelled", "expired"])
def test_offers_that_hold_no_place_do_not_block(area, state):
    worker = put(area)
    book(area, worker, START, END, state=state)
    assert ids(area) == [worker.id]


def test_a_booking_that_only_touches_the_shift_does_not_block(area):
    worker = put(area)
    book(area, worker, END, END + timedelta(hours=4))
    book(area, worker, START - timedelta(hours=4), START)
    assert ids(area) == [worker.id]


def test_the_orders_own_bookings_do_not_block_replanning(area):
    worker = put(area)
    order = book(area, worker, START, END, state="confirmed")
    assert ids(area) == []
    assert ids(area, exclude_order_id=order.id) == [worker.id]


def test_ranking_rating_then_reliability_then_distance(area):
    best = put(area, km_north=5, rating=Decimal("4.90"))
    reliable = put(area, km_north=5, rating=Decimal("4.00"), reliability=Decimal("0.950"))
    near = put(area, km_north=1, rating=Decimal("4.00"), reliability=Decimal("0.800"))
    far = put(area, km_north=9, rating=Decimal("4.00"), reliability=Decimal("0.800"))
    assert ids(area) == [best.id, reliable.id, near.id, far.id]


def test_workers_offered_nothing_lately_are_nudged_up(area, db):
    busy = put(area, km_north=2, last_offer_at=START - timedelta(days=2, hours=2))
    idle = put(area, km_north=2)
    assert ids(area) == [idle.id, busy.id]
    [first, second] = find_candidates(shift(area), now=START - timedelta(days=1))
    assert first.score - second.score == pytest.approx(0.05 * 1.0, abs=1e-6)  # idle 1.0 vs. offered yesterday 0


def test_score_formula_worked_example():
    # rating 4.6, reliability 0.9, 3 of 15 km, no offer in two weeks
    assert score(Decimal("4.6"), Decimal("0.9"), 3.0, 15.0, 1.0) == pytest.approx(
        0.45 * 0.9 + 0.35 * 0.9 + 0.15 * 0.8 + 0.05)


def test_limit_keeps_the_best(area):
    workers = [put(area, km_north=1 + i * 0.1, rating=Decimal("3.00") + Decimal(i) / 10) for i in range(10)]
    assert ids(area)[:3] == [w.id for w in workers[::-1][:3]]
    assert len(find_candidates(shift(area), limit=3)) == 3


# The search reads the grid's cells near the site and only the workers whose merit can reach the best
# (dispatch/candidates.py); whatever it reads, its answer must be the one of measuring everybody.

def by_hand(shift_, now, limit):
    """Every worker of the region, measured and ranked in plain Python."""
    busy = set(db.session.scalars(select(Offer.worker_id).where(
        Offer.state.in_(HOLDING_STATES), Offer.starts_at < shift_.ends_at, Offer.ends_at > shift_.starts_at)))
    away = set(db.session.scalars(select(WorkerBlackout.worker_id).where(
        WorkerBlackout.day.in_(shift_dates(shift_.starts_at, shift_.ends_at, shift_.timezone)))))
    needs = shift_needs(shift_.starts_at, shift_.ends_at, shift_.timezone)
    out = []
    for w in db.session.scalars(select(Worker).where(Worker.region_id == shift_.region_id)):
        if (w.status != "active" or w.opted_out or w.deleted_at is not None or w.lat is None or w.id in busy
                or w.id in away or w.skill_mask & shift_.skill_mask != shift_.skill_mask
                or any(getattr(w, f"avail_{day}") & mask != mask for day, mask in needs.items())):
            continue
        km = geodesic_km(shift_.lat, shift_.lon, w.lat, w.lon)
        radius = min(float(w.max_travel_km), shift_.radius_km)
        if km <= radius:
            out.append((-score(w.rating, w.reliability, km, radius, fairness(w.last_offer_at, now)), w.id))
    return [worker_id for _, worker_id in sorted(out)[:limit]]


@pytest.fixture
def crowd(area, db):
    """Three hundred workers within 20 km of the site: a few ratings and reliabilities (so scores tie), twins at the
    same spot, some just inside and just outside 15 km and their own radius, some busy, away, unskilled, offered
    lately, unavailable, opted out or suspended."""
    rng = random.Random(7)
    moscow = area[0]
    geod = Geod(ellps="WGS84")
    rows = []
    for i in range(300):
        if i % 10 == 0:  # on the edge of the order's radius or of his own
            km, own = rng.choice([(15 - 1e-7, 25), (15 + 1e-7, 25), (10 - 1e-7, 10), (10 + 1e-7, 10)])
        else:
            km, own = 20 * math.sqrt(rng.random()), rng.choice([5, 10, 15, 25])
        lon, lat, _ = geod.fwd(SITE[1], SITE[0], rng.uniform(0, 360), km * 1000)
        row = dict(region_id=moscow.id, first_name=f"Crowd{i}", last_name="Worker", phone=f"+7913{i:07d}",
                   status=rng.choice(["active"] * 18 + ["suspended", "applicant"]), opted_out=rng.random() < 0.03,
                   lat=lat, lon=lon, skill_mask=rng.choice([LOADER, LOADER, LOADER | RIGGER, RIGGER]),
                   max_travel_km=Decimal(own), rating=Decimal(rng.choice(["3.00", "4.00", "4.50", "5.00"])),
                   reliability=Decimal(rng.choice(["0.700", "0.900"])), avail_wed=rng.choice([ALL_HOURS] * 9 + [0]),
                   last_offer_at=rng.choice([None, START - timedelta(days=3), START - timedelta(days=9)]))
        rows.append(row)
        if i % 7 == 0:  # a twin: the same place and figures, so only the id tells them apart
            rows.append({**row, "first_name": f"Twin{i}", "phone": f"+7914{i:07d}"})
    db.session.execute(insert(Worker), rows)
    ids = list(db.session.scalars(select(Worker.id).where(Worker.region_id == moscow.id)))
    db.session.add_all(WorkerBlackout(worker_id=w, day=date(2026, 12, 2)) for w in rng.sample(ids, 15))
    db.session.commit()
    for worker_id in rng.sample(ids, 15):
        book(area, db.session.get(Worker, worker_id), START, END)
    return ids


def reads(monkeypatch):
    """Record whether each read of find_candidates proved its answer (False: it read everyone after)."""
    proved = []
    ranked = candidates._ranked

    def spy(*args, **kwargs):
        found = ranked(*args, **kwargs)
        proved.append(found is not None)
        return found

    monkeypatch.setattr(candidates, "_ranked", spy)
    return proved


@pytest.mark.parametrize("limit", [1, 7, 40, 150, 500])
@pytest.mark.parametrize("site", [SITE, (SITE[0] + 0.05, SITE[1] - 0.08), (SITE[0] - 0.1, SITE[1] + 0.1)])
def test_the_search_ranks_a_crowd_as_measuring_everybody_does(area, crowd, monkeypatch, limit, site):
    proved = reads(monkeypatch)
    now = START - timedelta(days=1)
    wanted = shift(area, lat=site[0], lon=site[1])
    assert [c.worker_id for c in find_candidates(wanted, limit, now)] == by_hand(wanted, now, limit)
    assert proved[0] or limit >= 150  # a small top is proved by the first read


def test_the_floor_of_the_sample_leaves_workers_unread_and_still_proves_the_top(area, crowd, monkeypatch):
    proved = reads(monkeypatch)
    now = START - timedelta(days=1)
    statement = candidates.candidate_query(shift(area), 20, now)
    rows = db.session.execute(statement).all()
    assert rows[0].floor is not None  # the sample found twenty surely within their radius
    assert len(rows) < len(crowd)
    assert [c.worker_id for c in find_candidates(shift(area), 20, now)] == by_hand(shift(area), now, 20)
    assert proved == [True]


def test_a_tie_past_the_margin_reads_everyone(area, db, monkeypatch):
    proved = reads(monkeypatch)
    twins = [put(area, km_north=2) for _ in range(40)]  # one score for all: the margin proves nothing
    assert ids(area)[:10] == [w.id for w in twins[:10]]
    assert [c.worker_id for c in find_candidates(shift(area), 10, START - timedelta(days=1))] == [
        w.id for w in twins[:10]]
    assert proved[-2:] == [False, True]


def test_across_the_antimeridian_every_candidate_in_the_band_is_measured(db):
    chukotka = factories.region(name="Anadyr", center_lat=64.73, center_lon=177.5)
    east, west = (factories.worker(chukotka, lat=64.73, lon=lon, skill_mask=LOADER) for lon in (179.99, -179.99))
    far = factories.worker(chukotka, lat=64.73, lon=-179.5, skill_mask=LOADER)  # 27 km across the line
    site = Shift(region_id=chukotka.id, lat=64.73, lon=179.995, starts_at=START, ends_at=END,
                 timezone="Asia/Anadyr", skill_mask=LOADER, radius_km=15.0)
    assert candidates.candidate_query(site, 500, START) is None
    assert {c.worker_id for c in find_candidates(site)} == {east.id, west.id}
    assert far.id not in [c.worker_id for c in find_candidates(site)]


def test_the_migrated_index_is_the_one_the_search_reads(area, crowd):
    """The migration wrote the index's expressions down; they must still be the model's, and the search's."""
    index = next(i for i in Worker.__table__.indexes if i.name == "ix_worker_candidates")
    with db.engine.connect() as conn:
        migrated = conn.scalar(text("SELECT pg_get_indexdef('ix_worker_candidates'::regclass)"))
        conn.execute(text(str(CreateIndex(index).compile(dialect=conn.dialect)).replace(
            "ix_worker_candidates", "ix_worker_candidates_model")))
        model = conn.scalar(text("SELECT pg_get_indexdef('ix_worker_candidates_model'::regclass)"))
        conn.rollback()
    assert migrated == model.replace("ix_worker_candidates_model", "ix_worker_candidates")
    statement = candidates.candidate_query(shift(area), 20, START)
    compiled = statement.compile(db.engine)
    expanded = compiled.construct_expanded_state(compiled.params)
    with db.engine.connect() as conn:
        conn.execute(text("SET enable_seqscan = off"))
        plan = "\n".join(conn.exec_driver_sql("EXPLAIN " + expanded.statement, expanded.parameters).scalars())
    # The sample reads each cell's range best merit first: both expressions are the index's.
    assert "Index Only Scan Backward using ix_worker_candidates" in plan
