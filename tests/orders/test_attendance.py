"""The foreman's sheet: marks for every booked worker, closing the shift into ratings, surplus workers;
marks open shortly before the start, closing waits for it, and the order shows what happened."""
from decimal import Decimal
from types import SimpleNamespace

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from orders.models import Attendance, Order
from ratings.models import RatingEvent
from tests import factories
from workers.models import Worker


# The factories' shift runs 06:00-14:00 UTC on 2026-12-02 (09:00-17:00 in Moscow): the sheet is
# filled and closed at its end, unless a test says otherwise.
AT_THE_END = "2026-12-02 14:00:00"


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


@freeze_time(AT_THE_END)
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


@freeze_time(AT_THE_END)
def test_a_shift_cannot_close_with_someone_unmarked(client, auth, db, shift, network):
    auth.login(network.a_foreman.email)
    form = sheet_form(shift, [("came", None, "5"), ("came", None, None), ("", None, None)], close=True)
    response = client.post(f"/orders/{shift.id}/attendance", data=form)
    assert response.status_code == 400 and "Mark every booked worker" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Order, shift.id).status == "filled"
    assert _marks(db) == 2  # the marks given were saved
    assert db.session.scalar(select(func.count()).select_from(RatingEvent)) == 0


@freeze_time(AT_THE_END)
def test_workers_who_came_beyond_the_order_are_recorded_as_surplus(client, auth, db, shift, network):
    auth.login(network.a_foreman.email)
    client.post(f"/orders/{shift.id}/attendance", data=sheet_form(shift, [("came", None, None)] * 3))
    marks = {a.worker_id: a.surplus for a in db.session.scalars(select(Attendance))}
    assert [marks[w.id] for w in shift.crew] == [False, False, True]


@freeze_time(AT_THE_END)
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


@freeze_time(AT_THE_END)
@pytest.mark.parametrize("who,status", [("a_foreman", 403), ("b_foreman", 404), ("head_office_foreman", 403)])
def test_only_the_named_foreman_of_the_franchise_marks_the_shift(client, auth, db, city, named, who, status):
    user = factories.user("foreman", email="foreman.ho@test.artel") if who == "head_office_foreman" else getattr(city, who)
    auth.login(user.email)
    assert client.get(f"/orders/{named.id}/attendance").status_code == status
    form = sheet_form(named, [("no_show", None, None)], close=True)
    assert client.post(f"/orders/{named.id}/attendance", data=form).status_code == status
    assert _marks(db) == 0 and db.session.scalar(select(func.count()).select_from(RatingEvent)) == 0
    assert named.code not in client.get("/orders/foreman").get_data(as_text=True)


@freeze_time(AT_THE_END)  # the foreman's page lists yesterday to the week ahead
def test_the_named_foreman_marks_and_closes_his_shift(client, auth, db, city, named):
    auth.login(city.a_foreman2.email)
    assert named.code in client.get("/orders/foreman").get_data(as_text=True)
    form = sheet_form(named, [("came", None, "5")], close=True)
    assert client.post(f"/orders/{named.id}/attendance", data=form).status_code == 302
    event = db.session.scalar(select(RatingEvent))
    assert (event.worker_id, event.order_id, event.recorded_by_id) == (city.a_worker.id, named.id, city.a_foreman2.id)


@freeze_time(AT_THE_END)  # the foreman's page lists yesterday to the week ahead
def test_a_foreman_marks_any_shift_of_his_franchise_that_names_nobody(client, auth, db, city):
    order = factories.order(city.a_site, needed=1, target=1, status="filled")
    order.crew = [city.a_worker]
    factories.offer(order, city.a_worker, state="booked")
    auth.login(city.a_foreman.email)
    assert order.code in client.get("/orders/foreman").get_data(as_text=True)
    assert client.post(f"/orders/{order.id}/attendance", data=sheet_form(order, [("came", None, None)])).status_code == 302
    assert _marks(db) == 1


@freeze_time(AT_THE_END)
def test_the_franchises_dispatcher_still_marks_a_named_shift(client, auth, db, city, named):
    auth.login(city.a_dispatcher.email)
    assert client.post(f"/orders/{named.id}/attendance", data=sheet_form(named, [("came", None, None)])).status_code == 302
    assert _marks(db) == 1


