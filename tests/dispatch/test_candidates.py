"""Candidate search: every exclusion reason on its own, the ranking, the distances."""
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from geopy.distance import geodesic

from orders.models import Order
from dispatch.models import Offer
from tests import factories
from workers.availability import ALL_HOURS, hours_mask
from dispatch.candidates import Shift, find_candidates, score
from workers.models import WorkerBlackout

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
