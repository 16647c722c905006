"""Borrowing between regions: head office links two neighbouring regions, their franchises top a wave up
from the other pool only when their own cannot fill it, and every shift records who lent the worker.

Moscow holds franchises A and B (one shared pool), Kazan holds C; the Moscow Oblast next door is made
here with a few workers living near A's site, as does one Kazan worker who must never be asked.
"""
from datetime import datetime, timedelta, timezone

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from dispatch import jobs
from dispatch.models import Offer
from extensions import db as _db
from franchise import borrowing
from franchise.models import RegionLink
from orders.models import Attendance
from ratings.models import RatingEvent
from tests import factories
from workers.models import Worker

NOW = datetime(2026, 11, 25, 9, tzinfo=timezone.utc)  # 12:00 in Moscow: no quiet hours
START = datetime(2026, 12, 2, 6, tzinfo=timezone.utc)  # the factories' shift: 09:00-17:00 Moscow


@pytest.fixture
def oblast(db, city):
    """The Moscow Oblast, its own franchise, and three of its workers living a kilometre from A's site."""
    region = factories.region(name="Moscow Oblast", code="MOB", center_lat=55.55, center_lon=37.55)
    region.franchise = factories.franchise(region, name="Delta Oblast", tier="official")
    region.dispatcher = factories.user("dispatcher", region.franchise, email="dispatcher.d@test.artel")
    region.crew = [factories.worker(region, last_name=f"Oblast{i}", lat=55.745, lon=37.61) for i in range(3)]
    city.stranger = factories.worker(city.kazan, last_name="Kazan", lat=55.745, lon=37.615)
    return region


def _offers(db, order):
    return {o.worker_id: o.lent_from_region_id for o in db.session.scalars(select(Offer).where(Offer.order_id == order.id))}


@freeze_time(NOW)
def test_a_wave_tops_up_from_a_linked_pool_only_when_its_own_cannot_fill_it(db, city, oblast):
    # two places at 1.5: a target of 3, a wave of 6; Moscow's pool has two workers (A's and B's)
    alone = factories.order(city.a_site, needed=2, target=3, starts_at=START)
    assert jobs.plan_order(alone.id) == 2
    assert _offers(db, alone) == {city.a_worker.id: None, city.b_worker.id: None}  # unlinked: nobody else asked

    assert borrowing.allow(city.moscow.id, oblast.id, by=city.admin) is True
    linked = factories.order(city.a_site, needed=2, target=3, starts_at=START + timedelta(days=1))
    assert jobs.plan_order(linked.id) == 5
    assert _offers(db, linked) == {city.a_worker.id: None, city.b_worker.id: None,
                                   **{w.id: oblast.id for w in oblast.crew}}
    assert city.stranger.id not in _offers(db, linked)  # Kazan is no neighbour of Moscow's


@freeze_time(NOW)
def test_a_linked_pool_is_left_alone_while_the_own_pool_fills_the_wave(db, city, oblast):
    borrowing.allow(city.moscow.id, oblast.id)
    for i in range(4):
        factories.worker(city.moscow, last_name=f"Local{i}")
    order = factories.order(city.a_site, needed=2, target=3, starts_at=START)
    assert jobs.plan_order(order.id) == 6
    assert set(_offers(db, order).values()) == {None}


def test_the_pair_is_stored_both_ways_once_and_refuses_a_region_with_itself(db, city, oblast):
    assert borrowing.allow(oblast.id, city.moscow.id) is True
    assert borrowing.allow(city.moscow.id, oblast.id) is False  # allowed already, either way round
    assert sorted((l.region_id, l.neighbour_id) for l in db.session.scalars(select(RegionLink))) == sorted(
        [(city.moscow.id, oblast.id), (oblast.id, city.moscow.id)])
    assert borrowing.neighbours(city.moscow.id) == [oblast.id] and borrowing.neighbours(city.kazan.id) == []
    with pytest.raises(borrowing.BorrowingError, match="own pool"):
        borrowing.allow(city.moscow.id, city.moscow.id)
    assert borrowing.end(city.moscow.id, oblast.id) is True and borrowing.end(oblast.id, city.moscow.id) is False
    assert db.session.scalars(select(RegionLink)).all() == []


@pytest.mark.parametrize("who,sees", [("a_dispatcher", True), ("b_dispatcher", True), ("c_dispatcher", False)])
def test_a_link_opens_the_neighbours_workers_to_every_franchise_of_the_region_and_no_other(
        client, auth, db, city, oblast, who, sees):
    auth.login(getattr(city, who).email)
    lender = oblast.crew[0]
    assert client.get(f"/workers/{lender.id}").status_code == 404
    borrowing.allow(city.moscow.id, oblast.id)
    assert client.get(f"/workers/{lender.id}").status_code == (200 if sees else 404)
    assert client.get(f"/workers/{city.stranger.id}").status_code == (404 if sees else 200)  # C is Kazan's own
    borrowing.end(city.moscow.id, oblast.id)
    assert client.get(f"/workers/{lender.id}").status_code == 404


