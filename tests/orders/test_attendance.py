"""The foreman's sheet: marks for every booked worker, closing the shift into ratings, surplus workers."""
from decimal import Decimal

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from orders.models import Attendance, Order
from ratings.models import RatingEvent
from tests import factories
from workers.models import Worker


@pytest.fixture
def shift(db, network):
    order = factories.order(network.a_site, needed=2, target=3, status="filled")
    order.crew = [factories.worker(network.moscow, last_name=f"Crew{i}") for i in range(3)]
    for w in order.crew:
        factories.offer(order, w, state="booked")
    return order


def sheet_form(order, outcomes, close=False):
    form = {}
    for worker, (outcome, minutes, quality) in zip(order.crew, outcomes):
        form.update({f"outcome-{worker.id}": outcome, f"minutes-{worker.id}": minutes or "",
                     f"hours-{worker.id}": "8", f"quality-{worker.id}": quality or ""})
    if close:
        form["close"] = "1"
    return form


@freeze_time("2026-12-01 10:00:00")  # the day before the shift: the foreman's page shows the week ahead
def test_the_foreman_sees_his_franchises_shifts(client, auth, shift, network):
    auth.login(network.a_foreman.email)
    page = client.get("/orders/foreman").get_data(as_text=True)
    assert shift.code in page
    assert all(w.last_name in client.get(f"/orders/{shift.id}/attendance").get_data(as_text=True) for w in shift.crew)


def test_closing_the_shift_turns_marks_into_rating_events(client, auth, db, shift, network):
    auth.login(network.a_foreman.email)
    form = sheet_form(shift, [("came", None, "5"), ("late", "40", "4"), ("no_show", None, None)], close=True)
    assert client.post(f"/orders/{shift.id}/attendance", data=form).status_code == 302
    db.session.expire_all()
    assert db.session.get(Order, shift.id).status == "completed"
    events = {e.worker_id: e for e in db.session.scalars(select(RatingEvent))}
    assert [events[w.id].kind for w in shift.crew] == ["came", "late", "no_show"]
    assert events[shift.crew[1].id].minutes == 40 and events[shift.crew[0].id].order_id == shift.id
    ratings = [db.session.get(Worker, w.id).rating for w in shift.crew]
    assert ratings == [Decimal("3.88"), Decimal("3.38"), Decimal("2.50")]  # see tests/ratings/test_formulas.py
    again = client.post(f"/orders/{shift.id}/attendance", data=form)
    assert again.status_code == 400 and "closed" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(RatingEvent)) == 3


def test_a_shift_cannot_close_with_someone_unmarked(client, auth, db, shift, network):
    auth.login(network.a_foreman.email)
    form = sheet_form(shift, [("came", None, "5"), ("came", None, None), ("", None, None)], close=True)
    response = client.post(f"/orders/{shift.id}/attendance", data=form)
    assert response.status_code == 400 and "Mark every booked worker" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Order, shift.id).status == "in_progress"  # the marks given were saved
    assert db.session.scalar(select(func.count()).select_from(RatingEvent)) == 0


def test_workers_who_came_beyond_the_order_are_recorded_as_surplus(client, auth, db, shift, network):
    auth.login(network.a_foreman.email)
    client.post(f"/orders/{shift.id}/attendance", data=sheet_form(shift, [("came", None, None)] * 3))
    marks = {a.worker_id: a.surplus for a in db.session.scalars(select(Attendance))}
    assert [marks[w.id] for w in shift.crew] == [False, False, True]


@pytest.mark.parametrize("outcomes,message", [
    ([("late", None, None), ("came", None, None), ("came", None, None)], "minutes late"),
    ([("came", None, "9"), ("came", None, None), ("came", None, None)], "from 1 to 5"),
    ([("partied", None, None), ("came", None, None), ("came", None, None)], "Mark came"),
    ([("came", "x", None), ("came", None, None), ("came", None, None)], "Numbers only"),
])
def test_bad_marks_are_refused_and_nothing_is_saved(client, auth, db, shift, network, outcomes, message):
    auth.login(network.a_foreman.email)
    response = client.post(f"/orders/{shift.id}/attendance", data=sheet_form(shift, outcomes))
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 0


@pytest.fixture
def named(db, city):
    """A shift of franchise A that names its foreman (a second foreman of A), with one booked worker."""
    city.a_foreman2 = factories.user("foreman", city.a, email="foreman2.a@test.artel")
    order = factories.order(city.a_site, needed=1, target=1, status="filled", foreman_id=city.a_foreman2.id)
    order.crew = [city.a_worker]
    factories.offer(order, city.a_worker, state="booked")
    return order


def _marks(db):
    return db.session.scalar(select(func.count()).select_from(Attendance))


@pytest.mark.parametrize("who,status", [("a_foreman", 403), ("b_foreman", 404), ("head_office_foreman", 403)])
def test_only_the_named_foreman_of_the_franchise_marks_the_shift(client, auth, db, city, named, who, status):
    user = factories.user("foreman", email="foreman.ho@test.artel") if who == "head_office_foreman" else getattr(city, who)
    auth.login(user.email)
    assert client.get(f"/orders/{named.id}/attendance").status_code == status
    form = sheet_form(named, [("no_show", None, None)], close=True)
    assert client.post(f"/orders/{named.id}/attendance", data=form).status_code == status
    assert _marks(db) == 0 and db.session.scalar(select(func.count()).select_from(RatingEvent)) == 0
    assert named.code not in client.get("/orders/foreman").get_data(as_text=True)


@freeze_time("2026-12-01 10:00:00")  # the foreman's page lists the week ahead of today
def test_the_named_foreman_marks_and_closes_his_shift(client, auth, db, city, named):
    auth.login(city.a_foreman2.email)
    assert named.code in client.get("/orders/foreman").get_data(as_text=True)
    form = sheet_form(named, [("came", None, "5")], close=True)
    assert client.post(f"/orders/{named.id}/attendance", data=form).status_code == 302
    event = db.session.scalar(select(RatingEvent))
    assert (event.worker_id, event.order_id, event.recorded_by_id) == (city.a_worker.id, named.id, city.a_foreman2.id)


@freeze_time("2026-12-01 10:00:00")  # the foreman's page lists the week ahead of today
def test_a_foreman_marks_any_shift_of_his_franchise_that_names_nobody(client, auth, db, city):
    order = factories.order(city.a_site, needed=1, target=1, status="filled")
    order.crew = [city.a_worker]
    factories.offer(order, city.a_worker, state="booked")
    auth.login(city.a_foreman.email)
    assert order.code in client.get("/orders/foreman").get_data(as_text=True)
    assert client.post(f"/orders/{order.id}/attendance", data=sheet_form(order, [("came", None, None)])).status_code == 302
    assert _marks(db) == 1


def test_the_franchises_dispatcher_still_marks_a_named_shift(client, auth, db, city, named):
    auth.login(city.a_dispatcher.email)
    assert client.post(f"/orders/{named.id}/attendance", data=sheet_form(named, [("came", None, None)])).status_code == 302
    assert _marks(db) == 1


def test_the_service_refuses_a_foreman_the_shift_is_not_his(db, city, named):
    from orders import attendance

    entries = [{"worker_id": city.a_worker.id, "outcome": "no_show"}]
    for foreman in (city.a_foreman, city.b_foreman):
        with pytest.raises(attendance.NotYourShift):
            attendance.mark(named, entries, foreman)
        with pytest.raises(attendance.NotYourShift):
            attendance.close_shift(named, foreman)
        db.session.rollback()
    assert _marks(db) == 0
