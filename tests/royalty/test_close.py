"""Month close on PostgreSQL: one statement per franchise from its shifts in its own time zone, issued once,
never edited; late corrections as adjustments; payments and balances. A and B share Moscow."""
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select, text

from orders.models import Attendance, Order
from royalty import service
from royalty.models import RoyaltyPayment, Statement, StatementLine, StatementIssued
from tests import factories, races
from tests.royalty.conftest import rows, shift, statement_of

AFTER_NOVEMBER = "2026-12-01 12:00:00"  # November has ended in every zone


@freeze_time(AFTER_NOVEMBER)
def test_each_franchise_of_one_city_gets_its_own_statement_from_its_own_shifts(db, month):
    result = service.close_month("2026-11")
    assert (result.issued, result.already) == (3, 0)  # A, B and C (Kazan, no shift); head office pays none
    a, b, c = statement_of(month.a), statement_of(month.b), statement_of(month.c)
    assert [(l.kind, l.order_id, l.billed, l.amount) for l in a.lines] == [
        ("order", month.a1.id, Decimal("5060.00"), Decimal("759.00")),
        ("order", month.a2.id, Decimal("880.00"), Decimal("132.00"))]
    assert (a.turnover, a.royalty, a.fixed_fee, a.adjustments, a.total) == (
        Decimal("5940.00"), Decimal("891.00"), Decimal("0.00"), Decimal("0.00"), Decimal("891.00"))
    assert [(l.kind, l.billed, l.amount) for l in b.lines] == [
        ("order", Decimal("266.71"), Decimal("40.01")), ("order", Decimal("106.69"), Decimal("16.00")),
        ("fee", Decimal("0.00"), Decimal("5000.00"))]
    assert (b.turnover, b.royalty, b.total) == (Decimal("373.40"), Decimal("56.01"), Decimal("5056.01"))
    assert b.total == sum(l.amount for l in b.lines)
    assert (c.turnover, c.total, c.lines) == (Decimal("0.00"), Decimal("0.00"), [])
    assert a.due_on == date(2026, 12, 15)
    assert statement_of(month.head) is None


@freeze_time(AFTER_NOVEMBER)
@pytest.mark.parametrize("zone,last_evening,first_morning", [
    ("Asia/Vladivostok", datetime(2026, 11, 30, 13, 30, tzinfo=timezone.utc), datetime(2026, 10, 31, 14, 30, tzinfo=timezone.utc)),
    ("Europe/Kaliningrad", datetime(2026, 11, 30, 21, 30, tzinfo=timezone.utc), datetime(2026, 10, 31, 22, 30, tzinfo=timezone.utc)),
])
def test_the_month_is_the_regions_own(db, city, zone, last_evening, first_morning):
    region = factories.region(name=zone, timezone=zone)
    branch = factories.franchise(region, name=f"Branch of {zone}")
    site = factories.site(factories.client(branch))
    evening = shift(site, last_evening, ["2"])  # 23:30 local on 30 November
    morning = shift(site, first_morning, ["3"])  # 00:30 local on 1 November (still October in UTC)
    shift(site, last_evening.replace(hour=last_evening.hour + 1), ["5"])  # 00:30 local on 1 December
    shift(site, first_morning.replace(hour=first_morning.hour - 1), ["7"])  # 23:30 local on 31 October
    service.close_month("2026-11")
    lines = statement_of(branch).lines
    assert sorted(l.order_id for l in lines) == sorted([evening.id, morning.id])
    assert statement_of(branch).turnover == Decimal("1100.00")  # 5 h x 220


@freeze_time("2026-11-30 21:30:00")  # December has begun in Moscow, not yet in Kaliningrad
def test_a_month_not_yet_over_everywhere_cannot_close(db, month):
    factories.region(name="Kaliningrad", timezone="Europe/Kaliningrad")
    with pytest.raises(service.RoyaltyError, match="has not ended in every region"):
        service.close_month("2026-11")
    assert db.session.scalar(select(func.count()).select_from(Statement)) == 0


@freeze_time(AFTER_NOVEMBER)
def test_closing_again_changes_nothing(db, month):
    service.close_month("2026-11")
    before = rows(db)
    again = service.close_month("2026-11")
    assert (again.issued, again.already) == (0, 3)
    assert rows(db) == before


@freeze_time(AFTER_NOVEMBER)
def test_two_closes_at_the_same_moment_issue_one_statement_each(app, db, month):
    holder = races.Holder()
    holder.execute("SELECT pg_advisory_xact_lock(hashtext('royalty-close-2026-11'))")
    first = races.in_thread(app, service.close_month, "2026-11")
    second = races.in_thread(app, service.close_month, "2026-11")
    races.wait_for_lock_wait(count=2)
    holder.rollback()
    results = sorted((first.result(timeout=20).issued, second.result(timeout=20).issued))
    assert results == [0, 3]
    assert db.session.scalar(select(func.count()).select_from(Statement)) == 3


@freeze_time(AFTER_NOVEMBER)
def test_an_issued_statement_never_changes(db, month):
    service.close_month("2026-11")
    issued = statement_of(month.a)
    issued.total = Decimal("1.00")
    with pytest.raises(StatementIssued):
        db.session.commit()
    db.session.rollback()
    line = db.session.scalar(select(StatementLine).where(StatementLine.franchise_id == month.a.id))
    db.session.delete(line)
    with pytest.raises(StatementIssued):
        db.session.commit()
    db.session.rollback()
    for sql in ("UPDATE statement SET total = 1", "DELETE FROM statement_line"):  # behind the ORM's back too
        with pytest.raises(Exception, match="issued and never change"):
            db.session.execute(text(sql))
        db.session.rollback()
    assert statement_of(month.a).total == Decimal("891.00")


