"""Attendance events change the stored figures, explained, replayable, and suspend repeat no-shows."""
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.timeutil import utcnow
from ratings import service
from ratings.models import RatingEvent
from tests import factories
from workers.models import StatusChange, Worker


@pytest.fixture
def worker(db):
    return factories.worker(factories.region(), status="active")


def stored(db, worker_id):
    db.session.expire_all()
    w = db.session.get(Worker, worker_id)
    return w.rating, w.reliability, w.shifts_worked, w.status


def test_each_event_is_explained_with_before_and_after(db, worker):
    now = utcnow()
    first = service.record_event(worker.id, "came", now - timedelta(days=2), quality=5)
    second = service.record_event(worker.id, "no_show", now - timedelta(days=1))
    assert (first.rating_before, first.rating_after) == (Decimal("3.50"), Decimal("3.88"))
    assert (first.reliability_before, first.reliability_after) == (Decimal("0.700"), Decimal("0.727"))
    assert (second.rating_before, second.rating_after) == (Decimal("3.88"), Decimal("2.88"))
    assert stored(db, worker.id)[:3] == (Decimal("2.88"), Decimal("0.667"), 1)


def test_recomputing_from_history_gives_exactly_the_stored_figures(db, worker):
    now = utcnow()
    plan = [("came", dict(quality=4)), ("late", dict(minutes=20, quality=5)), ("withdrew", dict(notice_hours=14)),
            ("missed_reconfirmation", {}), ("left_early", dict(quality=3)), ("complaint", {}), ("came", {}),
            ("client_cancelled", {})]
    for i, (kind, kw) in enumerate(plan):
        service.record_event(worker.id, kind, now - timedelta(days=30 - i), **kw)
    # an event recorded late, about an earlier shift, takes its place in the history
    service.record_event(worker.id, "came", now - timedelta(days=40), quality=2)
    w = db.session.get(Worker, worker.id)
    figures = service.recompute(w)
    assert (figures.rating, figures.reliability, figures.shifts) == stored(db, worker.id)[:3]
    assert figures.penalty == w.rating_penalty


def test_three_no_shows_in_thirty_days_suspend(db, worker):
    now = utcnow()
    for days_ago in (20, 10):
        service.record_event(worker.id, "no_show", now - timedelta(days=days_ago))
    assert stored(db, worker.id)[3] == "active"
    service.record_event(worker.id, "no_show", now - timedelta(days=1))
    assert stored(db, worker.id)[3] == "suspended"
    change = db.session.scalar(select(StatusChange).where(StatusChange.worker_id == worker.id))
    assert (change.from_status, change.to_status, change.reason) == ("active", "suspended", "3 no-shows in 30 days")


def test_no_shows_spread_over_longer_do_not_suspend(db, worker):
    now = utcnow()
    for days_ago in (70, 40, 5):
        service.record_event(worker.id, "no_show", now - timedelta(days=days_ago))
    assert stored(db, worker.id)[3] == "active"


def test_the_threshold_is_a_setting(app, db, worker, monkeypatch):
    monkeypatch.setitem(app.config, "NO_SHOW_SUSPEND_COUNT", 1)
    service.record_event(worker.id, "no_show", utcnow())
    assert stored(db, worker.id)[3] == "suspended"


@pytest.mark.parametrize("kind,kw,message", [
    ("partied", {}, "Unknown attendance event"),
    ("came", {"quality": 6}, "from 1 to 5"),
    ("came", {"quality": 0}, "from 1 to 5"),
    ("late", {}, "minutes late"),
    ("late", {"minutes": 5000}, "minutes late"),
    ("withdrew", {}, "hours before the start"),
])
def test_bad_events_are_refused_and_change_nothing(db, worker, kind, kw, message):
    with pytest.raises(service.RatingError, match=message):
        service.record_event(worker.id, kind, utcnow(), **kw)
    assert db.session.scalar(select(RatingEvent)) is None
    assert stored(db, worker.id)[:2] == (Decimal("3.50"), Decimal("0.700"))


def test_concurrent_events_for_one_worker_are_all_applied(app, db, worker):
    errors, worker_id = [], worker.id

    def record(i):
        with app.app_context():
            try:
                service.record_event(worker_id, "came", utcnow() - timedelta(hours=i), quality=5)
            except Exception as exc:  # surfaced below
                errors.append(exc)

    threads = [threading.Thread(target=record, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    w = db.session.get(Worker, worker.id)
    assert stored(db, worker.id)[2] == 8
    assert service.recompute(w).rating == w.rating