@freeze_time(AT_THE_END)
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


@pytest.fixture
def day(db, city):
    """Shifts of A and B in the same region: A's 06:00-13:30 UTC (09:00 Moscow), B's four hours later."""
    from datetime import datetime, timezone

    day = SimpleNamespace(city=city)
    for side, hour in (("a", 6), ("b", 10)):
        order = factories.order(getattr(city, f"{side}_site"), needed=3, target=3, status="filled", hours=7.5,
                                starts_at=datetime(2026, 12, 2, hour, tzinfo=timezone.utc))
        order.crew = [factories.worker(city.moscow, last_name=f"Shift{side.upper()}{i}") for i in range(3)]
        for w in order.crew:
            factories.offer(order, w, state="booked")
        setattr(day, side, order)
    return day


def _form(order, outcomes, **extra):
    form = {}
    for worker, outcome in zip(order.crew, outcomes):
        form.update({f"outcome-{worker.id}": outcome, f"hours-{worker.id}": "7.5"})
    return {**form, **extra}


def _status(db, order):
    db.session.expire_all()
    return db.session.get(Order, order.id).status


@freeze_time("2026-12-01 06:00:00")  # the day before: the bug of issue 12 took these marks
def test_marks_a_day_ahead_are_refused_and_the_order_keeps_its_status(client, auth, db, day):
    auth.login(day.city.a_foreman.email)
    page = client.get(f"/orders/{day.a.id}/attendance").get_data(as_text=True)
    assert "Marks open 60 minutes before the start, at" in page and "8:00" in page  # 05:00 UTC in Moscow
    assert 'data-testid="save"' not in page and 'data-testid="everyone-came"' not in page
    response = client.post(f"/orders/{day.a.id}/attendance", data=_form(day.a, ["came"] * 3))
    assert response.status_code == 400
    assert "Marks open 60 minutes before the start" in response.get_data(as_text=True)
    assert _marks(db) == 0 and _status(db, day.a) == "filled"


@freeze_time("2026-12-02 05:01:00")  # 59 minutes before A's start, five hours before B's
def test_marks_open_an_hour_before_the_start_and_never_move_the_order(client, auth, db, day):
    auth.login(day.city.a_foreman.email)
    page = client.get(f"/orders/{day.a.id}/attendance").get_data(as_text=True)
    assert 'data-testid="save"' in page and 'data-testid="close"' not in page
    assert "The shift can be closed once it has started" in page
    assert client.post(f"/orders/{day.a.id}/attendance", data=_form(day.a, ["came"] * 3)).status_code == 302
    assert _marks(db) == 3 and _status(db, day.a) == "filled"  # booking goes on until the start at 06:00
    auth.logout()
    auth.login(day.city.b_foreman.email)  # B's shift in the same region is B's own clock
    assert client.post(f"/orders/{day.b.id}/attendance", data=_form(day.b, ["came"] * 3)).status_code == 400
    assert client.post(f"/orders/{day.a.id}/attendance", data=_form(day.a, ["no_show"] * 3)).status_code == 404
    assert _marks(db) == 3


@freeze_time("2026-12-02 05:30:00")
def test_closing_before_the_start_is_refused_and_nothing_is_saved(client, auth, db, day):
    auth.login(day.city.a_foreman.email)
    response = client.post(f"/orders/{day.a.id}/attendance", data=_form(day.a, ["came"] * 3, close="1"))
    assert response.status_code == 400
    assert "The shift can be closed once it has started, at" in response.get_data(as_text=True)
    assert _marks(db) == 0 and _status(db, day.a) == "filled"
    assert db.session.scalar(select(func.count()).select_from(RatingEvent)) == 0


@freeze_time("2026-12-02 05:30:00")
def test_the_service_itself_keeps_the_times(db, day):
    from orders import attendance

    entries = [{"worker_id": w.id, "outcome": "came"} for w in day.b.crew]
    with pytest.raises(attendance.AttendanceError, match="Marks open"):
        attendance.mark(day.b, entries, None)
    db.session.rollback()
    attendance.mark(day.a, [{**e, "worker_id": w.id} for e, w in zip(entries, day.a.crew)], None)
    with pytest.raises(attendance.AttendanceError, match="once it has started"):
        attendance.close_shift(day.a, None)
    db.session.rollback()
    assert _status(db, day.a) == "filled" and db.session.scalar(select(func.count()).select_from(RatingEvent)) == 0


