"""Rating events recorded by hand: never by a foreman, only on a shift of the caller's franchise the worker held."""
import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from ratings import service
from ratings.models import RatingEvent
from tests import factories
from workers.models import Worker

NOW = "2026-12-03 10:00:00"


def events(db):
    return db.session.scalar(select(func.count()).select_from(RatingEvent))


@pytest.fixture
def shifts(db, city):
    """A's shift the worker held, A's shift he was only offered, and B's shift he held (one pool: same region)."""
    city.held = factories.order(city.a_site, needed=1, target=1, status="completed", code="610001")
    factories.offer(city.held, city.a_worker, state="confirmed")
    city.offered = factories.order(city.a_site, needed=1, target=1, code="610002")
    factories.offer(city.offered, city.a_worker, state="declined")
    city.of_b = factories.order(city.b_site, needed=1, target=1, status="completed", code="610003")
    factories.offer(city.of_b, city.a_worker, state="booked")
    return city


def post(client, worker, **form):
    return client.post(f"/ratings/workers/{worker.id}/events", data=form)


@freeze_time(NOW)
def test_a_foreman_cannot_post_rating_events_at_all(client, auth, db, shifts):
    auth.login(shifts.a_foreman.email)
    for _ in range(3):  # three of these once suspended a worker who never had a shift with him
        response = post(client, shifts.a_worker, order_id=shifts.held.id, kind="no_show", day="2026-12-02")
        assert response.status_code == 403
    assert events(db) == 0 and db.session.get(Worker, shifts.a_worker.id).status == "active"


@freeze_time(NOW)
def test_a_dispatcher_records_a_withdrawal_on_a_shift_the_worker_held(client, auth, db, shifts):
    auth.login(shifts.a_dispatcher.email)
    card = client.get(f"/workers/{shifts.a_worker.id}").get_data(as_text=True)
    assert "610001" in card and 'value="no_show"' not in card  # the form offers his held shift, no sheet outcomes
    response = post(client, shifts.a_worker, order_id=shifts.held.id, kind="withdrew", notice_hours="6", note="flu")
    assert response.status_code == 302
    event = db.session.scalar(select(RatingEvent))
    assert (event.kind, event.order_id, event.recorded_by_id) == ("withdrew", shifts.held.id, shifts.a_dispatcher.id)
    assert event.occurred_at == shifts.held.starts_at and event.notice_hours == 6 and event.note == "flu"
    again = post(client, shifts.a_worker, order_id=shifts.held.id, kind="withdrew", notice_hours="6")
    assert again.status_code == 400 and "already recorded" in again.get_data(as_text=True)
    assert events(db) == 1


@freeze_time(NOW)
@pytest.mark.parametrize("order,kind,message", [
    ("offered", "complaint", "Not a valid choice"),  # offered, never held a place
    ("of_b", "complaint", "Not a valid choice"),  # another franchise's shift, though the worker held it
    (None, "complaint", "This field is required"),
    ("held", "no_show", "Not a valid choice"),  # what the attendance sheet records
    ("held", "came", "Not a valid choice"),
])
def test_the_page_refuses_anything_else(client, auth, db, shifts, order, kind, message):
    auth.login(shifts.a_partner.email)
    order_id = getattr(shifts, order).id if order else ""
    response = post(client, shifts.a_worker, order_id=order_id, kind=kind)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert events(db) == 0


@freeze_time(NOW)
def test_head_office_names_any_franchises_shift(client, auth, db, shifts):
    auth.login(shifts.admin.email)
    assert post(client, shifts.a_worker, order_id=shifts.of_b.id, kind="missed_reconfirmation").status_code == 302
    assert db.session.scalar(select(RatingEvent.order_id)) == shifts.of_b.id


@freeze_time(NOW)
def test_the_service_holds_the_rule_without_the_page(db, shifts):
    """Called with no request scope (as a job would be), the service itself refuses."""
    with pytest.raises(service.RatingError, match="shift of your franchise"):
        service.record_shift_event(shifts.a_worker.id, shifts.of_b.id, "complaint", shifts.a_dispatcher)
    with pytest.raises(service.RatingError, match="shift of your franchise"):
        service.record_shift_event(shifts.a_worker.id, shifts.offered.id, "complaint", shifts.a_dispatcher)
    with pytest.raises(service.RatingError, match="attendance sheet"):
        service.record_shift_event(shifts.a_worker.id, shifts.held.id, "no_show", shifts.a_dispatcher)
    with pytest.raises(PermissionError):
        service.record_shift_event(shifts.a_worker.id, shifts.held.id, "complaint", shifts.a_foreman)
    assert events(db) == 0
    event = service.record_shift_event(shifts.a_worker.id, shifts.of_b.id, "client_cancelled", shifts.b_dispatcher)
    assert event.order_id == shifts.of_b.id and event.occurred_at == shifts.of_b.starts_at
