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