@freeze_time("2026-12-02 05:30:00")
def test_how_early_marks_open_is_a_setting(app, client, auth, db, day, monkeypatch):
    monkeypatch.setitem(app.config, "ATTENDANCE_OPENS_MINUTES", 20)
    auth.login(day.city.a_foreman.email)
    response = client.post(f"/orders/{day.a.id}/attendance", data=_form(day.a, ["came"] * 3))
    assert response.status_code == 400 and "Marks open 20 minutes before the start" in response.get_data(as_text=True)
    monkeypatch.setitem(app.config, "ATTENDANCE_OPENS_MINUTES", 300)
    auth.logout()
    auth.login(day.city.b_foreman.email)
    assert client.post(f"/orders/{day.b.id}/attendance", data=_form(day.b, ["came"] * 3)).status_code == 302


@freeze_time("2026-12-01 06:00:00")
def test_the_refusals_speak_russian(client, auth, db, day):
    day.city.a_foreman.locale = "ru"
    db.session.commit()
    auth.login(day.city.a_foreman.email)
    page = client.post(f"/orders/{day.a.id}/attendance", data=_form(day.a, ["came"] * 3)).get_data(as_text=True)
    assert "Отметки открываются за 60 мин до начала смены, в 02.12.2026, 08:00" in page
    with freeze_time("2026-12-02 05:30:00"):
        page = client.post(f"/orders/{day.a.id}/attendance", data=_form(day.a, ["came"] * 3, close="1"))
    assert "Смену можно закрыть только после её начала, в 02.12.2026, 09:00" in page.get_data(as_text=True)


@freeze_time("2026-12-02 06:10:00")
def test_everyone_came_marks_every_row_left_blank(client, auth, db, day):
    auth.login(day.city.a_foreman.email)
    first, *rest = day.a.crew
    form = {f"outcome-{first.id}": "late", f"minutes-{first.id}": "10", "everyone_came": "1",
            **{f"hours-{w.id}": "7.5" for w in day.a.crew}}
    assert client.post(f"/orders/{day.a.id}/attendance", data=form).status_code == 302
    marks = {a.worker_id: a for a in db.session.scalars(select(Attendance))}
    assert [marks[w.id].outcome for w in day.a.crew] == ["late", "came", "came"]
    assert marks[rest[0].id].hours == Decimal("7.5") and _status(db, day.a) == "filled"
    page = client.get(f"/orders/{day.a.id}/attendance").get_data(as_text=True)
    assert 'data-testid="close"' in page and "7 h 30 min" in page


@freeze_time("2026-12-02 06:10:00")
@pytest.mark.parametrize("hours,minutes,message", [
    ("25", "", "Hours are from 0 to 24"), ("-1", "", "Hours are from 0 to 24"), ("NaN", "", "Hours are from 0 to 24"),
    ("8", "99999999999", "Minutes late are from 0 to 1440"),
])
def test_impossible_hours_and_minutes_are_refused(client, auth, db, day, hours, minutes, message):
    auth.login(day.city.a_foreman.email)
    form = {**_form(day.a, ["came", "came", "late"]), f"hours-{day.a.crew[0].id}": hours,
            f"minutes-{day.a.crew[2].id}": minutes or "5", f"minutes-{day.a.crew[1].id}": minutes}
    response = client.post(f"/orders/{day.a.id}/attendance", data=form)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert _marks(db) == 0


