"""A worker's record from before (an opening event) is kept: later events build on it, never throw it away."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from ratings import service
from ratings.models import RatingEvent
from workers.models import Worker

NOW = datetime(2026, 12, 3, 10, tzinfo=timezone.utc)


def stored(db, worker_id):
    db.session.expire_all()
    w = db.session.get(Worker, worker_id)
    return w.rating, w.reliability, w.shifts_worked


def opened(db, worker, shifts=106, no_shows=2, rating="5.00"):
    service.open_record(worker, shifts, no_shows, Decimal(rating), NOW - timedelta(days=30))
    db.session.commit()


@freeze_time(NOW)
def test_shifts_for_both_franchises_of_a_city_build_on_the_opening_record(db, city):
    opened(db, city.a_worker)
    assert stored(db, city.a_worker.id) == (Decimal("5.00"), Decimal("0.958"), 106)
    # A's shift: came on time, quality 5 -- a perfect shift keeps 5.00 and adds one to 106
    came = service.record_event(city.a_worker.id, "came", NOW - timedelta(days=2), quality=5)
    assert (came.rating_before, came.rating_after) == (Decimal("5.00"), Decimal("5.00"))
    assert stored(db, city.a_worker.id) == (Decimal("5.00"), Decimal("0.958"), 107)
    # B's shift in the same pool: a no-show costs a full point from 5.00, not a fall to 2.50
    service.record_event(city.a_worker.id, "no_show", NOW - timedelta(days=1))
    assert stored(db, city.a_worker.id) == (Decimal("4.00"), Decimal("0.950"), 107)
    figures = service.recompute(db.session.get(Worker, city.a_worker.id))
    assert (figures.rating, figures.reliability, figures.shifts) == stored(db, city.a_worker.id)


@freeze_time(NOW)
def test_an_event_dated_before_the_opening_still_folds_in_after_it(db, city):
    opened(db, city.b_worker, shifts=40, no_shows=0, rating="4.80")
    service.record_event(city.b_worker.id, "came", NOW - timedelta(days=60), quality=5)
    assert stored(db, city.b_worker.id)[2] == 41
    assert [e.kind for e in service.history(db.session.get(Worker, city.b_worker.id))] == ["opening", "came"]


@freeze_time(NOW)
def test_a_worker_with_a_history_gets_no_opening_record(db, city):
    service.record_event(city.a_worker.id, "came", NOW - timedelta(days=1), quality=4)
    with pytest.raises(service.RatingError, match="already has a rating history"):
        service.open_record(db.session.get(Worker, city.a_worker.id), 10, 0, Decimal("5.00"), NOW)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(RatingEvent)) == 1


@pytest.mark.parametrize("shifts,no_shows,rating,message", [
    (-1, 0, "4.00", "whole numbers"), (10, 2.5, "4.00", "whole numbers"), (10, 0, "5.01", "1.00 to 5.00"),
    (10, 0, "0.99", "1.00 to 5.00"), (10, 0, "4.555", "1.00 to 5.00"),
])
def test_an_invalid_opening_record_is_refused(db, city, shifts, no_shows, rating, message):
    with pytest.raises(service.RatingError, match=message):
        service.open_record(city.a_worker, shifts, no_shows, Decimal(rating), NOW)
    assert stored(db, city.a_worker.id) == (Decimal("3.50"), Decimal("0.700"), 0)


@freeze_time(NOW)
def test_the_card_lists_the_opening_and_says_why_each_figure_moved(app, client, auth, db, city):
    opened(db, city.a_worker)
    service.record_event(city.a_worker.id, "came", NOW - timedelta(days=3), quality=5)
    service.record_event(city.a_worker.id, "no_show", NOW - timedelta(days=2))
    service.record_event(city.a_worker.id, "came", NOW - timedelta(days=1))
    for recruiter in (city.a_recruiter, city.b_recruiter):  # one pool: both franchises read the same record
        auth.login(recruiter.email)
        page = client.get(f"/workers/{city.a_worker.id}").get_data(as_text=True)
        history = page[page.index('data-testid="rating-history"'):page.index('data-testid="shift-history"')]
        assert "His record before: 106 shifts, 2 no-shows, rating 5.00." in history
        assert "3.50 → 5.00" in history and "0.700 → 0.958" in history
        assert "Scored 5: joins his scores" in history and "5.00 → 5.00" in history
        assert "Counts as not shown up. Penalty 1.00 at once." in history and "5.00 → 4.00" in history
        assert "A good shift earns back 0.10 of the penalty." in history and "4.00 → 4.10" in history
        # latest first, the opening last
        assert history.index("4.00 → 4.10") < history.index("5.00 → 4.00") < history.index("His record before")
        auth.logout()
    city.a_recruiter.locale = "ru"
    db.session.commit()
    auth.login(city.a_recruiter.email)
    page = client.get(f"/workers/{city.a_worker.id}").get_data(as_text=True)
    assert "Прежний послужной список: смен 106, неявок 2, рейтинг 5.00." in page
    assert "Засчитано как неявка. Штраф 1.00 сразу." in page
    assert "Хорошая смена возвращает 0.10 штрафа." in page