def test_the_lending_region_sees_the_borrowers_pool_too(client, auth, db, city, oblast):
    borrowing.allow(city.moscow.id, oblast.id)
    auth.login(oblast.dispatcher.email)
    assert client.get(f"/workers/{city.a_worker.id}").status_code == 200
    assert client.get(f"/workers/{city.stranger.id}").status_code == 404


def test_a_borrowed_worker_booked_worked_and_rated_counts_on_both_sides(client, auth, db, city, oblast):
    borrowing.allow(city.moscow.id, oblast.id, by=city.admin)
    lender = oblast.crew[0]
    with freeze_time(NOW):
        order = factories.order(city.a_site, needed=1, target=1, starts_at=START, status="dispatching")
        auth.login(city.a_dispatcher.email)
        assert client.post(f"/orders/{order.id}/workers/{lender.id}/book").status_code == 302
        [offer] = db.session.scalars(select(Offer).where(Offer.order_id == order.id)).all()
        assert (offer.worker_id, offer.state, offer.lent_from_region_id) == (lender.id, "booked", oblast.id)
        board = client.get(f"/orders/{order.id}").get_data(as_text=True)
        assert f'data-testid="lent-{lender.id}"' in board and "Moscow Oblast" in board
        auth.logout()
    with freeze_time(START + timedelta(hours=8)):
        auth.login(city.a_foreman.email)
        form = {f"outcome-{lender.id}": "came", f"minutes-{lender.id}": "", f"hours-{lender.id}": "8",
                f"quality-{lender.id}": "5", "close": "1"}
        assert client.post(f"/orders/{order.id}/attendance", data=form).status_code == 302
    db.session.expire_all()
    [mark] = db.session.scalars(select(Attendance).where(Attendance.order_id == order.id)).all()
    assert mark.lent_from_region_id == oblast.id
    assert db.session.scalar(select(RatingEvent.kind).where(RatingEvent.worker_id == lender.id)) == "came"
    assert db.session.get(Worker, lender.id).shifts_worked == 1  # his own record, whoever borrowed him
    assert borrowing.lent_and_borrowed() == {oblast.id: {"lent": 1, "borrowed": 0},
                                             city.moscow.id: {"lent": 0, "borrowed": 1}}
    auth.logout()
    with freeze_time("2026-12-20 09:00:00"):
        auth.login(city.admin.email)
        page = client.get("/admin?month=2026-12").get_data(as_text=True)
    assert f'data-testid="region-lent-{oblast.id}">1<' in page
    assert f'data-testid="region-borrowed-{city.moscow.id}">1<' in page
    assert f'data-testid="region-lent-{city.moscow.id}">0<' in page


@freeze_time(NOW)
def test_head_office_cannot_book_a_worker_of_an_unlinked_region(client, auth, db, city, oblast):
    order = factories.order(city.a_site, needed=1, target=1, starts_at=START)
    auth.login(city.admin.email)
    response = client.post(f"/orders/{order.id}/workers/{city.stranger.id}/book")
    assert response.status_code == 409
    assert "or of a region it may borrow from" in response.get_data(as_text=True)
    assert db.session.scalars(select(Offer).where(Offer.order_id == order.id)).all() == []


@freeze_time(NOW)
def test_head_office_allows_and_ends_a_pair_on_its_page_and_booked_shifts_stay(client, auth, db, city, oblast):
    auth.login(city.admin.email)
    assert "No region borrows from another" in client.get("/franchises/borrowing").get_data(as_text=True)
    same = client.post("/franchises/borrowing", data={"region_id": city.moscow.id, "neighbour_id": city.moscow.id})
    assert same.status_code == 400 and "own pool already" in same.get_data(as_text=True)
    assert client.post("/franchises/borrowing",
                       data={"region_id": oblast.id, "neighbour_id": city.moscow.id}).status_code == 302
    page = client.get("/franchises/borrowing").get_data(as_text=True)
    assert 'data-pair="MSK-MOB"' in page and city.admin.name in page
    again = client.post("/franchises/borrowing", data={"region_id": city.moscow.id, "neighbour_id": oblast.id},
                        follow_redirects=True)
    assert "already" in again.get_data(as_text=True) and len(db.session.scalars(select(RegionLink)).all()) == 2

    order = factories.order(city.a_site, needed=1, target=1, starts_at=START)
    factories.offer(order, oblast.crew[1], state="booked", lent_from_region_id=oblast.id)
    assert client.post(f"/franchises/borrowing/{city.moscow.id}/{oblast.id}/end").status_code == 302
    assert db.session.scalars(select(RegionLink)).all() == []
    assert _offers(db, order) == {oblast.crew[1].id: oblast.id}
    assert client.post(f"/franchises/borrowing/{city.moscow.id}/{oblast.id}/end").status_code == 404
    auth.logout()
    auth.login(city.a_partner.email)
    assert client.get("/franchises/borrowing").status_code == 403
    assert client.post("/franchises/borrowing",
                       data={"region_id": oblast.id, "neighbour_id": city.moscow.id}).status_code == 403
    assert _db.session.scalars(select(RegionLink)).all() == []