@freeze_time("2026-12-02 13:40:00")
def test_a_closed_order_shows_what_happened_to_each_worker(client, auth, db, day):
    came, late, absent = day.a.crew
    auth.login(day.city.a_foreman.email)
    form = {**_form(day.a, ["came", "late", "no_show"], close="1"), f"minutes-{late.id}": "25",
            f"hours-{late.id}": "7.08"}
    assert client.post(f"/orders/{day.a.id}/attendance", data=form).status_code == 302
    auth.logout()
    auth.login(day.city.a_dispatcher.email)
    for url in (f"/orders/{day.a.id}", f"/orders/{day.a.id}/board"):
        page = client.get(url).get_data(as_text=True)
        assert _cell(page, f"outcome-{came.id}") == "came" and _cell(page, f"outcome-{absent.id}") == "no-show"
        assert _cell(page, f"outcome-{late.id}").startswith("late")
        assert _cell(page, f"hours-{came.id}") == "7 h 30 min" and _cell(page, f"hours-{late.id}") == "7 h 5 min"
        assert _cell(page, f"hours-{absent.id}") == ""  # a no-show worked no hours, whatever the form said
        assert ">booked<" not in page
    day.city.a_dispatcher.locale = "ru"
    db.session.commit()
    page = client.get(f"/orders/{day.a.id}/board").get_data(as_text=True)
    assert _cell(page, f"hours-{came.id}") == "7 ч 30 мин" and _cell(page, f"outcome-{absent.id}") == "не вышел"
    listed = client.get("/orders/?status=completed").get_data(as_text=True)
    assert _cell(listed, f"came-{day.a.id}") == "пришёл: 1 · опоздал: 1 · не вышел: 1"
    auth.logout()
    auth.login(day.city.b_dispatcher.email)
    assert client.get(f"/orders/{day.a.id}/board").status_code == 404
    assert f'came-{day.a.id}"' not in client.get("/orders/").get_data(as_text=True)


@freeze_time("2026-12-02 05:30:00")
def test_the_sheet_shows_the_workers_photos_to_its_foreman_only(app, client, auth, db, day, tmp_path, monkeypatch):
    import io

    from PIL import Image

    from workers import photos

    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))
    pictured, plain = day.a.crew[0], day.a.crew[1]
    stranger = day.b.crew[0]
    for worker in (pictured, stranger):
        out = io.BytesIO()
        Image.new("RGB", (300, 300), (10, 120, 40)).save(out, "PNG")
        out.seek(0)
        photos.save_photo(worker, out)
    db.session.commit()
    auth.login(day.city.a_foreman.email)
    page = client.get(f"/orders/{day.a.id}/attendance").get_data(as_text=True)
    assert f'data-testid="photo-{pictured.id}"' in page and f'data-testid="photo-{plain.id}"' not in page
    served = client.get(f"/orders/{day.a.id}/attendance/{pictured.id}/photo")
    assert served.status_code == 200 and served.mimetype == "image/jpeg" and "no-store" in served.headers["Cache-Control"]
    assert client.get(f"/orders/{day.a.id}/attendance/{plain.id}/photo").status_code == 404  # no photo
    assert client.get(f"/orders/{day.a.id}/attendance/{stranger.id}/photo").status_code == 404  # not on this sheet
    assert client.get(f"/workers/{pictured.id}/photo").status_code == 403  # the pool stays closed to a foreman
    assert client.get(f"/orders/{day.b.id}/attendance/{stranger.id}/photo").status_code == 404  # B's shift


def _cell(page, testid):
    """Return the text of the element with this data-testid, tags stripped."""
    import re

    found = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</t[dh]>', page, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip() if found else None


@freeze_time(AT_THE_END)
def test_the_workers_card_shows_his_mark_once_the_shift_is_closed(client, auth, db, shift, network):
    auth.login(network.a_foreman.email)
    form = sheet_form(shift, [("came", None, "5"), ("late", "40", "4"), ("no_show", None, None)])
    assert client.post(f"/orders/{shift.id}/attendance", data=form).status_code == 302  # saved, still open
    auth.logout()
    auth.login(network.a_dispatcher.email)
    late = shift.crew[1]
    assert f'data-testid="shift-outcome-{shift.id}"' not in client.get(f"/workers/{late.id}").get_data(as_text=True)
    auth.logout()
    auth.login(network.a_foreman.email)
    assert client.post(f"/orders/{shift.id}/attendance", data={**form, "close": "1"}).status_code == 302
    auth.logout()
    auth.login(network.a_dispatcher.email)
    page = client.get(f"/workers/{late.id}").get_data(as_text=True)
    assert f'data-testid="shift-outcome-{shift.id}"' in page and "40 min" in page and "8 h" in page
    absent = client.get(f"/workers/{shift.crew[2].id}").get_data(as_text=True)
    assert f'data-testid="shift-outcome-{shift.id}"' in absent and "no-show" in absent.lower()


