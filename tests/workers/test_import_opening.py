"""An agency's pool comes in by CSV with each worker's record so far (shifts, no-shows, rating) kept as his opening."""
import io
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from freezegun import freeze_time
from sqlalchemy import func, select

from core import tenancy
from ratings import service as ratings
from ratings.models import RatingEvent
from workers.imports import import_workers
from workers.models import Worker

NOW = datetime(2026, 12, 3, 10, tzinfo=timezone.utc)
HEADER = "first_name,last_name,phone,region,shifts,no_shows,rating\n"


def upload(client, text, on_duplicate="report"):
    return client.post("/workers/import", data={"file": (io.BytesIO(text.encode()), "workers.csv"),
                                                "on_duplicate": on_duplicate}, content_type="multipart/form-data")


def events(db):
    return db.session.scalar(select(func.count()).select_from(RatingEvent))


def worker(db, phone):
    db.session.expire_all()
    return db.session.scalar(select(Worker).where(Worker.phone == phone))


@freeze_time(NOW)
def test_an_imported_record_is_the_opening_later_shifts_build_on(client, auth, db, city):
    auth.login(city.a_recruiter.email)
    text = HEADER + "Пётр,Опытный,+79165550101,MSK,106,2,5.00\nНовый,Новичок,+79165550102,MSK,,,\n"
    assert upload(client, text).status_code == 200
    veteran, newcomer = worker(db, "+79165550101"), worker(db, "+79165550102")
    assert (veteran.rating, veteran.reliability, veteran.shifts_worked) == (Decimal("5.00"), Decimal("0.958"), 106)
    assert (newcomer.rating, newcomer.reliability, newcomer.shifts_worked) == (Decimal("3.50"), Decimal("0.700"), 0)
    (opening,) = ratings.history(veteran)
    assert (opening.kind, opening.opening_shifts, opening.opening_no_shows, opening.opening_rating) == (
        "opening", 106, 2, Decimal("5.00"))
    # his first shift for B, the other franchise of the city, scored 5 on time
    ratings.record_event(veteran.id, "came", NOW + timedelta(hours=1), quality=5)
    veteran = worker(db, "+79165550101")
    assert (veteran.rating, veteran.reliability, veteran.shifts_worked) == (Decimal("5.00"), Decimal("0.958"), 107)


def test_a_russian_decimal_comma_is_read(db, city):
    tenancy.activate(tenancy.scope_for_user(city.b_recruiter))
    report = import_workers((HEADER + 'Анна,Точная,+79165550103,MSK,12,1,"4,75"\n').encode())
    tenancy.activate(None)
    assert report.ok and worker(db, "+79165550103").rating == Decimal("4.75")


def test_bad_records_are_named_row_by_row_and_nothing_is_saved(client, auth, db, city):
    text = HEADER + (
        "Good,Row,+79165550201,MSK,10,0,4.50\n"      # line 2: fine
        "Neg,Shifts,+79165550202,MSK,-3,0,4.00\n"    # line 3: shifts
        "Frac,Shifts,+79165550203,MSK,2.5,0,4.00\n"  # line 4: shifts
        "High,Rating,+79165550204,MSK,10,0,5.5\n"    # line 5: rating
        "Text,Rating,+79165550205,MSK,10,0,good\n"   # line 6: rating
        "Many,Places,+79165550206,MSK,10,0,4.125\n"  # line 7: rating
        "Half,Record,+79165550207,MSK,10,,\n"        # line 8: no_shows and rating missing
        "Neg,NoShows,+79165550208,MSK,10,-1,4.00\n"  # line 9: no_shows
    )
    auth.login(city.a_recruiter.email)
    before = db.session.scalar(select(func.count()).select_from(Worker))
    response = upload(client, text)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Nothing was imported" in page
    assert "Give shifts, no_shows and rating together" in page and "at most two decimals, like 4.75" in page
    assert page.count("Shifts worked: a whole number from 0 to 100000.") == 2
    assert db.session.scalar(select(func.count()).select_from(Worker)) == before and events(db) == 0
    tenancy.activate(tenancy.scope_for_user(city.a_recruiter))
    report = import_workers(text.encode())
    tenancy.activate(None)
    assert sorted((line, column) for line, column, _m in report.errors) == [
        (3, "shifts"), (4, "shifts"), (5, "rating"), (6, "rating"), (7, "rating"), (8, "no_shows, rating"),
        (9, "no_shows")]


@freeze_time(NOW)
def test_a_merged_worker_with_a_history_keeps_it(client, auth, db, city):
    ratings.record_event(city.a_worker.id, "came", NOW - timedelta(days=1), quality=4)
    text = HEADER + f"{city.a_worker.first_name},{city.a_worker.last_name},{city.a_worker.phone},MSK,90,0,5.00\n"
    auth.login(city.b_recruiter.email)
    response = upload(client, text, "merge")
    assert response.status_code == 400 and "already has a rating history" in response.get_data(as_text=True)
    assert events(db) == 1 and worker(db, city.a_worker.phone).shifts_worked == 1


@freeze_time(NOW)
def test_a_merged_worker_without_a_history_gets_his_record(client, auth, db, city):
    text = HEADER + f"{city.b_worker.first_name},{city.b_worker.last_name},{city.b_worker.phone},MSK,30,3,4.20\n"
    auth.login(city.a_recruiter.email)
    assert upload(client, text, "merge").status_code == 200
    merged = worker(db, city.b_worker.phone)
    assert (merged.rating, merged.shifts_worked) == (Decimal("4.20"), 30)
    assert ratings.recompute(merged).rating == Decimal("4.20")