def test_a_late_correction_becomes_an_adjustment_on_the_next_statement(db, month):
    with freeze_time(AFTER_NOVEMBER):
        service.close_month("2026-11")
    november = rows(db)
    with freeze_time("2026-12-03 09:00:00"):
        mark = db.session.scalar(select(Attendance).where(Attendance.order_id == month.a2.id))
        mark.hours = Decimal("6")  # re-marked after the close: 4 h -> 6 h, +440.00 billed
        db.session.get(Order, month.a_open.id).status = "completed"  # a November shift closed after the close
        db.session.commit()
        december = shift(month.a_site, datetime(2026, 12, 5, 6, tzinfo=timezone.utc), ["10"])
    with freeze_time("2027-01-01 12:00:00"):
        service.close_month("2026-12")
    assert [r for r in rows(db) if r[1] == "2026-11"] == november  # November's statements as issued
    dec = statement_of(month.a, "2026-12")
    assert sorted((l.kind, l.order_id, l.period, l.billed, l.amount) for l in dec.lines) == sorted([
        ("order", month.a_next.id, "2026-12", Decimal("880.00"), Decimal("132.00")),
        ("order", december.id, "2026-12", Decimal("2200.00"), Decimal("330.00")),
        ("adjustment", month.a2.id, "2026-11", Decimal("440.00"), Decimal("66.00")),
        ("adjustment", month.a_open.id, "2026-11", Decimal("1760.00"), Decimal("264.00"))])
    assert (dec.turnover, dec.royalty, dec.adjustments, dec.total) == (
        Decimal("3080.00"), Decimal("462.00"), Decimal("330.00"), Decimal("792.00"))
    assert statement_of(month.b, "2026-12").adjustments == Decimal("0.00")  # B's shifts were not touched
    with freeze_time("2027-02-01 12:00:00"):
        service.close_month("2027-01")
    assert statement_of(month.a, "2027-01").lines == []  # settled once, not again


def test_months_close_in_order(db, month):
    with freeze_time(AFTER_NOVEMBER):
        service.close_month("2026-11")
        with pytest.raises(service.RoyaltyError, match="has not ended"):
            service.close_month("2026-12")
        with pytest.raises(service.RoyaltyError, match="2026-11 is closed already"):
            service.close_month("2026-10")
        with pytest.raises(service.RoyaltyError, match="YYYY-MM"):
            service.close_month("November")


@freeze_time(AFTER_NOVEMBER)
def test_payments_balance_and_overdue(db, month):
    service.close_month("2026-11")
    b = statement_of(month.b)
    service.record_payment(b.id, Decimal("5000.00"), date(2026, 12, 10), "PP-17", month.admin)
    for amount in (Decimal("56.02"), Decimal("0"), Decimal("-1"), Decimal("1.001")):
        with pytest.raises(service.RoyaltyError):
            service.record_payment(b.id, amount, date(2026, 12, 10), None)
        db.session.rollback()
    assert service.outstanding(b) == Decimal("56.01")
    balances = {x.franchise.id: x for x in service.balances(date(2026, 12, 10))}
    assert (balances[month.b.id].due, balances[month.b.id].paid, balances[month.b.id].balance) == (
        Decimal("5056.01"), Decimal("5000.00"), Decimal("56.01"))
    assert balances[month.b.id].overdue == 0 and service.overdue(date(2026, 12, 15)) == []
    late = service.overdue(date(2026, 12, 16))
    assert sorted((s.franchise_id, left) for s, left in late) == sorted(
        [(month.a.id, Decimal("891.00")), (month.b.id, Decimal("56.01"))])
    service.record_payment(b.id, Decimal("56.01"), date(2026, 12, 16), None)
    assert [s.franchise_id for s, _left in service.overdue(date(2026, 12, 16))] == [month.a.id]
    assert db.session.scalar(select(func.count()).select_from(RoyaltyPayment)) == 2


@freeze_time(AFTER_NOVEMBER)
def test_two_payments_at_once_cannot_both_take_the_last_rouble(app, db, month):
    service.close_month("2026-11")
    a = statement_of(month.a)
    holder = races.Holder()
    holder.lock("statement", a.id)
    holder.execute("INSERT INTO royalty_payment (statement_id, franchise_id, amount, paid_on, recorded_at) "
                   "VALUES (:s, :f, 891.00, '2026-12-01', now())", s=a.id, f=month.a.id)
    second = races.in_thread(app, service.record_payment, a.id, Decimal("891.00"), date(2026, 12, 1), None)
    races.wait_for_lock_wait(second)
    holder.commit()
    with pytest.raises(service.RoyaltyError, match="Only"):
        second.result(timeout=20)
    assert db.session.scalar(select(func.sum(RoyaltyPayment.amount))) == Decimal("891.00")


@freeze_time(AFTER_NOVEMBER)
def test_the_command_closes_the_month(app, db, month):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["royalty", "close", "--period", "2026-11"])
    assert result.exit_code == 0, result.output
    assert "2026-11: 3 statements issued, 0 issued before" in result.output
    again = runner.invoke(args=["royalty", "close", "--period", "2026-11"])
    assert "0 statements issued, 3 issued before" in again.output
    bad = runner.invoke(args=["royalty", "close", "--period", "2026-12"])
    assert bad.exit_code != 0 and "has not ended" in bad.output