@freeze_time("2026-12-02 13:30:00")  # the end of A's shift in the `day` fixture
def test_a_walk_in_is_added_by_phone_marked_came_and_rated_at_the_close(client, auth, db, day):
    city, order = day.city, day.a
    walk_in = factories.worker(city.moscow, last_name="Walkin", phone="+79169990001")
    busy = day.b.crew[0]  # holds B's overlapping shift in the same city
    far = factories.worker(city.kazan, last_name="Far", phone="+79169990002")
    auth.login(city.a_foreman.email)
    url = f"/orders/{order.id}/attendance/walk-in"
    assert client.post(url, data={"phone": "8 916 999-00-01"}).status_code == 302
    page = client.get(f"/orders/{order.id}/attendance").get_data(as_text=True)
    assert "Walkin" in page
    again = client.post(url, data={"phone": walk_in.phone})
    assert again.status_code == 400 and "on the sheet already" in again.get_data(as_text=True)
    clash = client.post(url, data={"phone": busy.phone})
    assert clash.status_code == 400 and "another shift" in clash.get_data(as_text=True)
    assert client.post(url, data={"phone": far.phone}).status_code == 400
    assert client.post(url, data={"phone": "+79160000000"}).status_code == 400  # nobody has it
    marks = db.session.scalars(select(Attendance).where(Attendance.order_id == order.id)).all()
    assert [(m.worker_id, m.outcome, m.surplus) for m in marks] == [(walk_in.id, "came", False)]
    form = {**_form(order, ["came", "came", "no_show"]), f"outcome-{walk_in.id}": "came", f"hours-{walk_in.id}": "7.5",
            "close": "1"}
    assert client.post(f"/orders/{order.id}/attendance", data=form).status_code == 302
    rated = set(db.session.scalars(select(RatingEvent.worker_id).where(RatingEvent.order_id == order.id)))
    assert walk_in.id in rated and len(rated) == 4
    auth.logout()
    auth.login(city.b_foreman.email)  # the other franchise of the city
    assert client.post(url, data={"phone": far.phone}).status_code in (403, 404)


@freeze_time("2026-12-01 10:00:00")  # the day before: the sheet is not open
def test_no_walk_in_before_the_sheet_opens(client, auth, db, day):
    walk_in = factories.worker(day.city.moscow, phone="+79169990003")
    auth.login(day.city.a_foreman.email)
    response = client.post(f"/orders/{day.a.id}/attendance/walk-in", data={"phone": walk_in.phone})
    assert response.status_code == 400 and "Marks open" in response.get_data(as_text=True)
    assert db.session.scalars(select(Attendance)).all() == []


@freeze_time("2026-12-02 13:40:00")
def test_the_order_shows_billed_paid_out_and_margin_with_show_up_pay(client, auth, db, city):
    from datetime import datetime, timezone

    order = factories.order(city.a_site, needed=2, target=3, status="filled", hours=7.5,
                            starts_at=datetime(2026, 12, 2, 6, tzinfo=timezone.utc))
    order.crew = [factories.worker(city.moscow) for _ in range(3)]
    for w in order.crew:
        factories.offer(order, w, state="booked")
    auth.login(city.a_dispatcher.email)
    assert 'data-testid="money"' not in client.get(f"/orders/{order.id}").get_data(as_text=True)  # nobody marked
    form = {**_form(order, ["came", "came", "came"], close="1"), f"hours-{order.crew[2].id}": "0"}  # the third sent home
    assert client.post(f"/orders/{order.id}/attendance", data=form).status_code == 302
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    # billed 15 h x 220 = 3,300.00; paid 15 h x 100 + 2 h show-up x 100 = 1,700.00; margin 1,600.00
    assert _cell_text(page, "billed") == "₽3,300.00" and _cell_text(page, "paid-out") == "₽1,700.00"
    assert _cell_text(page, "margin") == "₽1,600.00" and "1 sent home with show-up pay" in page


def _cell_text(page, testid):
    import re

    found = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</', page, re.S)
    return found.group(1).strip() if found else None
