"""The dashboard's rollup on PostgreSQL: counted once, counted again when an order changes, never twice at once."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from freezegun import freeze_time
from sqlalchemy import func, select, text, update

from franchise import dashboard, rollup
from franchise.models import DashboardCounted, DashboardRollup
from orders.models import Attendance, Order
from tests import races
from tests.royalty.conftest import shift

D = Decimal
T0 = datetime(2026, 12, 3, 9, 0, tzinfo=timezone.utc)


def utc(month_, day, hour):
    return datetime(2026, month_, day, hour, tzinfo=timezone.utc)


def november(db):
    db.session.expire_all()
    return dashboard.network_dashboard("2026-11").chosen


def regions_of(city):
    return {city.moscow.id: city.moscow.timezone, city.kazan.id: city.kazan.timezone}


def test_a_shift_re_marked_after_a_view_shows_on_the_next_and_nothing_changed_counts_nothing(db, city):
    with freeze_time(T0) as clock:
        order = shift(city.a_site, utc(11, 10, 6), ["8"])  # 8 h x 220 = 1760.00
        assert november(db).turnover == D("1760.00")
        clock.tick(timedelta(hours=1))
        mark = db.session.scalar(select(Attendance).where(Attendance.order_id == order.id))
        mark.hours = D("4")  # a late correction: the order's tally (and updated_at) moves with it
        db.session.commit()
        clock.tick(timedelta(hours=1))
        assert november(db).turnover == D("880.00")
        months = dashboard.months_up_to("2026-11")
        clock.tick(timedelta(days=1))
        assert rollup.refresh(months, regions_of(city)) == 0  # nothing changed since: nothing counted again
        assert rollup.refresh(["2027-01"], regions_of(city)) == 2  # a month never shown: counted for both regions


def test_an_order_closed_after_a_view_counts_in_its_month(db, city):
    with freeze_time(T0) as clock:
        order = shift(city.b_site, utc(11, 12, 6), ["2"], status="in_progress")
        assert november(db).turnover == D("0.00")
        clock.tick(timedelta(hours=3))
        db.session.get(Order, order.id).status = "completed"
        db.session.commit()
        clock.tick(timedelta(hours=3))
        assert (november(db).turnover, november(db).filled) == (D("440.00"), 1)


def test_a_change_written_before_a_view_and_committed_after_it_is_still_seen(db, city):
    with freeze_time(T0) as clock:
        assert november(db).turnover == D("0.00")  # counted at T0
        late = shift(city.c_site, utc(11, 20, 6), ["10"])  # 2200.00, in Kazan
        # as if its transaction wrote at T0 - 2 minutes and committed after the view at T0
        db.session.execute(update(Order).where(Order.id == late.id).values(updated_at=T0 - timedelta(minutes=2)))
        db.session.commit()
        clock.tick(timedelta(hours=1))
        assert november(db).turnover == D("2200.00")


def test_forget_counts_afresh_after_writes_that_left_updated_at_in_the_past(db, city):
    with freeze_time(T0) as clock:
        assert november(db).turnover == D("0.00")
        old = shift(city.a_site, utc(11, 3, 6), ["1"])  # 220.00, written as history is: updated_at long past
        db.session.execute(update(Order).where(Order.id == old.id).values(updated_at=utc(11, 3, 20)))
        db.session.commit()
        clock.tick(timedelta(hours=1))
        assert november(db).turnover == D("0.00")  # the rollup cannot see it: the reason bulk writers forget()
        rollup.forget()
        assert november(db).turnover == D("220.00")


def test_two_views_at_once_count_each_month_once(app, db, city):
    order = shift(city.a_site, utc(11, 10, 6), ["8"])
    # changed an hour ago: neither view has a recent change to count again
    db.session.execute(update(Order).where(Order.id == order.id)
                       .values(updated_at=datetime.now(timezone.utc) - timedelta(hours=1)))
    db.session.commit()
    months = dashboard.months_up_to("2026-11")
    rollup.refresh(months, regions_of(city))
    rollup.forget()  # the watermark row stays: the holder can lock it
    holder = races.Holder()
    holder.execute("SELECT id FROM dashboard_watermark FOR UPDATE")
    first = races.in_thread(app, rollup.refresh, months, regions_of(city))
    second = races.in_thread(app, rollup.refresh, months, regions_of(city))
    races.wait_for_lock_wait(count=2)
    holder.commit()
    assert sorted([first.result(timeout=30), second.result(timeout=30)]) == [0, 2 * len(months)]
    assert db.session.scalar(select(func.count()).select_from(DashboardCounted)) == 2 * len(months)
    assert db.session.scalar(select(func.sum(DashboardRollup.orders))) == 1
    assert db.session.execute(text("SELECT count(*) FROM dashboard_watermark")).scalar_one() == 1
